"""The cache's entries on disk: one file per key, written whole or not at all (a temporary file
renamed into place, so two builds at once never read half an entry), read back only when its
signature verifies, and those the last build did not use removed.

An entry is pickled (the fastest way to read back hundreds of thousands of frozen dataclasses) and
pickle runs whatever a file tells it to: so an entry is signed with HMAC-SHA256 under the user's
key (secret.py, kept outside the project), and one whose signature does not verify, a file a
repository committed under build/.cache/ included, is never unpickled. Even a signed entry may
name only the classes the store was told it holds (`allowed`). An entry must be a regular file of
a bounded size: a link (to /dev/zero, say) or a device is not read.

Nothing here raises: a cache that cannot be read or written is a cache that misses.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import io
import os
import pickle
import re
import stat
import tempfile
import time
from collections.abc import Collection
from pathlib import Path
from typing import Any, ClassVar

# An entry's first bytes: a file that does not start with them (another program's, another format
# of deckgen's) is not an entry. The signature after them finds a forged, truncated or damaged one.
MAGIC = b"deckgen-cache 2\n"
_SIGNATURE_BYTES = hashlib.sha256().digest_size
# The largest entry read: far beyond one card file's (a card file holds at most 1 MB of text), and a
# bound on what a damaged or planted file can make a build hold in memory before it is refused.
MAX_ENTRY_BYTES = 256 << 20
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)  # not on Windows, whose links need rights to make
_NO_WAIT = getattr(os, "O_NONBLOCK", 0)  # a named pipe put there in place of an entry must not hang a build
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


class _Unpickler(pickle.Unpickler):
    """Reads back only the classes in `allowed` (module, name): any other global a pickle names (a
    function such as os.system, a class whose construction does something) is refused."""

    def __init__(self, data: bytes, allowed: Collection[tuple[str, str]]) -> None:
        super().__init__(io.BytesIO(data))
        self.allowed = allowed

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self.allowed:
            raise pickle.UnpicklingError(f"{module}.{name} is not a class the cache holds")
        return super().find_class(module, name)


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
    """The entries in `folder`, signed with `key`, and which of them this build used (the others are
    pruned); `allowed` are the classes (module, name) its entries may hold. With `folder` None (it
    would be a link, which could lead anywhere, or there is no key) the store keeps nothing."""

    def __init__(self, folder: Path | None, key: bytes = b"",
                 allowed: Collection[tuple[str, str]] = frozenset()) -> None:
        self.folder = folder if key else None
        self.key = key
        self.allowed = allowed
        self.used: set[str] = set()

    def get(self, key: str) -> object | None:
        """The value stored under `key`, or None when there is none that is intact and signed."""
        self.used.add(key)  # kept even on a miss: this build writes it
        if self.folder is None:
            return None
        data = _read_entry(self.folder / key)
        start = len(MAGIC) + _SIGNATURE_BYTES
        if data is None or not data.startswith(MAGIC) or len(data) < start:
            return None
        payload = memoryview(data)[start:]
        if not hmac.compare_digest(self._signature(key, payload), data[len(MAGIC):start]):
            return None
        try:
            value: object = _Unpickler(payload.tobytes(), self.allowed).load()
            return value
        # A signed entry of an older deckgen can name a class that moved or changed: whatever
        # unpickling raises, the entry is not one this deckgen can use.
        except Exception:  # noqa: BLE001
            return None

    def put(self, key: str, value: object) -> None:
        """Store `value` under `key`, replacing any entry atomically; a failure leaves no entry."""
        self.used.add(key)
        if self.folder is None:
            return
        payload = _dumps(value)
        data = MAGIC + self._signature(key, payload) + payload
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

    def _signature(self, name: str, payload: bytes | memoryview) -> bytes:
        """The entry's HMAC, of its format and name too: an entry renamed to another key never verifies."""
        signature = hmac.new(self.key, MAGIC + name.encode("ascii") + b"\0", hashlib.sha256)
        signature.update(payload)
        return signature.digest()

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


def _read_entry(path: Path) -> bytes | None:
    """The bytes of the entry at `path`: a regular file, never a link followed, at most
    MAX_ENTRY_BYTES long; None for anything else, or a file that cannot be read whole."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        handle = os.open(path, os.O_RDONLY | _NO_FOLLOW | _NO_WAIT)
        with os.fdopen(handle, "rb") as file:
            status = os.fstat(file.fileno())  # the file opened, should it have been replaced since
            if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_ENTRY_BYTES:
                return None
            data = file.read(status.st_size + 1)
    except (OSError, MemoryError):
        return None
    return data if len(data) == status.st_size else None
