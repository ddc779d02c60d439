"""Note types a project declares in `cards/deck.yaml`, beside the built-in kinds.

An entry of `note_types` is a built-in kind with its id (`basic: 1764...`) or, as a mapping, a note
type of the project's own: its id, fields by name and in order, card templates (Jinja files in
`templates/`), whether it is a cloze type and its sort field. Each becomes a `Kind` like the
built-in ones, so that validation, rendering, `deckgen schema` and the lock's guards treat both
alike; the project's kinds (built-in and declared) travel in the validated settings, never in a
global. Cards give each field under a YAML key derived from its name (`field_key`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from deckgen.names import name_problem
from deckgen.source.deck import Card
from deckgen.source.keys import BooleanKey, Key, ListKey, MarkupKey, Reader, TextKey, WholeNumberKey, did_you_mean
from deckgen.source.kinds import ANKI_SPECIAL_FIELDS, CardTemplateSpec, FieldWriter, Kind, cloze_check, optional_line
from deckgen.source.load import Mapping, Scalar, Sequence

MAX_ID = 2**63 - 1
KIND_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}\Z")
# Keys every card has of its own: a field whose key would be one of them gets "field_" before it.
RESERVED_KEYS = frozenset({"id", "kind", "subdeck", "tags", "media", "retired", "guid"})
# What Anki refuses in a field name (rslib notetype/fields.rs): it would break its {{...}} syntax.
FIELD_NAME_PROBLEM = re.compile(r'[:{}"]|^[#^/]')
TEMPLATE_KEYS = (
    TextKey("name", "The card template's name, as Anki shows it.", True, "the card template's name"),
    TextKey("front", "Jinja file in templates/ for the question side.", True, "a file name in templates/"),
    TextKey("back", "Jinja file in templates/ for the answer side.", True, "a file name in templates/"),
)
DECLARATION_KEYS = (
    WholeNumberKey("id", "Stable Anki note-type id; never change it.", True, 1, MAX_ID),
    TextKey("name", "The note type's name in Anki (default: the deck name and the kind)."),
    ListKey("fields", "Field names, in order. Never rename, remove or reorder them once released.",
            TextKey("fields", ""), "a field name", "a list of field names", True),
    ListKey("optional", "Fields a card may leave out (the others are required).", TextKey("optional", ""),
            "a field name", "a list of field names"),
    Key("templates", "Card templates: a list of name, front and back.", True),
    BooleanKey("cloze", "true for a cloze type: the first field holds the {{c1::...}} deletions."),
    TextKey("sort_field", "The field Anki's browser sorts by (default: the first).", expected="a field name"),
    TextKey("css", "Stylesheet template in templates/ (default: style.css).", expected="a file name in templates/"),
)


def field_key(field: str) -> str:
    """The YAML key a card gives a field under: the name in lower case, each run of other
    characters than letters and digits made one '_' ("Side effects" → side_effects)."""
    key = re.sub(r"\W+", "_", field.strip().lower()).strip("_") or "field"
    return f"field_{key}" if key in RESERVED_KEYS or key[0].isdigit() else key


def _key(name: str) -> Key:
    return next(key for key in DECLARATION_KEYS if key.name == name)


def read_declaration(name_node: Scalar, node: Mapping, read: Reader) -> tuple[int, Kind] | None:
    """A declared note type's id and kind, or None (its problems recorded)."""
    name = name_node.text
    what = f"note type '{name}'"
    if not KIND_NAME.match(name):
        read.add(name_node.location, f"{what}: a kind name is lower-case letters, digits, '-' or '_' "
                                     "(cards name it with 'kind:')")
    read.check_keys(node, DECLARATION_KEYS, what)
    note_type_id = read.read(node, _key("id"))
    fields = _fields(node, read, what)
    is_cloze = bool(read.read(node, _key("cloze")))
    templates = _templates(node, read, what, is_cloze)
    optional = _named_fields(node, "optional", fields, read, what)
    sort = _named_fields(node, "sort_field", fields, read, what)
    title = read.read(node, _key("name"))
    css = read.read(node, _key("css"))
    if note_type_id is None or fields is None or templates is None or optional is None or sort is None:
        return None
    if title is not None and name_problem(title.text):
        read.add(title.location, f"{what}: 'name' {name_problem(title.text)}")
        return None
    if is_cloze and fields[0] in optional:
        read.add(node.located("optional"), f"{what}: the cloze field '{fields[0]}' cannot be optional")
        return None
    return note_type_id, declared_kind(
        name, fields, frozenset(optional), templates, is_cloze,
        sort_field=fields.index(sort[0]) if sort else 0,
        note_type_name=title.text.strip() if title else None,
        css=css.text.strip() if css else "style.css",
    )


def _fields(node: Mapping, read: Reader, what: str) -> list[str] | None:
    values = read.read(node, _key("fields"))
    if values is None:
        return None
    if not values:
        read.add(node.located("fields"), f"{what}: 'fields' is empty: name at least one field")
        return None
    names: list[str] = []
    keys: dict[str, str] = {}
    ok = True
    for value in values:
        field = value.text.strip()
        key = field_key(field)
        if FIELD_NAME_PROBLEM.search(field):
            read.add(value.location, f"{what}: field name '{field}' may not contain : {{ }} \" or start with # ^ /")
            ok = False
        elif field in ANKI_SPECIAL_FIELDS:
            read.add(value.location, f"{what}: '{field}' is a name Anki gives its own fields: choose another")
            ok = False
        elif field.casefold() in (name.casefold() for name in names):
            read.add(value.location, f"{what}: field '{field}' is named twice")
            ok = False
        elif key in keys:
            read.add(value.location, f"{what}: fields '{keys[key]}' and '{field}' would both be written '{key}:' "
                                     "in card files: rename one")
            ok = False
        names.append(field)
        keys[key] = field
    return names if ok else None


def _named_fields(node: Mapping, key: str, fields: list[str] | None, read: Reader, what: str) -> list[str] | None:
    """The fields `optional` or `sort_field` names, each one of `fields`."""
    value = node.get(key)
    if value is None:
        return []
    values = read.read(node, _key(key))
    if values is None or fields is None:
        return None
    named = []
    for item in values if isinstance(values, list) else [values]:
        field = item.text.strip()
        if field not in fields:
            read.add(item.location, f"{what}: '{key}' names '{field}', which is not one of its fields"
                                    f"{did_you_mean(field, fields)}")
            return None
        named.append(field)
    return named


def _templates(node: Mapping, read: Reader, what: str, is_cloze: bool) -> tuple[CardTemplateSpec, ...] | None:
    value = node.get("templates")
    if value is None:
        return None
    if not isinstance(value, Sequence) or not value.items:
        read.add(value.location, f"{what}: 'templates' must be a list of card templates, each with name, front "
                                 "and back")
        return None
    if is_cloze and len(value.items) != 1:
        read.add(value.location, f"{what}: a cloze type has exactly one card template (Anki makes one card "
                                 "per deletion number from it)")
        return None
    specs: list[CardTemplateSpec] = []
    for item in value.items:
        entry = read.mapping(item, f"a card template of {what}", item.location)
        if entry is None:
            return None
        read.check_keys(entry, TEMPLATE_KEYS, f"a card template of {what}")
        name, front, back = (read.read(entry, key) for key in TEMPLATE_KEYS)
        if None in (name, front, back):
            return None
        problem = name_problem(name.text)
        if problem:
            read.add(name.location, f"{what}: card template name {problem}")
            return None
        if name.text.strip() in (spec.name for spec in specs):
            read.add(name.location, f"{what}: card template '{name.text.strip()}' is named twice")
            return None
        specs.append(CardTemplateSpec(name.text.strip(), front.text.strip(), back.text.strip(), front.location,
                                      back.location))
    return tuple(specs)


def declared_kind(name: str, fields: list[str], optional: frozenset[str], templates: tuple[CardTemplateSpec, ...],
                  is_cloze: bool, sort_field: int = 0, note_type_name: str | None = None,
                  css: str = "style.css") -> Kind:
    """The kind of a declared note type: one content key per field, each required unless optional."""
    pairs = tuple((field, field_key(field)) for field in fields)
    keys = tuple(MarkupKey(key, f"The {field} field.", field not in optional) for field, key in pairs)
    cloze_key = pairs[0][1] if is_cloze else None
    return Kind(
        name=name,
        summary=f"a note type of this project: {', '.join(fields)}",
        keys=keys,
        content_fields=tuple(fields),
        templates=templates,
        fill=_filler(pairs, cloze_key, optional),
        skeleton=tuple(optional_line(key) if field in optional else f"{key}:" for field, key in pairs),
        cloze_field=fields[0] if is_cloze else None,
        check=cloze_check(cloze_key) if cloze_key else None,
        trailing_fields=(),
        declared=True,
        note_type_name=note_type_name,
        sort_field=sort_field,
        css=css,
    )


def _filler(pairs: tuple[tuple[str, str], ...], cloze_key: str | None,
            optional: frozenset[str]) -> Callable[[Card, FieldWriter], dict[str, Any]]:
    def fill(card: Card, write: FieldWriter) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for field, key in pairs:
            text = card.text_of(key)
            if text is None:
                values[field] = ""
            elif key == cloze_key:
                values[field] = write.cloze_text(text)
            else:
                values[field] = write.markup(key, text, field not in optional)
        return values
    return fill
