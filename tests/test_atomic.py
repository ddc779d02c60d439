"""Nothing lost: a build killed at any step, one that cannot write, and builds running at once all
leave a package and a lock file that belong together, and no temporary file for long."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import files_below, make_project

ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1764000000"}
PACKAGE = Path("build/test-1.0.0.apkg")
LOCK = Path("cards/deck.lock")
# Runs `deckgen build` and kills itself with SIGKILL at the Nth call of os.<step>: the steps of a
# write are: fsync of a staged temporary file (package first, then lock), then os.replace of each.
KILLED_BUILD = """
import os, signal, sys
from deckgen.cli import main
step, at = sys.argv[1], int(sys.argv[2])
original, calls = getattr(os, step), []
def killing(*args, **kwargs):
    calls.append(args)
    if len(calls) == at:
        os.kill(os.getpid(), signal.SIGKILL)
    return original(*args, **kwargs)
setattr(os, step, killing)
sys.exit(main(["build"]))
"""


def _cards(answer: str, count: int = 20) -> str:
    lines = ["subdeck: first", "cards:"]
    for number in range(count):
        lines += [f"  - id: card-{number}", "    kind: basic", f"    question: Question {number}?",
                  f"    answer: {answer} {number}", "    source: weissman2017"]
    return "\n".join(lines) + "\n"


def _build(project: Path, *arguments: str, env: dict[str, str] = ENV) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *arguments], cwd=project, env=env, capture_output=True, text=True)


def _temporaries(project: Path) -> list[str]:
    return sorted(str(path.relative_to(project)) for path in project.rglob("*.tmp"))


def _state(project: Path) -> tuple[bytes, bytes]:
    return (project / PACKAGE).read_bytes(), (project / LOCK).read_bytes()


@pytest.fixture
def changed_project(tmp_path):
    """A project built once, then edited: (project, previous state, the complete new state)."""
    project = make_project(tmp_path / "project")
    (project / "cards" / "many.yaml").write_text(_cards("First answer"))
    assert _build(project, "-m", "deckgen", "build").returncode == 0
    previous = _state(project)
    (project / "cards" / "many.yaml").write_text(_cards("Second answer"))
    finished = tmp_path / "finished"
    make_project(finished)
    (finished / "cards" / "many.yaml").write_text(_cards("First answer"))
    assert _build(finished, "-m", "deckgen", "build").returncode == 0
    (finished / "cards" / "many.yaml").write_text(_cards("Second answer"))
    assert _build(finished, "-m", "deckgen", "build").returncode == 0
    return project, previous, _state(finished)


@pytest.mark.parametrize(("step", "at", "package_replaced"), [
    ("fsync", 1, False),  # the package staged, not yet synced
    ("fsync", 2, False),  # the lock staged, not yet synced
    ("replace", 1, False),  # both staged, nothing renamed
    ("replace", 2, True),  # the package renamed, the lock not yet
])
def test_a_build_killed_at_any_step_leaves_a_package_and_lock_that_belong_together(
    changed_project, step, at, package_replaced
):
    project, previous, complete = changed_project

    killed = _build(project, "-c", KILLED_BUILD, step, str(at))

    assert killed.returncode == -9
    package, lock = _state(project)
    assert lock == previous[1], "the lock changed although the build did not finish"
    assert package == (complete[0] if package_replaced else previous[0])
    # The next build finishes the job and clears what the killed one left.
    assert _build(project, "-m", "deckgen", "build").returncode == 0
    assert _state(project) == complete
    assert _temporaries(project) == []


def test_a_build_that_cannot_write_its_package_leaves_the_lock_alone(changed_project):
    project, previous, _ = changed_project
    before = files_below(project)
    (project / "occupied").write_text("a file where the output folder should be")

    failed = _build(project, "-m", "deckgen", "build", "--output", "occupied/deeper")

    assert failed.returncode == 1
    assert failed.stderr.splitlines()[0].startswith("occupied/deeper/test-1.0.0.apkg:1:1: cannot write the file: ")
    assert files_below(project) == {**before, "occupied": b"a file where the output folder should be"}


def _note_times(package: Path) -> dict[str, int]:
    with zipfile.ZipFile(package) as archive:
        data = archive.read("collection.anki2")
    connection = sqlite3.connect(":memory:")
    connection.deserialize(data)
    times = dict(connection.execute("SELECT sfld, mod FROM notes"))
    connection.close()
    return times


def test_builds_of_one_project_at_once_run_one_after_another(tmp_path):
    project = make_project(tmp_path / "project")
    (project / "cards" / "many.yaml").write_text(_cards("First answer", 1500))
    assert _build(project, "-m", "deckgen", "build").returncode == 0
    (project / "cards" / "many.yaml").write_text(_cards("Second answer", 1500))
    builds = [
        subprocess.Popen([sys.executable, "-m", "deckgen", "build"], cwd=project,
                         env={**os.environ, "SOURCE_DATE_EPOCH": str(1764000600 + second)},
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for second in range(8)
    ]

    outputs = [build.communicate()[0].decode() for build in builds]

    assert [build.returncode for build in builds] == [0] * 8
    # One after another: the first build records the change, the others find the lock up to date
    # (run at once, several would plan against the old lock and each write a lock of its own).
    assert sum("updated cards/deck.lock" in output for output in outputs) == 1
    recorded = {f"Question {card[5:]}?": record["modified"] for card, record in _lock_cards(project).items()}
    packaged = _note_times(project / PACKAGE)
    assert all(packaged[question] >= time for question, time in recorded.items()), "package older than its lock"
    assert _temporaries(project) == []


def _lock_cards(project: Path) -> dict:
    import json

    return json.loads((project / LOCK).read_text())["cards"]
