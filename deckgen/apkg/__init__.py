"""Reading Anki packages (.apkg, .colpkg): the one reader `deckgen diff` and `deckgen import` share.

The format is decided once, as Anki decides it: the `meta` entry names the version, else
`collection.anki21` before `collection.anki2`. The collection (legacy schema 11 with its JSON, or
schema 18 with its tables, zstd-compressed as `collection.anki21b`) and the media map (legacy JSON
or zstd-compressed protobuf) become one frozen `AnkiPackage` (model.py). Every read is bounded in
bytes and in time, and a broken or hostile package is a DeckError naming the package.

Modules: model.py (the view), wire.py (protobuf's wire format), container.py (the zip, its meta,
its media), collection.py (the SQLite collection). It imports only deckgen.errors and media.py's bound.
"""

from deckgen.apkg.container import read_package
from deckgen.apkg.model import AnkiPackage, Media, Note, NoteType, Template

__all__ = ["AnkiPackage", "Media", "Note", "NoteType", "Template", "read_package"]
