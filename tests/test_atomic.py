"""Nothing lost: a build killed with SIGKILL at any moment leaves the previous good build and lock
in place (or the complete new ones) and no temporary file."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import make_project

CARDS = 3000
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1764000000"}


def _many_cards(answer: str) -> str:
    lines = ["subdeck: first", "cards:"]
    for number in range(CARDS):
        lines += [f"  - id: card-{number}", "    kind: basic", f"    question: Question {number} about **IPT**?",
                  f"    answer: {answer} {number}", "    source: weissman2017"]
    return "\n".join(lines) + "\n"


def _build(project: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "deckgen", "build"], cwd=project, env=ENV,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def _temporaries(project: Path) -> list[str]:
    return sorted(str(path.relative_to(project)) for path in project.rglob("*.tmp"))


def test_a_killed_build_leaves_the_previous_build_whole_and_no_temporary_file(tmp_path):
    project = make_project(tmp_path / "project")
    (project / "cards" / "many.yaml").write_text(_many_cards("First answer"))
    assert _build(project).wait() == 0
    package = project / "build" / "test-1.0.0.apkg"
    lock = project / "cards" / "deck.lock"
    previous = (package.read_bytes(), lock.read_bytes())
    (project / "cards" / "many.yaml").write_text(_many_cards("Second answer"))

    # The complete new build, made undisturbed in a copy, and how long it takes.
    finished = tmp_path / "finished"
    shutil.copytree(project, finished)
    started = time.monotonic()
    assert _build(finished).wait() == 0
    duration = time.monotonic() - started
    complete = ((finished / "build" / "test-1.0.0.apkg").read_bytes(), (finished / "cards" / "deck.lock").read_bytes())

    outcomes = []
    for fraction in (0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0):
        process = _build(project)
        time.sleep(duration * fraction)
        process.send_signal(signal.SIGKILL)
        process.wait()
        state = (package.read_bytes(), lock.read_bytes())
        assert state[0] in (previous[0], complete[0]), f"partial package after a kill at {fraction:.0%}"
        assert state[1] in (previous[1], complete[1]), f"partial lock file after a kill at {fraction:.0%}"
        assert _temporaries(project) == []
        outcomes.append(state[0] == previous[0])
        if state != previous:
            # A kill after the package was replaced: put the previous build back for the next try.
            package.write_bytes(previous[0])
            lock.write_bytes(previous[1])
    assert any(outcomes), "no kill landed before the build finished: the test proved nothing"
