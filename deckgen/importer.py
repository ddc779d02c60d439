"""Reading an Anki package for `deckgen import`: its note types, notes, decks and media.

The package's SQLite collection is read directly (the legacy layouts `collection.anki2` and
`collection.anki21`, which every Anki exports with "Support older Anki versions" and genanki
writes), so importing needs no Anki installed. What is read is frozen here; importwrite.py turns it
into a project. Nothing is interpreted yet: fields stay Anki's HTML, templates Anki's syntax.
"""

from __future__ import annotations

import json
import sqlite3
import zipfile
from dataclasses import dataclass
from pathlib import Path

from deckgen.diff import UNREADABLE_ZIP, collection_bytes
from deckgen.errors import DeckError, Location

# Anki's note-type kinds (its "type" key): 1 is a cloze type.
CLOZE_TYPE = 1
MAX_MEDIA_BYTES = 20_000_000  # as media.py allows a project's files
MAX_PACKAGE_MEDIA_BYTES = 500_000_000  # all of them, held in memory until the project is written
MAX_MEDIA_LIST_BYTES = 10_000_000


@dataclass(frozen=True)
class ImportedTemplate:
    name: str
    front: str  # Anki's template syntax, as the package holds it
    back: str


@dataclass(frozen=True)
class ImportedNoteType:
    note_type_id: int
    name: str
    fields: tuple[str, ...]
    templates: tuple[ImportedTemplate, ...]
    css: str
    is_cloze: bool
    sort_field: int
    modified: int  # seconds: students' Anki updates the note type only when a package's is newer


@dataclass(frozen=True)
class ImportedNote:
    note_id: int  # milliseconds of the time it was added (Anki shows it as "Added")
    guid: str
    note_type_id: int
    fields: tuple[str, ...]  # HTML, in its note type's field order
    tags: tuple[str, ...]
    modified: int
    deck: str  # the full name of the deck its first card is in


@dataclass(frozen=True)
class ImportedMedia:
    name: str  # as the fields name it
    data: bytes


@dataclass(frozen=True)
class ImportedPackage:
    path: Path
    note_types: tuple[ImportedNoteType, ...]
    notes: tuple[ImportedNote, ...]
    deck_ids: dict[str, int]  # deck name -> id
    media: tuple[ImportedMedia, ...]


def _problem(path: Path, message: str) -> DeckError:
    return DeckError.at(Location(str(path), 0, 0), message)


def _note_type(model: dict) -> ImportedNoteType:
    """A note type as the package declares it; ValueError for one no Anki could have written."""
    fields = sorted(model["flds"], key=lambda field: field["ord"])
    templates = sorted(model["tmpls"], key=lambda template: template["ord"])
    if not fields or not templates or not 0 <= int(model.get("sortf", 0)) < len(fields):
        raise ValueError(f"note type '{model.get('name')}' has no fields, no card template or a sort field it lacks")
    return ImportedNoteType(
        note_type_id=int(model["id"]),
        name=str(model["name"]),
        fields=tuple(str(field["name"]) for field in fields),
        templates=tuple(ImportedTemplate(str(t["name"]), str(t["qfmt"]), str(t["afmt"])) for t in templates),
        css=str(model.get("css", "")),
        is_cloze=model.get("type") == CLOZE_TYPE,
        sort_field=int(model.get("sortf", 0)),
        modified=int(model.get("mod", 0)),
    )


def _media(path: Path) -> tuple[ImportedMedia, ...]:
    """The package's media files under the names fields use (the legacy JSON media map)."""
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        if "media" not in names:
            return ()
        listing = archive.getinfo("media")
        try:
            if listing.file_size > MAX_MEDIA_LIST_BYTES:
                raise ValueError("too long")
            mapping = json.loads(archive.read("media") or b"{}")
            if not isinstance(mapping, dict):
                raise ValueError("not a mapping")
        except ValueError:
            raise _problem(path, "the package's media list is not one deckgen reads: export it from Anki with "
                                 "'Support older Anki versions' ticked") from None
        media, total = [], 0
        for entry, name in sorted(mapping.items(), key=lambda item: str(item[1])):
            if entry not in names:
                continue
            info = archive.getinfo(entry)
            total += info.file_size
            if info.file_size > MAX_MEDIA_BYTES:
                raise _problem(path, f"media file '{name}' is larger than {MAX_MEDIA_BYTES:,} bytes")
            if total > MAX_PACKAGE_MEDIA_BYTES:
                raise _problem(path, f"the package's media add up to more than {MAX_PACKAGE_MEDIA_BYTES:,} bytes: "
                                     "import the deck without its largest files, then add them to cards/media/")
            media.append(ImportedMedia(str(name), archive.read(entry)))
        return tuple(media)


def read_anki_package(path: Path) -> ImportedPackage:
    """Everything `deckgen import` needs of an .apkg, or a DeckError saying why it cannot be read."""
    try:
        with zipfile.ZipFile(path) as archive:
            if "collection.anki21b" in archive.namelist() and not {"collection.anki21", "collection.anki2"} & set(
                    archive.namelist()):
                raise _problem(path, "the package is in Anki's newest format only: export it again from Anki with "
                                     "'Support older Anki versions' ticked")
    except (OSError, zipfile.BadZipFile) as error:
        raise _problem(path, f"cannot read the package ({error}): give an .apkg exported from Anki") from None
    data = collection_bytes(path)
    connection = sqlite3.connect(":memory:")
    try:
        connection.deserialize(data)
        models = json.loads(connection.execute("SELECT models FROM col").fetchone()[0])
        decks = json.loads(connection.execute("SELECT decks FROM col").fetchone()[0])
        if not isinstance(models, dict) or not isinstance(decks, dict):
            raise ValueError("its note types or decks are not listed as Anki lists them")
        deck_names = {int(deck_id): str(deck["name"]) for deck_id, deck in decks.items()}
        note_types = tuple(_note_type(model) for _, model in sorted(models.items()))
        first_card_deck = {note_id: deck_id for note_id, deck_id in connection.execute(
            "SELECT nid, did FROM cards c WHERE ord = (SELECT min(ord) FROM cards WHERE nid = c.nid)")}
        notes = tuple(
            ImportedNote(int(note_id), str(guid), int(model_id), tuple(str(fields).split("\x1f")),
                         tuple(str(tags).split()), int(mod), deck_names.get(first_card_deck.get(note_id), ""))
            for note_id, guid, model_id, fields, tags, mod in connection.execute(
                "SELECT id, guid, mid, flds, tags, mod FROM notes ORDER BY id")
        )
    except (sqlite3.DatabaseError, KeyError, ValueError, TypeError, AttributeError) as error:
        raise _problem(path, f"not a readable Anki package: {error}") from None
    finally:
        connection.close()
    try:
        media = _media(path)
    except UNREADABLE_ZIP as error:
        raise _problem(path, f"cannot read the package's media ({error})") from None
    used_types = {note.note_type_id for note in notes}
    unknown = used_types - {note_type.note_type_id for note_type in note_types}
    if unknown:
        raise _problem(path, f"notes of note type {min(unknown)} are in the package, but not the note type: "
                             "export the deck again from Anki")
    return ImportedPackage(
        path=path,
        # A collection carries Anki's stock note types even when no note uses them: only those in use.
        note_types=tuple(note_type for note_type in note_types if note_type.note_type_id in used_types),
        notes=notes,
        deck_ids={name: deck_id for deck_id, name in deck_names.items()},
        media=media,
    )
