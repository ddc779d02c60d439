"""Writing the .apkg: the only module that knows genanki.

genanki lays out the SQLite collection (schema, decks, note types); we write the notes and cards
and everything around them so that a build is reproducible: the database is built in memory,
every note, card and note type gets the times the release plan recorded for it (not the clock),
ids follow from those times, and the zip has fixed entry times, a fixed order and deflate
compression.
"""

from __future__ import annotations

import io
import itertools
import json
import shutil
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import NamedTuple

import genanki

from deckgen.ids import derived_id
from deckgen.release.plan import ReleasePlan
from deckgen.render.notetypes import RenderedNoteType
from deckgen.render.rendered import RenderedDeck
from deckgen.source.deck import DeckOptions

# Zip entries carry a time; a fixed one keeps the bytes the same from build to build.
ZIP_ENTRY_TIME = (1980, 1, 1, 0, 0, 0)
# SQLite writes its own library version into the file header (bytes 96-99), and counts the
# transactions that wrote the file (24-27, copied to 92-95); fixed values keep the bytes the same
# on machines with another SQLite. The fields are informational only.
SQLITE_HEADER_BYTES = 100
SQLITE_CHANGE_COUNTER = slice(24, 28)
SQLITE_VERSION_VALID_FOR = slice(92, 96)
SQLITE_VERSION_FIELD = slice(96, 100)
SQLITE_VERSION_WRITTEN = (3_045_000).to_bytes(4, "big")
COPY_CHUNK_BYTES = 1 << 20


class NoteRow(NamedTuple):
    """A row of Anki's notes table, in the order genanki's schema declares its columns."""

    id: int  # note id: milliseconds of the time the card was added, made unique
    guid: str  # the identity Anki matches notes by, from the card id
    mid: int  # note-type id
    mod: int  # modification time, seconds: Anki updates a note only when this is newer
    usn: int  # update sequence number: -1, not yet synced
    tags: str  # space-separated, with a space at each end
    flds: str  # the fields, separated by U+001F
    sfld: str  # the sort field
    csum: int  # checksum of the first field (Anki recomputes it)
    flags: int
    data: str


class CardRow(NamedTuple):
    """A row of Anki's cards table, in its columns' order."""

    id: int  # card id: milliseconds of the time the card was added, made unique
    nid: int  # its note
    did: int  # its (sub)deck
    ord: int  # template ordinal, or cloze number - 1
    mod: int
    usn: int
    type: int  # 0: new
    queue: int  # 0: new
    due: int  # for a new card, its place in the new-card queue
    ivl: int
    factor: int
    reps: int
    lapses: int
    left: int
    odue: int
    odid: int
    flags: int
    data: str


def _insert(cursor: sqlite3.Cursor, table: str, rows: Iterable[tuple[object, ...]], columns: tuple[str, ...]) -> None:
    names, marks = ", ".join(columns), ", ".join("?" * len(columns))
    cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


@dataclass(frozen=True)
class PackageStats:
    notes: int
    cards: int
    subdecks: int
    media: int


def _model(note_type: RenderedNoteType) -> genanki.Model:
    return genanki.Model(
        model_id=note_type.note_type_id,
        name=note_type.name,
        fields=[{"name": name} for name in note_type.fields],
        templates=[
            {"name": template.name, "qfmt": template.front, "afmt": template.back}
            for template in note_type.templates
        ],
        css=note_type.css,
        model_type=genanki.Model.CLOZE if note_type.declaration.is_cloze else genanki.Model.FRONT_BACK,
        sort_field_index=note_type.declaration.sort_field,
    )


def _increasing_ids(times: Iterable[int]) -> Iterator[int]:
    """Ids in milliseconds from each item's time (Anki shows them as "Added"), strictly increasing."""
    previous = 0
    for seconds in times:
        previous = max(seconds * 1000, previous + 1)
        yield previous


def _insert_notes_and_cards(cursor: sqlite3.Cursor, deck: RenderedDeck, plan: ReleasePlan) -> int:
    """Write every note and card with the ids and times the release plan recorded, in one pass.

    genanki's own note writer takes its times from one timestamp and its ids from a counter; we
    need per-note times from the lock file, so the rows are ours (in genanki's column layout).
    Rows are made as SQLite takes them, not all held at once: a large deck's fields are its bulk.
    """
    notes, times = deck.notes, plan.note_times
    note_types = {note_type.kind: note_type for note_type in deck.note_types}
    subdeck_ids = {subdeck.name: subdeck.deck_id for subdeck in deck.subdecks}
    # Ids follow the time a card was added, then its place in the card files (Anki shows them as
    # "Added"). New cards come to students in course order: `due`, a new card's place in the queue,
    # is the position the release plan keeps for the card (positions.py).
    added = [times[note.card_id].added for note in notes]
    # Usually already in order (a deck's cards added in the order they were written): then no list.
    in_order = all(earlier <= later for earlier, later in itertools.pairwise(added))
    order = range(len(notes)) if in_order else sorted(range(len(notes)), key=lambda place: (added[place], place))

    # Worked out twice, for the notes and for their cards, rather than held.
    def with_note_ids() -> Iterator[tuple[int, int]]:
        return zip(order, _increasing_ids(times[notes[place].card_id].added for place in order), strict=True)

    # Rows are plain tuples in NoteRow's and CardRow's column order: a named tuple made with keywords
    # for each of 100,000 notes costs more than SQLite's insert of it.
    kinds = {kind: (note_type.note_type_id, note_type.declaration.sort_field) for kind, note_type in note_types.items()}

    def note_rows() -> Iterator[tuple[object, ...]]:
        for place, note_id in with_note_ids():
            note = notes[place]
            fields = note.shown_fields()
            note_type_id, sort_field = kinds[note.kind]
            yield (note_id, note.guid, note_type_id, times[note.card_id].modified, -1, f" {' '.join(note.tags)} ",
                   "\x1f".join(fields), fields[sort_field], 0, 0, "")

    _insert(cursor, "notes", note_rows(), NoteRow._fields)
    # Cards come in the order of their notes, whose times never decrease: their ids follow as they go.
    positions = plan.positions

    def card_rows() -> Iterator[tuple[object, ...]]:
        card_ids = _increasing_ids(times[notes[place].card_id].added
                                   for place, _ in with_note_ids() for _ in notes[place].ordinals)
        for place, note_id in with_note_ids():
            note = notes[place]
            record, deck_id, due = times[note.card_id], subdeck_ids[note.deck], positions[note.card_id]
            for ordinal in note.ordinals:
                yield (next(card_ids), note_id, deck_id, ordinal, record.modified, -1, 0, 0, due,
                       0, 0, 0, 0, 0, 0, 0, 0, "")

    _insert(cursor, "cards", card_rows(), CardRow._fields)
    return sum(len(note.ordinals) for note in notes)


def _set_note_type_times(cursor: sqlite3.Cursor, deck: RenderedDeck, plan: ReleasePlan) -> None:
    """Each note type's time from the release plan; one that is Anki's own kind (Image Occlusion)
    says so as Anki's does: its `originalStockKind`, and each field's `tag`, its place, by which
    Anki's image-occlusion code finds the fields (genanki writes neither)."""
    note_types = {str(note_type.note_type_id): note_type for note_type in deck.note_types}
    models = json.loads(cursor.execute("SELECT models FROM col").fetchone()[0])
    for model_id, model in models.items():
        note_type = note_types[model_id]
        model["mod"] = plan.note_type_times[note_type.kind]
        if note_type.declaration.stock_kind is not None:
            model["originalStockKind"] = note_type.declaration.stock_kind
            for place, field in enumerate(model["flds"]):
                field["tag"] = place
    cursor.execute("UPDATE col SET models = ?", (json.dumps(models),))


# Deck options presets, imported when a student ticks "Import deck presets" (Anki 23.12+; only a
# preset whose id is new to the collection). Course order: new cards gathered by their position,
# which follows the course (subdecks as deck.yaml lists them, then the card files), not sorted
# again by card template, siblings buried. Retired: no new cards and no reviews, for the retired
# cards Anki adds again after a student deleted them.
NEW_GATHER_LOWEST_POSITION = 1
NEW_SORT_AS_GATHERED = 1
PRESETS = {
    "course": {"newGatherPriority": NEW_GATHER_LOWEST_POSITION, "newSortOrder": NEW_SORT_AS_GATHERED,
               "new": {"bury": True}, "rev": {"bury": True}},
    "retired": {"newGatherPriority": NEW_GATHER_LOWEST_POSITION, "newSortOrder": NEW_SORT_AS_GATHERED,
                "new": {"bury": True, "perDay": 0}, "rev": {"bury": True, "perDay": 0}},
}


def preset_names(deck_name: str) -> dict[str, str]:
    """The names students' Anki shows for the deck's presets, by preset."""
    return {"course": f"{deck_name} (course order)", "retired": f"{deck_name} (retired cards)"}


def preset_id(deck_id: int, preset: str, options: DeckOptions | None = None) -> int:
    """A preset's id. Anki imports a preset only when its id is new and never updates it, so the
    course preset's id follows the deck options deck.yaml sets (when it sets any): changed options
    arrive as a new preset, which the deck then uses. Without options, the id deckgen always gave."""
    if options is None or options == DeckOptions():
        return derived_id("preset", str(deck_id), preset)
    return derived_id("preset", str(deck_id), preset, repr(sorted(asdict(options).items())))


def _anki_options(options: DeckOptions) -> dict[str, dict[str, object]]:
    """The options deck.yaml sets, as Anki's preset JSON names them (top level, "new", "rev",
    "lapse"); steps in minutes, whole ones written as whole numbers, as Anki's default preset has them."""
    def minutes(steps: tuple[float, ...]) -> list[float | int]:
        return [int(step) if step == int(step) else step for step in steps]

    chosen: dict[str, dict[str, object | None]] = {
        "": {"desiredRetention": options.desired_retention,
             "buryInterdayLearning": options.bury_interday_learning_siblings},
        "new": {"perDay": options.new_per_day, "bury": options.bury_new_siblings,
                "delays": None if options.learning_steps is None else minutes(options.learning_steps)},
        "rev": {"perDay": options.reviews_per_day, "bury": options.bury_review_siblings},
        "lapse": {"delays": None if options.relearning_steps is None else minutes(options.relearning_steps)},
    }
    return {group: {key: value for key, value in settings.items() if value is not None}
            for group, settings in chosen.items()}


def _set_presets(cursor: sqlite3.Cursor, deck: RenderedDeck) -> None:
    """Add the deck's presets (genanki's default preset, with our settings, and for the course preset
    the options deck.yaml sets) and give every deck its own."""
    presets = json.loads(cursor.execute("SELECT dconf FROM col").fetchone()[0])
    default = presets["1"]
    names = preset_names(deck.name)
    ids = {"course": preset_id(deck.deck_id, "course", deck.options), "retired": preset_id(deck.deck_id, "retired")}
    for preset, settings in PRESETS.items():
        config = json.loads(json.dumps(default))
        config.update({key: value for key, value in settings.items() if not isinstance(value, dict)})
        for group in ("new", "rev"):
            config[group].update(settings[group])
        if preset == "course":
            chosen = _anki_options(deck.options)
            config.update(chosen.pop(""))
            for group, values in chosen.items():
                config[group].update(values)
        config.update(id=ids[preset], name=names[preset])
        presets[str(config["id"])] = config
    decks = json.loads(cursor.execute("SELECT decks FROM col").fetchone()[0])
    retired = {subdeck.deck_id for subdeck in deck.subdecks if subdeck.retired}
    for deck_id, entry in decks.items():
        if int(deck_id) != 1:  # Anki's own Default deck keeps its preset
            entry["conf"] = ids["retired" if int(deck_id) in retired else "course"]
    cursor.execute("UPDATE col SET dconf = ?, decks = ?", (json.dumps(presets), json.dumps(decks)))


def _without_indexes(cursor: sqlite3.Cursor, insert: Callable[[], int]) -> int:
    """`insert` run into tables without their indexes, which are built once afterwards: faster than
    keeping them up to date row by row. Made again in their order, with the schema's change counter
    set back, the file after VACUUM is byte for byte the one an insert into indexed tables gives."""
    version = cursor.execute("PRAGMA schema_version").fetchone()[0]
    indexes = cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY rowid").fetchall()
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    inserted = insert()
    for _, sql in indexes:
        cursor.execute(sql)
    cursor.execute(f"PRAGMA schema_version = {int(version)}")  # the scratch file's only connection
    return inserted


def _write_collection(path: Path, deck: RenderedDeck, plan: ReleasePlan) -> int:
    """The collection's SQLite file at `path` (a scratch file: a large deck's collection is bigger than
    everything else a build holds, so it is written to disk, not kept in memory twice); its cards."""
    root = genanki.Deck(deck.deck_id, deck.name, deck.description + deck.release_line)
    for note_type in deck.note_types:
        root.add_model(_model(note_type))
    subdecks = [genanki.Deck(sub.deck_id, sub.name) for sub in deck.subdecks]
    connection = sqlite3.connect(path)
    try:
        # A scratch file: nothing to recover after a crash, so no journal and no waiting for the disk.
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA synchronous = OFF")
        cursor = connection.cursor()
        # genanki lays out the collection: its schema, the col row, the decks and the note types.
        genanki.Package([root, *subdecks]).write_to_db(cursor, 0, itertools.count(1))
        _set_note_type_times(cursor, deck, plan)
        _set_presets(cursor, deck)
        cards = _without_indexes(cursor, lambda: _insert_notes_and_cards(cursor, deck, plan))
        connection.commit()
        cursor.execute("VACUUM")  # the file's layout follows its content alone, not how it was written
        return cards
    finally:
        connection.close()


def _reproducible_header(header: bytes) -> bytes:
    """SQLite's file header with what depends on the machine and the writing set to fixed values:
    the change counter and its copy (how many transactions wrote the file, 0 as an in-memory
    database leaves them) and the library version. All three are informational to a reader."""
    patched = bytearray(header)
    patched[SQLITE_CHANGE_COUNTER] = bytes(4)
    patched[SQLITE_VERSION_VALID_FOR] = bytes(4)
    patched[SQLITE_VERSION_FIELD] = SQLITE_VERSION_WRITTEN
    return bytes(patched)


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_ENTRY_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    return info


def package_bytes(deck: RenderedDeck, plan: ReleasePlan) -> tuple[bytes, PackageStats]:
    """The .apkg file's bytes: the same deck and release plan always give the same bytes."""
    media_map = {str(index): media.name for index, media in enumerate(deck.media)}
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="deckgen-") as scratch:
        collection = Path(scratch) / "collection.anki2"
        cards = _write_collection(collection, deck, plan)
        with zipfile.ZipFile(buffer, "w", compresslevel=6) as archive:
            info = _entry("collection.anki2")
            info.file_size = collection.stat().st_size
            with archive.open(info, "w") as entry, collection.open("rb") as source:
                entry.write(_reproducible_header(source.read(SQLITE_HEADER_BYTES)))
                shutil.copyfileobj(source, entry, COPY_CHUNK_BYTES)
            archive.writestr(_entry("media"), json.dumps(media_map).encode())
            for index, media in enumerate(deck.media):
                archive.writestr(_entry(str(index)), media.path.read_bytes())
    stats = PackageStats(notes=len(deck.notes), cards=cards, subdecks=len(deck.subdecks), media=len(deck.media))
    return buffer.getvalue(), stats
