"""Writing output files so that nothing is ever lost, and one build at a time per project.

Every file is first written whole to a temporary file beside it, then renamed over the old one in
one step, so a reader (or a build killed at any moment) sees the old file or the new one, never a
part. A build writes its package and the lock together: both are staged before either is renamed,
so a full disk or an unwritable folder changes neither, and the lock is renamed last, so it never
records a build whose package was not written.

Only a regular file (or no file) is ever replaced: a rename would put a file where a symbolic link, a
FIFO, a device or a folder stood (as root, `--output /dev/full` would replace the device), so
those are refused, before anything is written.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from deckgen.errors import DeckError, Location, display_path

_SUFFIX = ".tmp"


class NotARegularFile(OSError):
    """A path to write that holds something other than a regular file; its strerror says what."""


def not_a_regular_file(path: Path) -> str | None:
    """Why `path` must not be replaced by a file (a link, FIFO, device, socket or folder stands
    there), in an educator's words; None when it holds a regular file or nothing. The link itself
    is looked at, not what it points to."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError:
        return None  # the write that follows reports why the path cannot be reached
    if stat.S_ISREG(mode):
        return None
    what = ("a symbolic link" if stat.S_ISLNK(mode) else "a folder" if stat.S_ISDIR(mode)
            else "a named pipe (FIFO)" if stat.S_ISFIFO(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket")
    return (f"it is {what}, not a file: deckgen writes a new file and renames it into place, which would "
            f"replace the {what.split(' ', 1)[1]}; give the path of a regular file, or a new one")


def write_files(files: list[tuple[Path, bytes]], root: Path) -> None:
    """Write the files together (`write_together`); a failure is the educator's to fix, reported at
    the path that failed, as it is shown relative to `root`."""
    try:
        write_together(files)
    except NotARegularFile as error:
        raise DeckError.at(Location(_shown(Path(error.filename), root)),
                           f"cannot write the file: {error.strerror}") from None
    except OSError as error:
        path = Path(error.filename) if error.filename else files[0][0]
        raise DeckError.at(
            Location(display_path(path, root)),
            f"cannot write the file: {error.strerror or error}; check that its folder exists, is writable "
            "and has room",
        ) from None


def _shown(path: Path, root: Path) -> str:
    """The path as given, not where a link in its last part leads (display_path resolves it)."""
    if not path.name:
        return display_path(path, root)
    folder = display_path(path.parent, root)
    return path.name if folder == "." else f"{folder}/{path.name}"


def write_together(files: list[tuple[Path, bytes]]) -> None:
    """Write every file to a temporary file first, then rename them into place in the given order."""
    for path, _ in files:  # all of them before any is written
        refused = not_a_regular_file(path)
        if refused is not None:
            raise NotARegularFile(0, refused, str(path))
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in files:
            with _failing_at(path):
                path.parent.mkdir(parents=True, exist_ok=True)
                _remove_leftovers(path)
                staged.append((_staged(path, data), path))
        for temporary, path in staged:
            with _failing_at(path):
                os.replace(temporary, path)
    finally:
        for temporary, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
    for folder in {path.parent for path, _ in files}:
        _sync_folder(folder)


@contextlib.contextmanager
def _failing_at(path: Path) -> Iterator[None]:
    """Report a failure at the file the educator asked for, not at our temporary file."""
    try:
        yield
    except OSError as error:
        raise OSError(error.errno, error.strerror or str(error), str(path)) from error


def _staged(path: Path, data: bytes) -> str:
    """A complete, flushed copy of `data` in a temporary file beside `path`, named after this process
    so that a later build can tell a leftover of a killed build from a file being written."""
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=_SUFFIX)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(name, 0o644)
    except BaseException:
        os.unlink(name)
        raise
    return name


def _remove_leftovers(path: Path) -> None:
    """Temporary files a killed build left beside `path`; a live process's are left alone."""
    for leftover in path.parent.glob(f".{path.name}.*{_SUFFIX}"):
        pid = leftover.name[len(path.name) + 2:].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _sync_folder(folder: Path) -> None:
    """Make the renames themselves durable, where the system allows opening a folder."""
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


@contextlib.contextmanager
def one_at_a_time(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on `folder` (the project's cards/) while a command reads the lock file
    and writes: two builds of one project then run one after the other, and never mix one's lock
    with the other's package. The lock is the folder's own (flock), so no file is left behind; on
    systems without flock the command runs unserialised."""
    try:
        import fcntl
    except ImportError:  # Windows
        yield
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)
