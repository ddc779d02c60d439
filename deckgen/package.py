"""Writing the .apkg: the only module that knows genanki.

genanki fills the SQLite collection; we own everything around it so that a build is
reproducible: the database is built in memory, ids come from the release time, and the zip has
fixed entry times, a fixed order and deflate compression.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import sqlite3
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import genanki

from deckgen.render import RenderedDeck, RenderedNoteType

# Zip entries carry a time; a fixed one keeps the bytes the same from build to build.
ZIP_ENTRY_TIME = (1980, 1, 1, 0, 0, 0)


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
        model_type=genanki.Model.CLOZE if note_type.is_cloze else genanki.Model.FRONT_BACK,
        sort_field_index=0,
    )


def _collection_bytes(deck: RenderedDeck, timestamp: int) -> tuple[bytes, int]:
    models = {note_type.kind: _model(note_type) for note_type in deck.note_types}
    root = genanki.Deck(deck.deck_id, deck.name, deck.description)
    subdecks = {sub.name: genanki.Deck(sub.deck_id, sub.name) for sub in deck.subdecks}
    for note in deck.notes:
        subdecks[note.deck].add_note(
            genanki.Note(model=models[note.kind], fields=list(note.fields), tags=list(note.tags), guid=note.guid)
        )
    connection = sqlite3.connect(":memory:")
    try:
        cursor = connection.cursor()
        # Ids start at the release time in milliseconds: Anki shows them as the "Added" date.
        ids = itertools.count(timestamp * 1000)
        with warnings.catch_warnings():
            # genanki warns about HTML it cannot parse; our fields are sanitised before they get here.
            warnings.simplefilter("ignore")
            genanki.Package([root, *subdecks.values()]).write_to_db(cursor, timestamp, ids)
        connection.commit()
        cards = cursor.execute("SELECT count(*) FROM cards").fetchone()[0]
        return connection.serialize(), cards
    finally:
        connection.close()


def package_bytes(deck: RenderedDeck, timestamp: int) -> tuple[bytes, PackageStats]:
    """The .apkg file's bytes: the same deck and timestamp always give the same bytes."""
    collection, cards = _collection_bytes(deck, timestamp)
    media_map = {str(index): media.name for index, media in enumerate(deck.media)}
    entries = [("collection.anki2", collection), ("media", json.dumps(media_map).encode())]
    entries += [(str(index), media.path.read_bytes()) for index, media in enumerate(deck.media)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_ENTRY_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=9)
    stats = PackageStats(notes=len(deck.notes), cards=cards, subdecks=len(deck.subdecks), media=len(deck.media))
    return buffer.getvalue(), stats


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: a reader sees the old file or the new."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes files private; a deck is for sharing
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
