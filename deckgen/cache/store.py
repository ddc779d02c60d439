"""The cache's entries on disk: one file per key, written whole or not at all (a temporary file
renamed into place, so two builds at once never read half an entry), read back only when intact,
and those the last build did not use removed.

Nothing here raises: a cache that cannot be read or written is a cache that misses.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import pickle
import re
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any, ClassVar

# An entry's first bytes: a file that does not start with them (another program's, another format
# of deckgen's) is not an entry. The checksum after them finds a truncated or damaged one.
MAGIC = b"deckgen-cache 1\n"
_CHECKSUM_BYTES = 4
_TEMPORARY = ".tmp-"
_STALE_TEMPORARY_SECONDS = 3600  # a build that died mid-write left it: no build writes this long
_ENTRY_NAME = re.compile(r"[0-9a-f]{64}|[a-z-]+")


class _Pickler(pickle.Pickler):
    """Pickles a frozen dataclass with slots (a card, a text, a note: hundreds of thousands in a large
    deck) as its class called with its fields. Left to itself, pickle restores one through the
    setstate that dataclasses writes in Python, field by field: four times slower to read back."""

    _fields: ClassVar[dict[type, tuple[str, ...] | None]] = {}

    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        names = self._fields.get(kind, ())
        if names == ():
            names = self._fields[kind] = _constructor_fields(kind)
        if names is None:
            return NotImplemented
        return kind, tuple(getattr(obj, name) for name in names)


def _constructor_fields(kind: type) -> tuple[str, ...] | None:
    """A slotted dataclass's fields, when calling it with them makes an equal one (no field left out
    of __init__, nothing done after it); None for any other class."""
    if not dataclasses.is_dataclass(kind) or "__slots__" not in vars(kind) or hasattr(kind, "__post_init__"):
        return None
    fields = dataclasses.fields(kind)
    if not all(field.init for field in fields):
        return None
    return tuple(field.name for field in fields)


def _dumps(value: object) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


def digest(*parts: bytes | str) -> str:
    """One key of many parts; each is length-prefixed, so no two lists of parts give the same key."""
    hashed = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part  # file names too
        hashed.update(len(data).to_bytes(8, "little"))
        hashed.update(data)
    return hashed.hexdigest()


def is_entry_name(name: str) -> bool:
    """A name the store gives its entries (a key: hexadecimal digits, or a word of deckgen's own)."""
    return _ENTRY_NAME.fullmatch(name) is not None


class CacheStore:
    """The entries in `folder`, and which of them this build used (the others are pruned). With
    `folder` None (it would be a link, which could lead anywhere) the store keeps nothing."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.used: set[str] = set()

    def get(self, key: str) -> object | None:
        """The value stored under `key`, or None when there is none that is intact."""
        self.used.add(key)  # kept even on a miss: this build writes it
        if self.folder is None:
            return None
        try:
            data = (self.folder / key).read_bytes()
        except OSError:
            return None
        start = len(MAGIC) + _CHECKSUM_BYTES
        if not data.startswith(MAGIC) or zlib.crc32(data[start:]).to_bytes(4, "little") != data[len(MAGIC):start]:
            return None
        try:
            value: object = pickle.loads(data[start:])
            return value
        # An intact file of an older deckgen can name a class that moved or changed: whatever
        # unpickling raises, the entry is not one this deckgen can use.
        except Exception:  # noqa: BLE001
            return None

    def put(self, key: str, value: object) -> None:
        """Store `value` under `key`, replacing any entry atomically; a failure leaves no entry."""
        self.used.add(key)
        if self.folder is None:
            return
        payload = _dumps(value)
        data = MAGIC + zlib.crc32(payload).to_bytes(4, "little") + payload
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=_TEMPORARY, dir=self.folder)
            try:
                with os.fdopen(handle, "wb") as file:
                    file.write(data)
                os.replace(temporary, self.folder / key)
            except OSError:
                Path(temporary).unlink(missing_ok=True)
        except OSError:
            pass  # a read-only or full disk: the build goes on without its cache

    def prune(self) -> None:
        """Remove the entries this build did not use, so the cache holds one build's worth. Only
        files named as entries are: whatever else is there is not the store's to remove."""
        if self.folder is None:
            return
        try:
            names = os.listdir(self.folder)
        except OSError:
            return
        now = time.time()
        for name in names:
            path = self.folder / name
            try:
                if name.startswith(_TEMPORARY):  # another build's, being written: only when long dead
                    if now - path.stat().st_mtime > _STALE_TEMPORARY_SECONDS:
                        path.unlink()
                elif name not in self.used and is_entry_name(name) and path.is_file():
                    path.unlink()
            except OSError:
                pass
