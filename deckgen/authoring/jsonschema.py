"""`deckgen schema`: the card file format as JSON Schema, for editors that check YAML as you type.

Built from the same typed key declarations that validation uses (cardfile.py, kinds.py): each key
describes its own value, with the project's subdeck and reference keys filled in, so an editor can
offer them and flag a misspelt key before `deckgen check` runs. deckgen's own validation stays the
authority: it also checks what JSON Schema cannot (duplicate ids across files, cloze syntax, media
files, markup).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from deckgen.source.cardfile import CARD_FILE_KEYS, COMMON_CARD_KEYS, card_keys
from deckgen.source.deck import DeckSettings, Reference
from deckgen.source.keys import Key
from deckgen.source.kinds import KINDS


@dataclass(frozen=True)
class SchemaContext:
    """What the schema names of a project: its subdeck keys and reference keys (and only those: the
    cards themselves may still have errors)."""

    settings: DeckSettings
    references: Mapping[str, Reference]


def _properties(keys: tuple[Key, ...], project: SchemaContext | None) -> dict[str, Any]:
    return {key.name: {**key.json_schema(project), "description": key.doc} for key in keys}


def card_file_schema(project: SchemaContext | None) -> dict[str, Any]:
    """JSON Schema (2020-12) of a card file; `project` fills in its subdeck and reference keys."""
    kinds = project.settings.kinds if project else KINDS
    per_kind = []
    for name, kind in kinds.items():
        per_kind.append({
            "if": {"properties": {"kind": {"const": name}}, "required": ["kind"]},
            "then": {
                "description": f"{name}: {kind.summary}",
                "required": [key.name for key in kind.keys if key.required],
                "propertyNames": {"enum": sorted(key.name for key in card_keys(name, kinds))},
            },
        })
    properties = _properties(card_keys(None, kinds), project)
    # Editors that offer the kinds as you type (VS Code's) show each one's summary beside it.
    properties["kind"]["enumDescriptions"] = [kinds[name].summary for name in properties["kind"].get("enum", ())]
    file_keys = tuple(key for key in CARD_FILE_KEYS if key.name != "cards")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "deckgen card file",
        "description": "A file of cards under cards/. See the README's card file reference.",
        "type": "object",
        "additionalProperties": False,
        "required": ["cards"],
        "properties": {
            **_properties(file_keys, project),
            "cards": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/card"},
                      "description": "The cards of this file."},
        },
        "$defs": {
            "card": {
                "type": "object",
                "additionalProperties": False,
                "required": [key.name for key in COMMON_CARD_KEYS if key.required],
                "properties": properties,
                "allOf": per_kind,
            }
        },
    }
