"""The lock file as CI sees it: a pull request cannot hide a change that hurts students in it, a
change released with its flag is visible in the lock and in CI's output, and a damaged lock is a
located message, never a traceback or a package Anki refuses."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, make_project
from helpers import replace_in_file

RELEASE = FIXTURES / "release"
V1_TIME, V2_TIME = "1764000000", "1764000600"
RESTORE = "; restore cards/deck.lock from the base branch"


@pytest.fixture
def released(tmp_path, run_cli):
    """Release 1.0.0 built, its lock kept as the base branch's: (project, base lock)."""
    project = make_project(tmp_path / "project", RELEASE / "v1")
    assert run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": V1_TIME}).exit_code == 0
    base = tmp_path / "base.lock"
    shutil.copy(project / "cards" / "deck.lock", base)
    return project, base


def _lock_line(project: Path, card_id: str) -> int:
    lines = (project / "cards" / "deck.lock").read_text().splitlines()
    return next(number for number, line in enumerate(lines, start=1) if line.startswith(f'    "{card_id}": '))


def _edit_lock_line(project: Path, card_id: str, old: str, new: str) -> None:
    lock = project / "cards" / "deck.lock"
    lock.write_text("\n".join(
        line.replace(old, new) if line.startswith(f'    "{card_id}": ') else line
        for line in lock.read_text().split("\n")
    ))


def test_a_kind_change_hidden_by_editing_the_lock_is_refused_by_ci(released, run_cli):
    project, base = released
    replace_in_file(project / "cards" / "course.yaml",
                    "  - id: founders\n    kind: basic", "  - id: founders\n    kind: reverse")
    _edit_lock_line(project, "founders", '"kind": "basic"', '"kind": "reverse"')
    # What the contributor commits: a release against the edited lock passes, and records it.
    assert run_cli("release", "1.1.0", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME}).exit_code == 0

    result = run_cli("check", "--lock-base", str(base), cwd=project)

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"cards/deck.lock:{_lock_line(project, 'founders')}:1: card 'founders' changed kind from basic to reverse: "
        "Anki cannot move a student's note to another note type, so it would keep the old card; retire this "
        "card and add the new one under a new id (if the card was never released, restore cards/deck.lock "
        f"from git instead){RESTORE}",
        "1 problem found; nothing was written",
    ]


def test_a_lock_edited_between_releases_is_refused_by_ci(released, run_cli):
    project, base = released
    replace_in_file(project / "cards" / "course.yaml",
                    "  - id: founders\n    kind: basic", "  - id: founders\n    kind: reverse")
    _edit_lock_line(project, "founders", '"kind": "basic"', '"kind": "reverse"')

    result = run_cli("check", "--lock-base", str(base), cwd=project)

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "cards/deck.lock:4:1: cards/deck.lock changed without a release: only 'deckgen release' records cards in "
        "it (and a build with an --allow flag its acknowledgement); restore cards/deck.lock from the base branch",
        "1 problem found; nothing was written",
    ]


def _reorder(project: Path, items: str = "[Middle, Initial, Termination]") -> None:
    replace_in_file(project / "cards" / "course.yaml", "items: [Initial, Middle, Termination]", f"items: {items}")


def _acknowledged(project: Path) -> list[dict]:
    return json.loads((project / "cards" / "deck.lock").read_text())["acknowledged"]


REORDER = {"flag": "--allow-renumbering", "subject": "card:phases",
           "change": "deletions of card 'phases' removed or renumbered"}


def test_a_reorder_allowed_with_its_flag_is_in_the_lock_and_in_ci_until_and_when_it_is_released(released, run_cli):
    project, base = released
    _reorder(project)
    assert run_cli("check", cwd=project).exit_code == 1  # refused without the flag, as a release would

    built = run_cli("build", "--allow-renumbering", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME})
    pull_request = run_cli("check", "--lock-base", str(base), cwd=project)
    acknowledged_before_release = _acknowledged(project)
    base_of_release = project.parent / "base-of-release.lock"
    shutil.copy(project / "cards" / "deck.lock", base_of_release)
    released_now = run_cli("release", "1.1.0", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME})
    release_pull_request = run_cli("check", "--lock-base", str(base_of_release), cwd=project)

    assert built.exit_code == pull_request.exit_code == released_now.exit_code == 0, built.stderr
    assert acknowledged_before_release == [{"version": "unreleased", **REORDER}]
    assert pull_request.stderr.splitlines() == [
        "warning: the next release makes, on purpose, a change that affects students: deletions of card 'phases' "
        "removed or renumbered",
    ]
    assert _acknowledged(project) == [{"version": "1.1.0", **REORDER}]
    assert release_pull_request.exit_code == 0, release_pull_request.stderr
    assert release_pull_request.stderr.splitlines() == [
        "warning: this change releases, on purpose, a change that affects students: deletions of card 'phases' "
        "removed or renumbered (--allow-renumbering)",
    ]


def test_a_release_whose_acknowledgement_was_edited_out_of_the_lock_is_refused(released, run_cli):
    project, base = released
    _reorder(project)
    assert run_cli("release", "1.1.0", "--allow-renumbering", cwd=project,
                   env={"SOURCE_DATE_EPOCH": V2_TIME}).exit_code == 0
    lock = project / "cards" / "deck.lock"
    data = lock.read_text()
    start, end = data.index('  "acknowledged": ['), data.index('  "cards": {')
    lock.write_text(data[:start] + '  "acknowledged": [],\n' + data[end:])

    result = run_cli("check", "--lock-base", str(base), cwd=project)

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"cards/deck.lock:{_lock_line(project, 'phases')}:1: deletions of card 'phases' removed or renumbered "
        "since the base branch, but the lock does not acknowledge it: only a build or release with "
        "--allow-renumbering allows it, and records it for reviewers; restore cards/deck.lock from the base "
        "branch and release again"
    )


def test_a_release_with_a_regenerated_lock_is_refused(released, run_cli):
    project, base = released
    _reorder(project)
    (project / "cards" / "deck.lock").unlink()
    assert run_cli("release", "1.1.0", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME}).exit_code == 0

    result = run_cli("check", "--lock-base", str(base), cwd=project)

    assert result.exit_code == 1
    assert (
        f"cards/deck.lock:{_lock_line(project, 'phases')}:1: card 'phases' has another 'added' time in the lock; "
        "restore cards/deck.lock from the base branch and release again"
    ) in result.stderr.splitlines()


@pytest.mark.parametrize("items", [
    "[Middle., Initial., Termination]",  # swapped, each given a full stop
    "[the middle phase, the initial phase, Termination]",  # swapped and reworded a little
    "[Initial, Termination]",  # one removed
])
def test_items_that_moved_even_lightly_edited_are_a_reorder(items, released, run_cli):
    project, _ = released
    _reorder(project, items)

    result = run_cli("build", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME})

    assert result.exit_code == 1
    assert "list card 'phases' had items removed or reordered" in result.stderr
    assert result.stderr.splitlines()[0].endswith("; to release it anyway, run with --allow-renumbering")


@pytest.mark.parametrize("items", [
    "[Initial., Middle., Termination.]",  # full stops, in place
    "[The initial phase, The middle phase, Termination]",  # reworded in place
    "[Initial, Middle, Termination, Maintenance]",  # one added at the end
])
def test_items_edited_in_place_or_added_at_the_end_are_not_a_reorder(items, released, run_cli):
    project, _ = released
    _reorder(project, items)

    result = run_cli("build", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME})

    assert result.exit_code == 0, result.stderr


def test_release_notes_tell_students_about_a_disguised_reorder(released, run_cli, tmp_path):
    project, _ = released
    shutil.copy(project / "build" / "test-1.0.0.apkg", tmp_path / "old.apkg")
    _reorder(project, "[Middle., Initial., Termination]")
    assert run_cli("release", "1.1.0", "--allow-renumbering", cwd=project,
                   env={"SOURCE_DATE_EPOCH": V2_TIME}).exit_code == 0

    notes = run_cli("diff", str(tmp_path / "old.apkg"), cwd=project).stdout

    assert "your reviews are kept" not in notes
    assert ("Items or deletions were removed or reordered in some cards, so your reviews of them now belong to "
            "other items. To start those cards afresh: Browse, select them, Forget: `In which order do the "
            "phases of IPT run?`.") in notes


DAMAGE = {
    "a time that is a word": ('"added": 1764000000, "modified": 1764000000, "changed_in": "1.0.0", "content"',
                              '"added": 1764000000, "modified": "x", "changed_in": "1.0.0", "content"',
                              "'modified' should be a whole number, is \"x\""),
    "a time of 10^30": ('"added": 1764000000, "modified": 1764000000, "changed_in": "1.0.0", "content"',
                        '"added": 1764000000, "modified": 1000000000000000000000000000000, "changed_in": "1.0.0", '
                        '"content"',
                        "'modified' should be from 1 to 253402300799, is 1000000000000000000000000000000"),
    "a time of 1e30": ('"added": 1764000000, "modified": 1764000000, "changed_in": "1.0.0", "content"',
                       '"added": 1e30, "modified": 1764000000, "changed_in": "1.0.0", "content"',
                       "'added' should be a whole number, is 1e+30"),
    "a time that is NaN": ('"added": 1764000000, "modified": 1764000000, "changed_in": "1.0.0", "content"',
                           '"added": NaN, "modified": 1764000000, "changed_in": "1.0.0", "content"',
                           "'NaN' is not a number deckgen writes"),
    "a note type's time that is a word": ('"modified": 1764000000\n', '"modified": "a word"\n',
                                         "'modified' should be a whole number, is \"a word\""),
    "a key written twice": ('"added": 1764000000, "modified": 1764000000, "changed_in": "1.0.0", "content"',
                            '"added": 1764000000, "added": 1764000000, "modified": 1764000000, "changed_in": "1.0.0", '
                            '"content"', "the key \"added\" is written twice"),
    "hides of the wrong shape": ('"hides": {"1": "Initial"', '"hides": {"1": ["Initial"]',
                                 "what c1 hides should be text, is [\"Initial\"]"),
    "a position that is a word": ('"position": 1000}', '"position": "first"}',
                                  "'position' should be a whole number, is \"first\""),
    "a position Check Database would move": ('"position": 1000}', '"position": 1000000}',
                                             "'position' should be from 0 to 999999, is 1000000"),
}


@pytest.mark.parametrize("case", DAMAGE)
def test_a_hand_damaged_lock_is_a_located_message(case, released, run_cli):
    project, _ = released
    old, new, message = DAMAGE[case]
    lock = project / "cards" / "deck.lock"
    text = lock.read_text()
    lines = text.splitlines()
    line = next(number for number, line in enumerate(lines, start=1) if old.strip() in line)
    if old.endswith("\n"):  # a note type's value: the message names the note type's entry
        line = max(number for number, text in enumerate(lines[:line], start=1) if text.endswith(": {"))
    lock.write_text(text.replace(old, new, 1))

    result = run_cli("build", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME})

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"cards/deck.lock:{line}:1: the lock file is damaged: {message}; restore it from git, never edit it by hand",
        "1 problem found; nothing was written",
    ]


def test_a_lock_nested_too_deeply_is_a_message(released, run_cli):
    project, _ = released
    (project / "cards" / "deck.lock").write_text("[" * 100_000 + "]" * 100_000)

    result = run_cli("check", "--lock-base", str(project / "cards" / "deck.lock"), cwd=project)

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "cards/deck.lock:1:1: the lock file is nested too deeply to be one deckgen wrote: restore it from git"
    )


@pytest.mark.parametrize("items", [
    "[Mіddlе, Іnіtіаl, Termination]",  # swapped, spelt with Cyrillic letters that look Latin
])
def test_items_swapped_in_lookalike_letters_are_a_reorder(items, released, run_cli):
    project, _ = released
    _reorder(project, items)

    result = run_cli("build", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME})

    assert result.exit_code == 1
    assert "list card 'phases' had items removed or reordered" in result.stderr


def test_images_swapped_between_items_are_a_reorder(tmp_path, run_cli):
    from test_hostile import PNG

    project = make_project(tmp_path / "project")
    media = project / "cards" / "media"
    media.mkdir()
    (media / "a.png").write_bytes(PNG)
    (media / "b.png").write_bytes(PNG + b"b")
    card = ("subdeck: first\ncards:\n  - id: rhythms\n    kind: list\n    question: Which rhythm is which?\n"
            "    items: ['![Sinus rhythm](a.png)', '![Atrial fibrillation](b.png)']\n    media: [a.png, b.png]\n")
    (project / "cards" / "ecg.yaml").write_text(card)
    assert run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": V1_TIME}).exit_code == 0
    (project / "cards" / "ecg.yaml").write_text(card.replace("(a.png)', '![Atrial fibrillation](b.png)",
                                                             "(b.png)', '![Atrial fibrillation](a.png)"))

    result = run_cli("check", cwd=project)

    assert result.exit_code == 1
    assert "list card 'rhythms' had items removed or reordered" in result.stderr


LOCK_DAMAGE = {
    "a number of 5,001 digits": ('"added": 1764000000,', '"added": ' + "9" * 5001 + ",",
                                 "cards/deck.lock:1:1: the lock file is damaged (Exceeds the limit (4300 digits)"),
    "a cloze number that is not a digit": ('"hides": {"1": "Initial"', '"hides": {"²": "Initial"',
                                           "'hides' keys should be cloze numbers, one is \"\\u00b2\""),
    "a card id deckgen never writes": ('    "founders": {', '    "\\ud800": {',
                                       "\"\\ud800\" is not a card id deckgen writes"),
}


@pytest.mark.parametrize("case", LOCK_DAMAGE)
def test_a_lock_deckgen_never_writes_is_a_message(case, released, run_cli):
    project, _ = released
    old, new, message = LOCK_DAMAGE[case]
    lock = project / "cards" / "deck.lock"
    replace_in_file(lock, old, new, count=1)

    result = run_cli("build", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME})

    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert message in result.stderr.splitlines()[0]


def test_a_release_time_in_the_future_is_refused(released, run_cli):
    project, _ = released
    replace_in_file(project / "cards" / "course.yaml", "answer: Depression", "answer: Major depression")

    result = run_cli("release", "1.1.0", cwd=project, env={"SOURCE_DATE_EPOCH": "253402300799"})

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith(
        "SOURCE_DATE_EPOCH: the release time 253402300799 lies in the future")


def test_ci_refuses_times_no_release_gave(released, run_cli):
    project, base = released
    replace_in_file(project / "cards" / "course.yaml", "answer: Depression", "answer: Major depression")
    assert run_cli("release", "1.1.0", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME}).exit_code == 0
    lock = project / "cards" / "deck.lock"
    replace_in_file(lock, '"modified": 1764000000\n', '"modified": 253402300799\n', count=1)

    result = run_cli("check", "--lock-base", str(base), cwd=project)

    line = lock.read_text().splitlines().index('    "basic": {') + 1
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"cards/deck.lock:{line}:1: the lock file is damaged: note type 'basic' has the time 253402300799, later "
        "than the last release; restore it from git, never edit it by hand")
