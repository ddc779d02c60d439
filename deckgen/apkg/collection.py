"""An Anki collection (SQLite) read from a file, with Anki's legacy schema 11 (note types, decks and
presets as JSON in `col`) or its schema 15+ (their own tables, protobuf configs), into the frozen view.

The file comes from a package nobody vouches for: it is opened read-only and immutable, with the
schema untrusted, values capped in length and the whole reading bounded in time, so a view that
recurses for ever or a value built to fill the memory is a message, not a hang. Every value is
checked for the type Anki gives it; a wrong one is a ValueError the container turns into a message.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from deckgen.apkg import wire
from deckgen.apkg.contents import Note, NoteType, Template

TIME_BUDGET_SECONDS = 60.0  # a 100,000-card collection reads in a few seconds
MAX_VALUE_BYTES = 100_000_000  # one text or blob: a whole deck's note types fit many times over
# Notes or cards: ten times a large deck's. Each becomes Python objects, so the bound keeps a 512 MB
# collection of tiny rows from taking gigabytes of memory.
MAX_ROWS = 1_000_000
PROGRESS_STEPS = 10_000  # SQLite instructions between looks at the clock
FIRST_TABLE_SCHEMA = 15  # Anki moved note types and decks out of `col` into tables at schema 15
NEWEST_SCHEMA = 18
CLOZE_KIND = 1  # a note type's kind (legacy "type", schema 18's Config.kind)
DEFAULT_PRESET = 1
# Schema 18's protobuf field numbers (proto/anki/notetypes.proto)
NOTETYPE_KIND, NOTETYPE_SORT_FIELD, NOTETYPE_CSS = 1, 2, 3
TEMPLATE_FRONT, TEMPLATE_BACK = 1, 2
INT64 = range(-2**63, 2**63)
T = TypeVar("T")


class TooSlow(Exception):
    """The collection took longer to read than TIME_BUDGET_SECONDS (the message says so)."""


@dataclass(frozen=True)
class Contents:
    note_types: tuple[NoteType, ...]
    notes: tuple[Note, ...]
    deck_ids: dict[str, int]
    presets: frozenset[str]


def _integer(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in INT64:
        raise ValueError(f"{what} is not a whole number")
    return value


def _json_integer(value: object, what: str) -> int:
    """A number of legacy JSON, which Anki (and genanki, for ids) may also write as a string."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 25:
        value = int(value)
    return _integer(value, what)


def _string(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} is not text")
    return value


def _json_objects(text: object, what: str) -> dict[str, dict[str, Any]]:
    value = json.loads(_string(text, what))
    if not isinstance(value, dict) or not all(isinstance(entry, dict) for entry in value.values()):
        raise ValueError(f"{what} are not a JSON object of objects")
    return value


def _entries(value: object, what: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        raise ValueError(f"{what} are not a list of objects")
    return sorted(value, key=lambda entry: _json_integer(entry.get("ord"), f"the order of {what}"))


def _note_type(note_type_id: int, name: str, fields: list[str], templates: list[Template], css: str,
               kind: int, sort_field: int, modified: int) -> NoteType:
    """A note type; ValueError for one no Anki could have written."""
    if not fields or not templates or not 0 <= sort_field < len(fields):
        raise ValueError(f"note type '{name}' has no fields, no card template or a sort field it lacks")
    return NoteType(note_type_id, name, tuple(fields), tuple(templates), css, kind == CLOZE_KIND, sort_field,
                    modified)


def _legacy_note_types(models: dict[str, dict[str, Any]]) -> list[NoteType]:
    note_types = []
    for model in models.values():
        name = _string(model.get("name"), "a note type's name")
        templates = [Template(_string(t.get("name"), f"a card template's name in '{name}'"),
                              _string(t.get("qfmt"), f"a front template in '{name}'"),
                              _string(t.get("afmt"), f"a back template in '{name}'"))
                     for t in _entries(model.get("tmpls"), f"the card templates of '{name}'")]
        fields = [_string(field.get("name"), f"a field's name in '{name}'")
                  for field in _entries(model.get("flds"), f"the fields of '{name}'")]
        note_types.append(_note_type(
            _json_integer(model.get("id"), f"the id of '{name}'"), name, fields, templates,
            _string(model.get("css", ""), f"the CSS of '{name}'"),
            _json_integer(model.get("type", 0), f"the kind of '{name}'"),
            _json_integer(model.get("sortf", 0), f"the sort field of '{name}'"),
            _json_integer(model.get("mod", 0), f"the time of '{name}'")))
    return note_types


def _table_note_types(connection: sqlite3.Connection) -> list[NoteType]:
    fields: dict[int, list[str]] = {}
    for note_type_id, _, name in connection.execute("SELECT ntid, ord, name FROM fields ORDER BY ntid, ord"):
        fields.setdefault(_integer(note_type_id, "a field's note type"), []).append(_string(name, "a field's name"))
    templates: dict[int, list[Template]] = {}
    for note_type_id, name, config in connection.execute("SELECT ntid, name, config FROM templates ORDER BY ntid, ord"):
        message = _message(config, f"the config of card template '{name}'")
        templates.setdefault(_integer(note_type_id, "a card template's note type"), []).append(Template(
            _string(name, "a card template's name"), _field(wire.text, message, TEMPLATE_FRONT, name),
            _field(wire.text, message, TEMPLATE_BACK, name)))
    note_types = []
    for note_type_id, name, modified, config in connection.execute(
            "SELECT id, name, mtime_secs, config FROM notetypes ORDER BY id"):
        note_type_id = _integer(note_type_id, "a note type's id")
        name = _string(name, "a note type's name")
        message = _message(config, f"the config of note type '{name}'")
        note_types.append(_note_type(
            note_type_id, name, fields.get(note_type_id, []), templates.get(note_type_id, []),
            _field(wire.text, message, NOTETYPE_CSS, name), _field(wire.number, message, NOTETYPE_KIND, name),
            _field(wire.number, message, NOTETYPE_SORT_FIELD, name), _integer(modified, f"the time of '{name}'")))
    return note_types


def _message(value: object, what: str) -> wire.Message:
    """A protobuf config of schema 18, its fields by number."""
    if not isinstance(value, bytes):
        raise ValueError(f"{what} is not a blob")
    try:
        return wire.fields(value)
    except wire.WireError as error:
        raise ValueError(f"{what} is not one Anki writes ({error})") from None


def _field(read: Callable[[wire.Message, int], T], message: wire.Message, number: int, name: str) -> T:
    try:
        return read(message, number)
    except wire.WireError as error:
        raise ValueError(f"the config of '{name}' is not one Anki writes ({error})") from None


def _notes(connection: sqlite3.Connection, deck_names: dict[int, str]) -> list[Note]:
    first_deck: dict[int, int] = {}  # a note's cards are ordered by their template: the first one's deck
    cards: dict[int, int] = {}
    positions: dict[int, int] = {}  # a note's place in the new-card queue: its new cards' lowest `due`
    for note_id, deck_id, kind, due in connection.execute(
            "SELECT nid, did, type, due FROM cards ORDER BY nid, ord, did"):
        note_id = _integer(note_id, "a card's note")
        first_deck.setdefault(note_id, _integer(deck_id, "a card's deck"))
        cards[note_id] = cards.get(note_id, 0) + 1
        if _integer(kind, f"the type of a card of note {note_id}") == 0:
            due = _integer(due, f"the position of a card of note {note_id}")
            positions[note_id] = min(due, positions.get(note_id, due))
    notes = []
    for note_id, guid, note_type_id, modified, fields, tags in connection.execute(
            "SELECT id, guid, mid, mod, flds, tags FROM notes ORDER BY id"):
        note_id = _integer(note_id, "a note's id")
        notes.append(Note(
            note_id, _string(guid, f"the GUID of note {note_id}"),
            _integer(note_type_id, f"the note type of note {note_id}"),
            tuple(_string(fields, f"note {note_id}'s list of fields").split("\x1f")),
            tuple(_string(tags, f"the tags of note {note_id}").split()),
            _integer(modified, f"the modification time of note {note_id}"),
            deck_names.get(first_deck.get(note_id, 0), ""), cards.get(note_id, 0), positions.get(note_id)))
    return notes


def _checked_tables(connection: sqlite3.Connection, names: tuple[str, ...]) -> None:
    """Refuse a collection whose tables are views or virtual tables: reading them runs its code."""
    kinds = {name: (kind, sql) for name, kind, sql in connection.execute(
        "SELECT name, type, sql FROM sqlite_schema WHERE type IN ('table', 'view')")}
    for name in names:
        kind, sql = kinds.get(name, (None, None))
        if kind is None:
            raise ValueError(f"it has no table '{name}'")
        if kind != "table" or not isinstance(sql, str) or sql.lstrip()[:20].upper().startswith("CREATE VIRTUAL"):
            raise ValueError(f"its '{name}' is not a plain table")


def _unicase(first: str, second: str) -> int:
    first, second = first.casefold(), second.casefold()
    return (first > second) - (first < second)


def _connect(file: Path) -> sqlite3.Connection:
    """The collection opened read-only, its schema untrusted and its values capped in length."""
    connection = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    connection.create_collation("unicase", _unicase)  # Anki's, on names: an index may ask for it
    for pragma in ("trusted_schema = OFF", "query_only = ON", "cell_size_check = ON"):
        connection.execute(f"PRAGMA {pragma}")
    return connection


def _schema(connection: sqlite3.Connection) -> int:
    row = connection.execute("SELECT ver FROM col").fetchone()
    if row is None:
        raise ValueError("its collection has no header row")
    schema = _integer(row[0], "its schema version")
    if schema > NEWEST_SCHEMA:
        raise ValueError(f"its collection has schema {schema}, newer than Anki's {NEWEST_SCHEMA} deckgen knows")
    return schema


def _counted(connection: sqlite3.Connection, table: str) -> None:
    if connection.execute(f"SELECT count(*) > ? FROM {table}", (MAX_ROWS,)).fetchone()[0]:
        raise ValueError(f"it has more than {MAX_ROWS:,} {table}, more than deckgen reads")


def _contents(connection: sqlite3.Connection) -> Contents:
    _checked_tables(connection, ("col", "notes", "cards"))
    for table in ("notes", "cards"):
        _counted(connection, table)
    if _schema(connection) < FIRST_TABLE_SCHEMA:
        models, decks, presets = connection.execute("SELECT models, decks, dconf FROM col").fetchone()
        note_types = _legacy_note_types(_json_objects(models, "its note types"))
        deck_ids = {_string(deck.get("name"), "a deck's name"): _json_integer(deck.get("id"), "a deck's id")
                    for deck in _json_objects(decks, "its decks").values()}
        preset_names = {_string(preset.get("name"), "a preset's name")
                        for key, preset in _json_objects(presets or "{}", "its deck presets").items()
                        if key != str(DEFAULT_PRESET)}
    else:
        _checked_tables(connection, ("notetypes", "fields", "templates", "decks", "deck_config"))
        note_types = _table_note_types(connection)
        # Schema 15 separates a deck's name's parts with \x1f where the legacy name has '::'.
        deck_ids = {_string(name, "a deck's name").replace("\x1f", "::"): _integer(deck_id, "a deck's id")
                    for deck_id, name in connection.execute("SELECT id, name FROM decks")}
        preset_names = {_string(name, "a preset's name") for preset_id, name in connection.execute(
            "SELECT id, name FROM deck_config") if preset_id != DEFAULT_PRESET}
    notes = _notes(connection, {deck_id: name for name, deck_id in deck_ids.items()})
    note_types.sort(key=lambda note_type: note_type.note_type_id)
    return Contents(tuple(note_types), tuple(notes), deck_ids, frozenset(preset_names))


def read_collection(file: Path) -> Contents:
    """What the collection at `file` holds. ValueError (or sqlite3.DatabaseError) for a collection no
    Anki wrote, TooSlow for one that takes longer than TIME_BUDGET_SECONDS to read."""
    connection = _connect(file)
    deadline = time.monotonic() + TIME_BUDGET_SECONDS
    connection.set_progress_handler(lambda: time.monotonic() > deadline, PROGRESS_STEPS)
    try:
        return _contents(connection)
    except sqlite3.OperationalError:
        if time.monotonic() > deadline:
            raise TooSlow(f"reading the package's collection took longer than {TIME_BUDGET_SECONDS:g} seconds: it "
                          "is not a collection Anki wrote") from None
        raise
    finally:
        connection.close()
