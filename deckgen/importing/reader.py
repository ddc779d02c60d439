"""The Anki package as `deckgen import` takes it: read by the one package reader (apkg/), whatever
Anki wrote it, with its media, and only the note types its notes use (a collection carries Anki's
stock note types even when no note uses them). writer.py turns it into a project.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from deckgen.apkg import AnkiPackage, read_package


def read_anki_package(path: Path) -> AnkiPackage:
    """Everything `deckgen import` needs of an .apkg or .colpkg, or a DeckError saying why it cannot be read."""
    package = read_package(path, with_media=True)
    used = {note.note_type_id for note in package.notes}
    return replace(package, note_types=tuple(t for t in package.note_types if t.note_type_id in used))
