"""`deckgen schema`: the card file format as JSON Schema, for editors that check YAML as you type.

Built from the same key declarations that validation uses (schema.py), with the project's own
subdeck and reference keys filled in, so an editor can offer them and flag a misspelt key before
`deckgen check` runs. deckgen's own validation stays the authority: it also checks what JSON
Schema cannot (duplicate ids across files, cloze syntax, media files, markup).
"""

from __future__ import annotations

from deckgen.model import KINDS, Project
from deckgen.schema import CARD_FILE_KEYS, CARD_ID, COMMON_CARD_KEYS, KIND_KEYS, TAG, Key

_TEXT = {"type": "string", "minLength": 1}


def _value_schema(key: Key, project: Project | None) -> dict:
    if key.type in ("text", "markup"):
        return dict(_TEXT)
    if key.type == "boolean":
        return {"type": "boolean"}
    if key.type == "kind":
        return {"enum": list(KINDS)}
    if key.type == "card id":
        return {"type": "string", "pattern": "^" + CARD_ID.pattern.removesuffix("\\Z") + "$"}
    if key.type == "subdeck key":
        return {"enum": list(project.settings.subdecks)} if project else dict(_TEXT)
    if key.type == "reference key":
        return {"enum": sorted(project.references)} if project and project.references else dict(_TEXT)
    if key.type == "list of tags":
        return {"type": "array", "items": {"type": "string", "pattern": "^" + TAG.pattern.removesuffix("\\Z") + "$"}}
    if key.type in ("list of text", "list of markup"):
        return {"type": "array", "items": dict(_TEXT)}
    raise ValueError(f"no JSON Schema for key type {key.type!r}")


def _properties(keys: tuple[Key, ...], project: Project | None) -> dict:
    return {key.name: {**_value_schema(key, project), "description": key.doc} for key in keys}


def card_file_schema(project: Project | None) -> dict:
    """JSON Schema (2020-12) of a card file; `project` fills in its subdeck and reference keys."""
    every_card_key = COMMON_CARD_KEYS + tuple(
        {key.name: key for keys in KIND_KEYS.values() for key in keys}.values()
    )
    per_kind = []
    for kind, keys in KIND_KEYS.items():
        allowed = {key.name for key in COMMON_CARD_KEYS + keys}
        per_kind.append({
            "if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
            "then": {
                "required": [key.name for key in keys if key.required],
                "propertyNames": {"enum": sorted(allowed)},
            },
        })
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
                "properties": _properties(every_card_key, project),
                "allOf": per_kind,
            }
        },
    }
