"""Every mistake an educator can make: exact `file:line:col: message`, exit 1, nothing written.

Each folder under fixtures/invalid/ is laid over the base fixture project; its expected.txt holds
the exact problem lines `deckgen check` must print, and its arguments.txt (if any) the options
that make the input an error (`--strict` for unsafe content, which is otherwise removed with a
warning).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, files_below, make_project

CASES = sorted(path for path in (FIXTURES / "invalid").iterdir() if path.is_dir())


def _overlay(case: Path, destination: Path) -> Path:
    project = make_project(destination)
    for path in case.rglob("*"):
        if path.is_file() and path.name not in ("expected.txt", "arguments.txt"):
            target = project / path.relative_to(case)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    return project


def _arguments(case: Path) -> list[str]:
    arguments = case / "arguments.txt"
    return arguments.read_text().split() if arguments.exists() else []


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_check_reports_every_problem_exactly(case, tmp_path, run_cli):
    project = _overlay(case, tmp_path / "project")
    expected = (case / "expected.txt").read_text(encoding="utf-8").splitlines()

    result = run_cli("check", *_arguments(case), cwd=project)

    # The warnings come after the problems, so that one run shows everything to fix (under
    # --strict, with no other problem, the warnings are the problems).
    warnings = sum(": warning: " in line for line in expected)
    warnings = 0 if warnings == len(expected) else warnings
    count = len(expected) - warnings
    summary = f"{count} problem{'s' if count != 1 else ''}"
    summary += f" and {warnings} warning{'s' if warnings != 1 else ''}" if warnings else ""
    summary += " found; nothing was written"
    assert result.stderr.splitlines() == expected + [summary]
    assert result.exit_code == 1
    assert result.stdout == ""


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_build_writes_nothing_on_bad_input(case, tmp_path, run_cli):
    project = _overlay(case, tmp_path / "project")
    (project / "build").mkdir()
    (project / "build" / "test-1.0.0.apkg").write_bytes(b"the previous good build")
    before = files_below(project)

    result = run_cli("build", *_arguments(case), cwd=project)

    assert result.exit_code == 1
    assert files_below(project) == before


def test_a_good_build_is_left_untouched_by_a_failed_one(tmp_path, run_cli):
    project = _overlay(FIXTURES / "invalid" / "unknown-key", tmp_path / "project")
    broken = (project / "cards" / "bad.yaml").read_text()
    (project / "cards" / "bad.yaml").write_text(broken.replace("anwser", "answer"))
    assert run_cli("build", cwd=project).exit_code == 0
    good = files_below(project / "build")
    assert list(good) == ["test-1.0.0.apkg"]

    (project / "cards" / "bad.yaml").write_text(broken)
    assert run_cli("build", cwd=project).exit_code == 1

    assert files_below(project / "build") == good


def test_missing_cards_folder_says_where_to_run(tmp_path, run_cli):
    result = run_cli("check", cwd=tmp_path)

    assert result.stderr.splitlines()[-1] == (
        "deckgen check: error: argument --project: cards/ not found: run deckgen in the project folder (the one "
        "holding cards/) or pass --project DIR"
    )
    assert result.exit_code == 2


def test_a_rendering_problem_is_reported_with_the_validation_problems(tmp_path, run_cli):
    """An image the card does not list is found when the card is rendered; it is reported in the
    same run as another card's mistake, not only once that is fixed."""
    project = make_project(tmp_path / "project")
    (project / "cards" / "mixed.yaml").write_text(
        "subdeck: first\ncards:\n"
        "  - id: one-item\n    kind: list\n    question: Which phase?\n    items: [Initial]\n"
        "  - id: picture\n    kind: basic\n    question: 'What is this? ![x](x.png)'\n    answer: A chart\n")

    result = run_cli("check", cwd=project)

    assert result.stderr.splitlines() == [
        "cards/mixed.yaml:6:12: a list card needs at least 2 items: use a basic card for a single fact",
        "cards/mixed.yaml:9:15: 'question' shows image 'x.png', which the card does not list: add 'x.png' to the "
        "card's 'media'",
        "2 problems found; nothing was written",
    ]
