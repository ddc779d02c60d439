"""The package's zip: which collection it holds (decided once, from `meta`, as Anki decides), that
collection copied out with a bound on its size, and its media map and files.

zstd is read with python-zstandard, streamed, so a small entry that would decompress to gigabytes is
stopped at the bound; zip entries are read the same way.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import IO

import zstandard

from deckgen.apkg import wire
from deckgen.apkg.collection import TooSlow, read_collection
from deckgen.apkg.contents import AnkiPackage, Media, Version
from deckgen.errors import DeckError, Location
from deckgen.text.media import MAX_MEDIA_BYTES

# The largest collection deckgen reads: a 100,000-card deck's is about 100 MB. Reading stops there,
# so a zip or zstd bomb costs at most this much disk (the collection is copied to a temporary file).
MAX_COLLECTION_BYTES = 512 * 1024 * 1024
MAX_META_BYTES = 1_000  # Anki's is 2 bytes
MAX_MEDIA_LIST_BYTES = 10_000_000
MAX_PACKAGE_MEDIA_BYTES = 500_000_000  # all of them, held in memory until the project is written
MAX_ZSTD_WINDOW = 1 << 27  # zstd's own default bound on the memory a frame may ask for
CHUNK = 1 << 20
READABLE_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # what Anki writes
# What reading a hostile or broken zip may raise: an encrypted entry, an unknown method, a cut file.
UNREADABLE = (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, RuntimeError,
              zlib.error, zstandard.ZstdError)
# The protobuf fields (proto/anki/import_export.proto): PackageMetadata.version; MediaEntries.entries,
# MediaEntry.name.
META_VERSION, MEDIA_ENTRIES, MEDIA_NAME = 1, 1, 1


class _Refused(Exception):
    """What is wrong with the package, in words for its reader."""


def _stream(archive: zipfile.ZipFile, name: str, compressed: bool) -> IO[bytes]:
    info = archive.getinfo(name)
    if info.compress_type not in READABLE_METHODS:
        raise _Refused(f"the package's entry '{name}' is compressed in a way Anki does not write: export it again "
                       "from Anki")
    entry = archive.open(info)
    if not compressed:
        return entry
    reader = zstandard.ZstdDecompressor(max_window_size=MAX_ZSTD_WINDOW)
    return reader.stream_reader(entry, read_across_frames=True, closefd=True)


def _read(archive: zipfile.ZipFile, name: str, compressed: bool, limit: int, what: str) -> bytes:
    """An entry's bytes, decompressed; _Refused beyond `limit` (nothing more is read)."""
    with _stream(archive, name, compressed) as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise _Refused(f"the package's {what} is larger than {limit:,} bytes")
    return data


def _copy(archive: zipfile.ZipFile, name: str, compressed: bool, target: Path) -> None:
    """The collection written to `target`, chunk by chunk, up to MAX_COLLECTION_BYTES."""
    written = 0
    with _stream(archive, name, compressed) as stream, target.open("wb") as file:
        while chunk := stream.read(CHUNK):
            written += len(chunk)
            if written > MAX_COLLECTION_BYTES:
                raise _Refused(f"the package's collection is larger than {MAX_COLLECTION_BYTES:,} bytes: no deck "
                               "deckgen reads is that large")
            file.write(chunk)


def _version(archive: zipfile.ZipFile) -> Version:
    """The package's version: its `meta` says it, else it is legacy (as Anki reads a package)."""
    names = set(archive.namelist())
    if "meta" in names:
        try:
            value = wire.number(wire.fields(_read(archive, "meta", False, MAX_META_BYTES, "version")), META_VERSION)
        except wire.WireError:
            raise _Refused("the package's version (its 'meta') is unreadable: export it again from Anki") from None
        try:
            version = Version(value)
        except ValueError:  # 0 too: Anki reads it as "too new"
            raise _Refused("the package is of a version newer than the Anki deckgen knows (26.9): export it with "
                           "'Support older Anki versions' ticked") from None
    else:
        version = Version.LEGACY_2 if "collection.anki21" in names else Version.LEGACY_1
    if version.collection not in names:
        raise _Refused(f"not an Anki package: it has no {version.collection} inside" if "meta" in names else
                       "not an Anki package: it has no collection inside")
    return version


def _media_names(archive: zipfile.ZipFile, version: Version) -> list[tuple[str, str]]:
    """(zip entry, name the fields use) of each media file, from the legacy JSON map or the
    protobuf MediaEntries, where the n-th entry is the zip's entry 'n'."""
    if "media" not in archive.namelist():
        return []
    data = _read(archive, "media", version.compressed, MAX_MEDIA_LIST_BYTES, "media list")
    try:
        if version.compressed:
            return [(str(index), wire.text(entry, MEDIA_NAME))
                    for index, entry in enumerate(wire.repeated(wire.fields(data), MEDIA_ENTRIES))]
        mapping = json.loads(data or b"{}")
        if not isinstance(mapping, dict) or not all(isinstance(name, str) for name in mapping.values()):
            raise ValueError("not a mapping of names")
        return sorted(mapping.items(), key=lambda item: item[1])
    except (ValueError, RecursionError):  # WireError and JSON's errors are ValueErrors
        raise _Refused("the package's media list is unreadable: export the deck again from Anki") from None


def _media(archive: zipfile.ZipFile, version: Version) -> tuple[Media, ...]:
    names, media, total = set(archive.namelist()), [], 0
    for entry, name in _media_names(archive, version):
        if entry not in names:
            continue  # as Anki imports the rest of a package whose file went missing
        data = _read(archive, entry, version.compressed, MAX_MEDIA_BYTES, f"media file '{name}'")
        total += len(data)
        if total > MAX_PACKAGE_MEDIA_BYTES:
            raise _Refused(f"the package's media add up to more than {MAX_PACKAGE_MEDIA_BYTES:,} bytes: import the "
                           "deck without its largest files, then add them to cards/media/")
        media.append(Media(name, data))
    return tuple(media)


def _package(path: Path, with_media: bool) -> AnkiPackage:
    with zipfile.ZipFile(path) as archive, tempfile.TemporaryDirectory(prefix="deckgen-package-") as folder:
        version = _version(archive)
        collection = Path(folder) / "collection.sqlite"
        _copy(archive, version.collection, version.compressed, collection)
        contents = read_collection(collection)
        media = _media(archive, version) if with_media else ()
    known = {note_type.note_type_id for note_type in contents.note_types}
    unknown = {note.note_type_id for note in contents.notes} - known
    if unknown:
        raise _Refused(f"notes of note type {min(unknown)} are in the package, but not the note type: export the "
                       "deck again from Anki")
    return AnkiPackage(path, version, contents.note_types, contents.notes, contents.deck_ids, contents.presets, media)


def read_package(path: Path, with_media: bool = False) -> AnkiPackage:
    """Everything of the package at `path` (its media files too, `with_media`), or a DeckError
    saying, of the package, why it cannot be read."""
    try:
        return _package(path, with_media)
    except (_Refused, TooSlow) as refusal:
        message = str(refusal)
    except RecursionError:  # before UNREADABLE: it is a RuntimeError
        message = "not a readable Anki package: its data is nested too deeply"
    except UNREADABLE as error:
        message = f"cannot read the package ({error}): give an .apkg built by deckgen or exported from Anki"
    except (sqlite3.DatabaseError, ValueError) as error:
        message = f"not a readable Anki package: {error}"
    raise DeckError.at(Location(str(path), 0, 0), message)
