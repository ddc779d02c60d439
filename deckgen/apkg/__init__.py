"""Anki packages: the one writer (writer.py, the only module that knows genanki) and the one reader
(.apkg, .colpkg) that `deckgen diff` and `deckgen import` share.

The format is decided once, as Anki decides it: the `meta` entry names the version, else
`collection.anki21` before `collection.anki2`. The collection (legacy schema 11 with its JSON, or
schema 18 with its tables, zstd-compressed as `collection.anki21b`) and the media map (legacy JSON
or zstd-compressed protobuf) become one frozen `AnkiPackage` (contents.py). Every read is bounded in
bytes and in time, and a broken or hostile package is a DeckError naming the package.

Owns: writer.py (the package written), contents.py (the package as read), wire.py (protobuf's wire
format), container.py (the zip, its meta, its media), collection.py (the SQLite collection). The
reader imports only deckgen.errors and text/media.py's bound; the writer, what it writes.

May import: the shared modules (errors, paths, ids, names, output), text/, source/, render/,
release/.
"""

from deckgen.apkg.container import read_package
from deckgen.apkg.contents import AnkiPackage, Media, Note, NoteType, Template

__all__ = ["AnkiPackage", "Media", "Note", "NoteType", "Template", "read_package"]
