"""`--output` and `--update` write only regular files: a symbolic link, a FIFO, a device node or a
folder where the file should go is refused with a message, and left exactly as it was."""

from __future__ import annotations

import os
import stat
import threading
import time

import pytest
from conftest import FIXTURES, make_project

REFUSAL = ("cannot write the file: it is {what}, not a file: deckgen writes a new file and renames it into "
           "place, which would replace the {noun}; give the path of a regular file, or a new one")


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path / "project", FIXTURES / "release" / "v1")


def test_a_symbolic_link_given_to_output_is_refused_and_kept(project, run_cli):
    (project / "target.json").write_text("theirs")
    (project / "schema.json").symlink_to(project / "target.json")

    result = run_cli("schema", "--output", "schema.json", cwd=project)

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "schema.json:1:1: " + REFUSAL.format(
        what="a symbolic link", noun="symbolic link")
    assert (project / "schema.json").is_symlink()
    assert (project / "target.json").read_text() == "theirs"


def test_a_fifo_given_to_output_is_refused_without_waiting_for_a_reader(project, run_cli):
    os.mkfifo(project / "notes.md")

    result = run_cli("schema", "--output", "notes.md", cwd=project)

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "notes.md:1:1: " + REFUSAL.format(
        what="a named pipe (FIFO)", noun="named pipe (FIFO)")
    assert stat.S_ISFIFO(os.lstat(project / "notes.md").st_mode)


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_a_device_given_to_output_is_refused_and_stays_a_device(project, run_cli):
    # A node of /dev/null's numbers (1, 3), made here: the real /dev is never written to in a test.
    device = project / "null"
    os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))

    result = run_cli("schema", "--output", "null", cwd=project)

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "null:1:1: " + REFUSAL.format(what="a device", noun="device")
    assert stat.S_ISCHR(os.lstat(device).st_mode)


def test_a_folder_given_to_output_is_refused(project, run_cli):
    (project / "notes.md").mkdir()

    result = run_cli("schema", "--output", "notes.md", cwd=project)

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "notes.md:1:1: " + REFUSAL.format(what="a folder", noun="folder")


def _writer_after(fifo, seconds: float, done: threading.Event) -> threading.Thread:
    """A writer that opens and closes `fifo` once a reader waited `seconds` on it, so that a command
    that wrongly reads it fails instead of hanging the test run."""
    def write() -> None:
        deadline = time.monotonic() + seconds
        while not done.wait(0.05):
            if time.monotonic() < deadline:
                continue
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
                return
            except OSError:  # no reader: nothing waits on it
                continue
    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def test_a_fifo_given_to_update_is_refused_before_it_is_read(project, run_cli):
    os.mkfifo(project / "README.md")
    done = threading.Event()
    writer = _writer_after(project / "README.md", 2, done)

    result = run_cli("stats", "--update", "README.md", cwd=project)
    done.set()
    writer.join()

    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "deckgen stats: error: argument --update: cannot update README.md: it is a named pipe (FIFO), not a file: "
        "deckgen writes a new file and renames it into place, which would replace the named pipe (FIFO); give "
        "the path of a regular file, or a new one")


def test_a_symbolic_link_given_to_update_is_refused_and_kept(project, run_cli):
    (project / "real.md").write_text("# Course\n")
    (project / "README.md").symlink_to("real.md")

    result = run_cli("stats", "--update", "README.md", cwd=project)

    assert result.exit_code == 2
    assert "cannot update README.md: it is a symbolic link, not a file" in result.stderr.splitlines()[-1]
    assert (project / "README.md").is_symlink()
