"""A downloaded package, read as data: its notes (GUID, fields, tags) and its decks' names, with
sqlite3 from the zip's collection. Nothing in it is executed; Anki's importer reads it again to import.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass

from .checks import Refused


@dataclass(frozen=True)
class PackagedNote:
    guid: str
    fields: tuple[str, ...]
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Package:
    notes: dict[str, PackagedNote]  # by GUID
    decks: frozenset[str]  # the names of the package's decks


def read_package(path: str) -> Package:
    """The notes and deck names of a legacy .apkg, read with sqlite3 (never executed)."""
    try:
        with zipfile.ZipFile(path) as archive, tempfile.TemporaryDirectory() as scratch:
            name = next((entry for entry in ("collection.anki21", "collection.anki2")
                         if entry in archive.namelist()), None)
            if name is None:
                raise Refused("the package holds no collection: nothing was imported")
            database = os.path.join(scratch, "collection")
            with open(database, "wb") as out:
                out.write(archive.read(name))
            connection = sqlite3.connect(database)
            try:
                notes = {guid: PackagedNote(guid, tuple(flds.split("\x1f")), tuple(tags.split()))
                         for guid, flds, tags in connection.execute("SELECT guid, flds, tags FROM notes")}
                decks = json.loads(connection.execute("SELECT decks FROM col").fetchone()[0])
            finally:
                connection.close()
    except (zipfile.BadZipFile, sqlite3.Error, ValueError, KeyError) as error:
        raise Refused(f"the package cannot be read ({error}): nothing was imported") from None
    return Package(notes, frozenset(str(entry["name"]) for entry in decks.values()))
