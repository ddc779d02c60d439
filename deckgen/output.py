"""Writing output files so that nothing is ever lost: the previous file stays whole until the new
one replaces it in one step, and a build killed at any moment leaves no partial or temporary file.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that a reader, or a build killed at any moment, sees either the
    old file or the new one: never a partial file, and no temporary file left behind.

    On Linux the data goes into an unnamed file (O_TMPFILE) that vanishes if the process dies, and
    is given a name only to be renamed over `path` at once. Elsewhere a named temporary file is
    used, and leftovers of a killed build are removed by the next one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        leftover.unlink(missing_ok=True)
    temporary = path.parent / f".{path.name}.{os.getpid()}.tmp"
    descriptor = _unnamed_file(path.parent)
    try:
        if descriptor is not None:
            _write_all(descriptor, data)
            _give_name(descriptor, temporary)
        else:
            descriptor = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            _write_all(descriptor, data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    finally:
        if descriptor is not None:
            os.close(descriptor)
    _sync_folder(path.parent)


_AT_FDCWD = -100
_AT_SYMLINK_FOLLOW = 0x400


def _unnamed_file(folder: Path) -> int | None:
    """An O_TMPFILE file in `folder` that we can later name, or None where that is not possible."""
    if not hasattr(os, "O_TMPFILE") or not Path("/proc/self/fd").is_dir():
        return None
    try:
        return os.open(folder, os.O_TMPFILE | os.O_WRONLY, 0o644)
    except OSError:
        return None


def _give_name(descriptor: int, name: Path) -> None:
    """Link an O_TMPFILE file into its folder. Python's os.link cannot follow /proc's fd link,
    so this calls linkat(2) with AT_SYMLINK_FOLLOW, the way open(2) documents for O_TMPFILE."""
    libc = ctypes.CDLL(None, use_errno=True)
    source = f"/proc/self/fd/{descriptor}".encode()
    if libc.linkat(_AT_FDCWD, source, _AT_FDCWD, os.fsencode(name), _AT_SYMLINK_FOLLOW) != 0:
        number = ctypes.get_errno()
        raise OSError(number, os.strerror(number), str(name))


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view):]
    os.fsync(descriptor)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable, where the system allows opening a folder."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
