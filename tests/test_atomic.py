"""Nothing lost: a release killed at any step, one that cannot write, and releases running at once
all leave a lock that records only releases whose files were written, and no temporary file for long."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import files_below, make_project

ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1764000000"}
LATER = {**os.environ, "SOURCE_DATE_EPOCH": "1764000600"}
PACKAGE = Path("build/test-1.1.0.apkg")
SETTINGS = Path("cards/deck.yaml")
LOCK = Path("cards/deck.lock")
# Runs `deckgen release 1.1.0` and kills itself with SIGKILL at the Nth call of os.<step>. A release
# stages its files (fsync of each: the package, cards/deck.yaml, the lock), then renames them into
# place (os.replace of each, in that order: the lock last).
KILLED_RELEASE = """
import os, signal, sys
from deckgen.cli.main import main
step, at = sys.argv[1], int(sys.argv[2])
original, calls = getattr(os, step), []
def killing(*args, **kwargs):
    calls.append(args)
    if len(calls) == at:
        os.kill(os.getpid(), signal.SIGKILL)
    return original(*args, **kwargs)
setattr(os, step, killing)
sys.exit(main(["release", "1.1.0"]))
"""


def _cards(answer: str, count: int = 20) -> str:
    lines = ["subdeck: first", "cards:"]
    for number in range(count):
        lines += [f"  - id: card-{number}", "    kind: basic", f"    question: Question {number}?",
                  f"    answer: {answer} {number}", "    source: weissman2017"]
    return "\n".join(lines) + "\n"


def _run(project: Path, *arguments: str, env: dict[str, str] = LATER) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *arguments], cwd=project, env=env, capture_output=True, text=True)


def _temporaries(project: Path) -> list[str]:
    return sorted(str(path.relative_to(project)) for path in project.rglob("*.tmp"))


def _state(project: Path) -> tuple[bytes | None, bytes, bytes]:
    package = project / PACKAGE
    return (package.read_bytes() if package.exists() else None, (project / SETTINGS).read_bytes(),
            (project / LOCK).read_bytes())


def _released_project(folder: Path, count: int = 20) -> Path:
    """Release 1.0.0 made, then a card file edited for the next release."""
    project = make_project(folder)
    (project / "cards" / "many.yaml").write_text(_cards("First answer", count))
    assert _run(project, "-m", "deckgen", "release", "1.0.0", env=ENV).returncode == 0
    (project / "cards" / "many.yaml").write_text(_cards("Second answer", count))
    return project


@pytest.fixture
def changed_project(tmp_path):
    """(a project between releases, its state, the state a complete release 1.1.0 leaves)."""
    project = _released_project(tmp_path / "project")
    finished = _released_project(tmp_path / "finished")
    assert _run(finished, "-m", "deckgen", "release", "1.1.0").returncode == 0
    return project, _state(project), _state(finished)


@pytest.mark.slow  # a release killed at each step, in its own process: about 10 s
@pytest.mark.parametrize(("step", "at", "renamed"), [
    ("fsync", 1, 0),  # the package staged, not yet synced
    ("fsync", 3, 0),  # the lock staged, not yet synced
    ("replace", 1, 0),  # everything staged, nothing renamed
    ("replace", 2, 1),  # the package renamed
    ("replace", 3, 2),  # the package and cards/deck.yaml renamed, the lock not yet
])
def test_a_release_killed_at_any_step_never_leaves_a_lock_without_its_files(changed_project, step, at, renamed):
    project, previous, complete = changed_project

    killed = _run(project, "-c", KILLED_RELEASE, step, str(at))

    assert killed.returncode == -9
    state = _state(project)
    assert state[2] == previous[2], "the lock changed although the release did not finish"
    assert state[:2] == complete[:renamed] + previous[renamed:2]
    # The next release finishes the job and clears what the killed one left.
    again = _run(project, "-m", "deckgen", "release", "1.1.0")
    assert again.returncode == 0, again.stderr
    assert _state(project) == complete
    assert _temporaries(project) == []


@pytest.mark.slow
def test_a_release_that_cannot_write_its_package_leaves_everything_alone(changed_project):
    project, _, _ = changed_project
    for package in (project / "build").iterdir():
        package.unlink()
    (project / "build").rmdir()
    (project / "build").write_text("a file where the output folder should be")
    before = files_below(project)

    failed = _run(project, "-m", "deckgen", "release", "1.1.0")

    assert failed.returncode == 1
    assert failed.stderr.splitlines()[0].startswith("build/test-1.1.0.apkg:1:1: cannot write the file: ")
    assert files_below(project) == before


@pytest.mark.slow  # processes racing: about 2.5 s
def test_releases_of_one_project_at_once_run_one_after_another(tmp_path):
    project = _released_project(tmp_path / "project", count=1500)
    releases = [
        subprocess.Popen([sys.executable, "-m", "deckgen", "release", f"1.{minor}.0"], cwd=project,
                         env={**os.environ, "SOURCE_DATE_EPOCH": str(1764000600 + minor)},
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for minor in range(1, 7)
    ]
    outcomes = [release.wait() for release in releases]

    # Run one after another, each release reads the lock the one before wrote: every release that
    # succeeded is recorded (at once, two would read the same lock and one record would be lost).
    assert set(outcomes) <= {0, 1} and 0 in outcomes
    recorded = [release["version"] for release in json.loads((project / LOCK).read_text())["releases"]]
    assert len(recorded) == 1 + outcomes.count(0)
    assert recorded == sorted(recorded, key=lambda version: tuple(map(int, version.split("."))))
    assert _temporaries(project) == []
