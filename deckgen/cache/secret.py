"""The key the cache signs its entries with, kept outside every project: in deckgen's folder of the
user's cache ($XDG_CACHE_HOME/deckgen/cache-key, else ~/.cache/deckgen/cache-key), made once.

build/.cache/ is inside the project, where a pull request can commit files; the key is not, so an
entry nobody but this user's deckgen wrote never verifies, and is never unpickled. Without a key
(a home that cannot be written or read) the build goes on without its cache: never a failure.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import tempfile
from pathlib import Path

KEY_BYTES = 32
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)  # not on Windows, whose links need rights to make


def key_path() -> Path | None:
    """Where the key is kept; None when this user has no home to keep it in."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG rule: a relative path is to be ignored
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:
            return None
    return Path(base) / "deckgen" / "cache-key"


def cache_key() -> bytes | None:
    """The key, made now if there is none yet; None when it can be neither read nor made."""
    path = key_path()
    if path is None:
        return None
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    except OSError:
        return None
    try:
        _create(path)
        return _read(path)
    except OSError:
        return None


def _read(path: Path) -> bytes | None:
    """The key in `path`: a regular file of exactly KEY_BYTES bytes, else None (not a key of ours)."""
    handle = os.open(path, os.O_RDONLY | _NO_FOLLOW)
    with os.fdopen(handle, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            return None
        data = file.read(KEY_BYTES + 1)
    return data if len(data) == KEY_BYTES else None


def _create(path: Path) -> None:
    """Write a new key beside `path` and link it there: no process ever reads half a key, and of two
    builds making one at once, one key wins and both use it. Where the disk has no links, the key is
    created in place, exclusively (a build reading it half written runs once without the cache)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    handle, temporary = tempfile.mkstemp(prefix=".cache-key-", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(key)
        os.link(temporary, path)
    except FileExistsError:
        return  # another build made it first: its key is the one
    except OSError:
        _create_in_place(path, key)
    finally:
        Path(temporary).unlink(missing_ok=True)


def _create_in_place(path: Path, key: bytes) -> None:
    with contextlib.suppress(FileExistsError):
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NO_FOLLOW, 0o600)
        with os.fdopen(handle, "wb") as file:
            file.write(key)
