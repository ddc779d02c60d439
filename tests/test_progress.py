"""The progress line: shown on a terminal while a large deck renders, never in a log or a pipe,
and silenced by -q."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from conftest import make_project

CARDS = 3_500  # above the command line's threshold of 3,000


@pytest.fixture(scope="module")
def large_project(tmp_path_factory) -> Path:
    root = make_project(tmp_path_factory.mktemp("progress") / "project")
    lines = ["subdeck: first", "cards:"]
    for number in range(CARDS):
        lines += [f"  - id: card-{number}", "    kind: basic", f"    question: Question {number}?",
                  f"    answer: Answer {number}"]
    (root / "cards" / "many.yaml").write_text("\n".join(lines) + "\n")
    return root


def _on_a_terminal(arguments: list[str]) -> str:
    """What a command shows on a terminal (standard output and error both on a pseudo-terminal)."""
    controller, terminal = pty.openpty()
    # A terminal of 100 columns (a new pseudo-terminal has none, and a line of none shows nothing).
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    process = subprocess.Popen([sys.executable, "-m", "deckgen", *arguments], stdout=terminal, stderr=terminal,
                               stdin=subprocess.DEVNULL)
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the command ended and closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    assert process.wait(timeout=60) == 0, shown.decode(errors="replace")
    return shown.decode(errors="replace")


def test_a_large_check_shows_its_progress_on_a_terminal(large_project):
    shown = _on_a_terminal(["check", "--project", str(large_project)])
    assert "rendering cards" in shown and f"/{CARDS}" in shown
    assert f"ok: {CARDS} notes, {CARDS} cards in 1 file, no problems" in shown


def test_quiet_silences_the_progress_line(large_project):
    shown = _on_a_terminal(["check", "-q", "--project", str(large_project)])
    assert "rendering cards" not in shown
    assert f"ok: {CARDS} notes, {CARDS} cards in 1 file, no problems" in shown


def test_no_progress_line_goes_to_a_log(large_project):
    finished = subprocess.run([sys.executable, "-m", "deckgen", "build", "--project", str(large_project)],
                              capture_output=True, text=True, check=True)
    assert finished.stderr == ""
    assert finished.stdout.startswith("wrote ")
