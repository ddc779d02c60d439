"""Safe releases, checked with the real Anki: in-place updates, kept reviews, reproducible bytes, guards."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from anki.collection import Collection
from anki.scheduler.v3 import CardAnswer
from anki_client import answer_card, import_package, scheduling_of
from conftest import FIXTURES, make_project
from helpers import replace_in_file

from deckgen.source import kinds

RELEASE = FIXTURES / "release"
V1_TIME, V2_TIME = "1764000000", "1764000600"


def _schedule(col: Collection) -> dict[tuple[str, int], tuple]:
    """Every card's scheduling, by note GUID and ordinal (ids may differ between collections)."""
    cards = [col.get_card(card_id) for card_id in col.find_cards("")]
    return {(card.note().guid, card.ord): scheduling_of(col, card.id) for card in cards}


def _note_of(col: Collection, question: str):
    [note_id] = col.find_notes(f'"Question:{question}"')
    return col.get_note(note_id)


def _release_v1(tmp_path, run_cli, student) -> Path:
    project = make_project(tmp_path / "project", RELEASE / "v1")
    assert run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": V1_TIME}).exit_code == 0
    import_package(student, project / "build" / "test-1.0.0.apkg")
    return project


def _release_v2(project: Path, run_cli, student):
    shutil.copytree(RELEASE / "v2", project, dirs_exist_ok=True)
    result = run_cli("release", "1.1.0", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME})
    assert result.exit_code == 0, result.stderr
    return import_package(student, project / "build" / "test-1.1.0.apkg")


def test_a_release_upgrade_keeps_every_review_flag_and_suspension(tmp_path, run_cli, student):
    project = _release_v1(tmp_path, run_cli, student)
    cards = sorted(student.find_cards(""))
    answer_card(student, cards[0], CardAnswer.GOOD)
    answer_card(student, cards[0], CardAnswer.GOOD)
    answer_card(student, cards[1], CardAnswer.AGAIN)
    answer_card(student, cards[2], CardAnswer.EASY)
    student.sched.suspend_cards([cards[3]])
    student.set_user_flag_for_cards(1, [cards[4]])
    notes_before = student.note_count()
    before = _schedule(student)
    assert sum(len(entry[-1]) for entry in before.values()) == 4

    log = _release_v2(project, run_cli, student)

    assert len(log.new) == 1 and len(log.conflicting) == 0
    assert student.note_count() == notes_before + 1
    after = _schedule(student)
    assert {key: after[key] for key in before} == before
    assert _note_of(student, "Who founded IPT?")["Answer"] == "Klerman and Weissman"
    retired = _note_of(student, "*How long is each IPT session?*")
    assert "test::retired" in retired.tags
    assert retired["Question"].startswith(
        '<div class="deckgen-retired"><div class="retired">Retired: this card is no longer')
    assert student.db.scalar("select count(*) - count(distinct guid) from notes") == 0


def test_a_students_edit_of_an_unchanged_card_survives_the_next_release(tmp_path, run_cli, student):
    project = _release_v1(tmp_path, run_cli, student)
    note = _note_of(student, "In which decade was IPT founded?")
    note["Extra"] = "my mnemonic: disco decade"
    student.update_note(note)

    _release_v2(project, run_cli, student)

    assert _note_of(student, "In which decade was IPT founded?")["Extra"] == "my mnemonic: disco decade"
    assert _note_of(student, "Who founded IPT?")["Answer"] == "Klerman and Weissman"


def test_release_notes_between_v1_and_v2_are_exactly_the_golden_file(tmp_path, run_cli, student):
    project = _release_v1(tmp_path, run_cli, student)
    v1 = tmp_path / "test-1.0.0.apkg"
    shutil.copy(project / "build" / "test-1.0.0.apkg", v1)
    _release_v2(project, run_cli, student)

    result = run_cli("diff", str(v1), cwd=project)

    assert result.exit_code == 0, result.stderr
    assert result.stdout == (RELEASE / "notes-v1-v2.md").read_text()


@pytest.mark.slow
def test_two_builds_in_different_folders_with_the_clock_moved_on_are_byte_identical(tmp_path, run_cli, monkeypatch):
    """Three builds of one input in three folders: one now, one in a separate process seconds later
    (a real clock, a new process), one with Python's clock moved ten minutes on. With
    SOURCE_DATE_EPOCH set, no byte of the package may come from the clock or the folder."""
    first = make_project(tmp_path / "one", RELEASE / "v1")
    second = make_project(tmp_path / "elsewhere" / "two", RELEASE / "v1")
    third = make_project(tmp_path / "third", RELEASE / "v1")
    assert run_cli("release", "1.0.0", cwd=first, env={"SOURCE_DATE_EPOCH": V1_TIME}).exit_code == 0
    time.sleep(1.1)
    subprocess.run([sys.executable, "-m", "deckgen", "build"], cwd=second, check=True, capture_output=True,
                   env={**os.environ, "SOURCE_DATE_EPOCH": V1_TIME})
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 600)
    assert run_cli("release", "1.0.0", cwd=third, env={"SOURCE_DATE_EPOCH": V1_TIME}).exit_code == 0

    one, two, three = (project / "build" / "test-1.0.0.apkg" for project in (first, second, third))
    digests = {hashlib.sha256(package.read_bytes()).hexdigest() for package in (one, two, three)}
    assert len(digests) == 1
    with zipfile.ZipFile(one) as archive:
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_DEFLATED}
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def _unzipped(package: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return b"".join(archive.read(name) for name in archive.namelist())


def test_a_later_version_that_changes_no_card_is_byte_identical(tmp_path, run_cli):
    """Unchanged cards keep their times, so a release that changes nothing gives students nothing
    to update: the package is the same, byte for byte, whenever it is built, but for the version its
    deck description names (updates/description.py)."""
    project = make_project(tmp_path / "project", RELEASE / "v1")
    assert run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": V1_TIME}).exit_code == 0
    first = (project / "build" / "test-1.0.0.apkg").read_bytes()

    result = run_cli("release", "1.0.1", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME})

    assert result.exit_code == 0, result.stderr
    # The version's three bytes, "1.0.0" → "1.0.1", in the collection the package holds.
    second = (project / "build" / "test-1.0.1.apkg").read_bytes()
    assert _unzipped(second) == _unzipped(first).replace(b"Version 1.0.0<", b"Version 1.0.1<")
    assert "version: 1.0.1\n" in (project / "cards" / "deck.yaml").read_text()


def test_a_correction_reaches_a_student_who_edited_the_card_before_it_was_released(tmp_path, run_cli, student):
    """The educator builds the fix on Monday, the student edits the card on Tuesday, the release
    comes on Friday: the release must still update the card (Anki keeps the newer of the two)."""
    project = _release_v1(tmp_path, run_cli, student)
    shutil.copytree(RELEASE / "v2", project, dirs_exist_ok=True)
    educators_build = str(int(V2_TIME))
    assert run_cli("build", cwd=project, env={"SOURCE_DATE_EPOCH": educators_build}).exit_code == 0
    note = _note_of(student, "Who founded IPT?")
    note["Extra"] = "my mnemonic"
    student.update_note(note)  # stamped with the real clock: after the educator's build
    release_time = str(int(time.time()) + 3600)

    result = run_cli("release", "1.1.0", cwd=project, env={"SOURCE_DATE_EPOCH": release_time})
    assert result.exit_code == 0, result.stderr
    import_package(student, project / "build" / "test-1.1.0.apkg")

    assert _note_of(student, "Who founded IPT?")["Answer"] == "Klerman and Weissman"


def test_frozen_refuses_cards_that_are_not_the_last_releases(tmp_path, run_cli):
    project = make_project(tmp_path / "project", RELEASE / "v1")
    assert run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": V1_TIME}).exit_code == 0
    lock = (project / "cards" / "deck.lock").read_bytes()
    replace_in_file(project / "cards" / "course.yaml", "answer: Depression", "answer: Major depression")

    changed = run_cli("build", "--frozen", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME})
    replace_in_file(project / "cards" / "deck.yaml", "version: 1.0.0", "version: 1.1.0")
    unreleased = run_cli("build", "--frozen", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME})

    assert changed.exit_code == unreleased.exit_code == 1
    assert changed.stderr.splitlines()[0] == (
        "cards/deck.lock:1:1: the cards differ from release 1.0.0: a frozen build rebuilds a release exactly; "
        "release them with 'deckgen release VERSION' first"
    )
    assert unreleased.stderr.splitlines()[0] == (
        "cards/deck.lock:1:1: version 1.1.0 in cards/deck.yaml is not released: a frozen build rebuilds the last "
        "release (1.0.0); release it with 'deckgen release 1.1.0'"
    )
    assert (project / "cards" / "deck.lock").read_bytes() == lock
    assert (project / "cards" / "deck.lock").read_bytes() == lock
    assert not (project / "build" / "test-1.1.0.apkg").exists()


# --- guards: each refused with the change and the flag named; allowed, the notes say what to do -----


def _renamed_subdeck(project: Path) -> None:
    settings = project / "cards" / "deck.yaml"
    settings.write_text(settings.read_text().replace("first: First", "first: Premier"))


def _removed_card(project: Path) -> None:
    cards = project / "cards" / "course.yaml"
    text = cards.read_text()
    start = text.index("  - id: first-use")
    end = text.index("  - id: role-transition")
    cards.write_text(text[:start] + text[end:])


def _moved_card(project: Path) -> None:
    cards = project / "cards" / "course.yaml"
    cards.write_text(cards.read_text().replace(
        "  - id: first-use\n    kind: basic\n", "  - id: first-use\n    kind: basic\n    subdeck: second\n"))


def _reordered_items(project: Path) -> None:
    cards = project / "cards" / "course.yaml"
    cards.write_text(
        cards.read_text().replace("items: [Initial, Middle, Termination]", "items: [Middle, Initial, Termination]"))


def _renamed_field(project: Path, monkeypatch) -> None:
    basic = kinds.KINDS["basic"]
    monkeypatch.setitem(kinds.KINDS, "basic", dataclasses.replace(
        basic, content_fields=("Question", "Reply"),
        fill=lambda card, write: {"Question": write.markup("question", card.question),
                                  "Reply": write.markup("answer", card.answer)},
    ))
    template = project / "templates" / "basic.back.html"
    (project / "templates" / "reverse.back.html").write_text(template.read_text())  # it includes basic's
    template.write_text(template.read_text().replace('anki.field("Answer")', 'anki.field("Reply")'))


GUARDS = {
    "subdeck renamed": (
        lambda project, monkeypatch: _renamed_subdeck(project),
        "--allow-deck-change",
        "cards/deck.yaml:12:3: subdeck 'first' renamed from 'First' to 'Premier': students' existing cards "
        "would stay in the old subdeck while new cards go to the new one; to release it anyway, run with "
        "--allow-deck-change",
        "- Cards moved from `Test::First` to `Test::Premier`: Anki leaves your existing copies in "
        "`Test::First`. Move them: Browse, search `deck:\"Test::First\"`, select all, Change Deck.",
    ),
    "card removed": (
        lambda project, monkeypatch: _removed_card(project),
        "--allow-card-removal",
        "cards/deck.lock:{line}:1: card 'first-use' was released but is gone from the cards: Anki never "
        "deletes it from students' collections, and a renamed id makes a duplicate. Keep the card and mark "
        "it 'retired: true' instead; to release it anyway, run with --allow-card-removal",
        "- Removed cards: an import never deletes cards; delete the ones listed under *Removed* yourself.",
    ),
    "card moved": (
        lambda project, monkeypatch: _moved_card(project),
        "--allow-deck-change",
        "cards/course.yaml:{card_line}:9: card 'first-use' moved from subdeck 'First' to 'Second': students' "
        "copies would stay where they are; to release it anyway, run with --allow-deck-change",
        "- Some cards moved from `Test::First` to `Test::Second`: Anki leaves your existing copies in "
        "`Test::First`. Find each in Browse and use Change Deck: `What was IPT first developed to treat?`.",
    ),
    "list items reordered": (
        lambda project, monkeypatch: _reordered_items(project),
        "--allow-renumbering",
        "cards/course.yaml:{card_line}:9: list card 'phases' had items removed or reordered: students' "
        "reviews belong to item positions, so they would move to other items. Only add items at the end, "
        "or edit an item in place; to release it anyway, run with --allow-renumbering",
        "- Items or deletions were removed or reordered in some cards, so your reviews of them now belong "
        "to other items. To start those cards afresh: Browse, select them, Forget: `In which order do the "
        "phases of IPT run?`.",
    ),
    "field renamed": (
        _renamed_field,
        "--allow-note-type-change",
        "cards/deck.lock:{line}:1: note type 'basic': fields changed from Question, Answer, Extra, Topic, "
        "Source, Reference to Question, Reply, Extra, Topic, Source, Reference; Anki would stop updating "
        "every student's basic notes without a word; to release it anyway, run with "
        "--allow-note-type-change",
        "- **Tick “Merge note types”** in Anki's import dialog: the note types below changed their fields "
        "or card templates, and without it Anki updates none of their cards.",
    ),
}


@pytest.mark.parametrize("change", GUARDS)
def test_a_change_that_would_hurt_students_needs_its_flag(change, tmp_path, run_cli, monkeypatch):
    make_change, flag, refusal, student_action = GUARDS[change]
    project = make_project(tmp_path / "project", RELEASE / "v1")
    env = {"SOURCE_DATE_EPOCH": V1_TIME}
    assert run_cli("release", "1.0.0", cwd=project, env=env).exit_code == 0
    v1 = tmp_path / "v1.apkg"
    shutil.copy(project / "build" / "test-1.0.0.apkg", v1)
    lock_lines = (project / "cards" / "deck.lock").read_text().splitlines()
    make_change(project, monkeypatch)
    env = {"SOURCE_DATE_EPOCH": V2_TIME}

    refused = run_cli("release", "1.1.0", cwd=project, env=env)
    checked = run_cli("check", cwd=project)

    needle = '"first-use":' if change == "card removed" else '"basic": {'
    line = next(number for number, text in enumerate(lock_lines, 1) if needle in text)
    card_id = "phases" if change == "list items reordered" else "first-use"
    card_text = (project / "cards" / "course.yaml").read_text().splitlines()
    card_line = next((number for number, text in enumerate(card_text, 1) if f"- id: {card_id}" in text), None)
    assert refused.exit_code == checked.exit_code == 1
    assert refused.stderr.splitlines()[0] == refusal.format(line=line, card_line=card_line)
    assert checked.stderr == refused.stderr  # check runs every guard a release runs
    assert (project / "build" / "test-1.0.0.apkg").read_bytes() == v1.read_bytes()
    assert not (project / "build" / "test-1.1.0.apkg").exists()

    allowed = run_cli("release", "1.1.0", flag, cwd=project, env=env)

    assert allowed.exit_code == 0, allowed.stderr
    assert allowed.stderr.startswith("warning: released a change that affects students: ")
    notes = run_cli("diff", str(v1), cwd=project).stdout
    assert student_action in notes.split("## What students need to do")[1].split("\n## ")[0]


def test_a_retired_card_id_cannot_come_back_as_a_new_card(tmp_path, run_cli):
    project = make_project(tmp_path / "project", RELEASE / "v2")
    assert run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": V1_TIME}).exit_code == 0
    cards = project / "cards" / "course.yaml"
    cards.write_text(cards.read_text().replace("    retired: true\n", "").replace(
        "How long is each IPT session?", "How many sessions does IPT have?"))

    result = run_cli("build", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME})

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "cards/course.yaml:30:9: card 'session-hours' was retired and students were told to delete it: "
        "give a new card a new id; to release it anyway, run with --allow-id-reuse"
    )


ALWAYS_REFUSED = {
    "deck id changed": (
        lambda project: replace_in_file(project / "cards" / "deck.yaml", "id: 1700000000001", "id: 1700000000999"),
        "cards/deck.yaml:5:1: deck id changed from 1700000000001 to 1700000000999: students' Anki knows "
        "every card by an identity made from it, so every card would arrive twice; restore id: 1700000000001",
    ),
    "card kind changed": (
        lambda project: replace_in_file(project / "cards" / "course.yaml", "  - id: first-use\n    kind: basic",
                                 "  - id: first-use\n    kind: reverse"),
        "cards/course.yaml:14:9: card 'first-use' changed kind from basic to reverse: Anki cannot move a "
        "student's note to another note type, so it would keep the old card; retire this card and add the "
        "new one under a new id (if the card was never released, restore cards/deck.lock from git instead)",
    ),
    "note-type id changed": (
        lambda project: replace_in_file(
            project / "cards" / "deck.yaml", "basic: 1700000000101", "basic: 1700000000199"),
        "cards/deck.yaml:6:1: note type 'basic': id changed from 1700000000101 to 1700000000199; students' "
        "notes belong to the old id, so none of them would update again; restore basic: 1700000000101",
    ),
}


@pytest.mark.parametrize("change", ALWAYS_REFUSED)
def test_a_change_no_student_could_survive_is_refused_whatever_the_flags(change, tmp_path, run_cli):
    make_change, refusal = ALWAYS_REFUSED[change]
    project = make_project(tmp_path / "project", RELEASE / "v1")
    assert run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": V1_TIME}).exit_code == 0
    make_change(project)
    every_flag = ["--allow-note-type-change", "--allow-deck-change", "--allow-card-removal",
                  "--allow-id-reuse", "--allow-renumbering"]

    result = run_cli("build", *every_flag, cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME})

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == refusal


def test_the_id_of_a_removed_card_cannot_be_used_again(tmp_path, run_cli):
    project = make_project(tmp_path / "project", RELEASE / "v1")
    assert run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": V1_TIME}).exit_code == 0
    cards = project / "cards" / "course.yaml"
    original = cards.read_text()
    _removed_card(project)
    released = run_cli("release", "1.1.0", "--allow-card-removal", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME})
    assert released.exit_code == 0, released.stderr
    cards.write_text(original.replace("What was IPT first developed to treat?", "Who wrote the 2017 guide?"))

    result = run_cli("build", cwd=project, env={"SOURCE_DATE_EPOCH": "1764001200"})

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "cards/course.yaml:14:9: card id 'first-use' belonged to a card removed in an earlier release, "
        "which students still have: give this card a new id; to release it anyway, run with --allow-id-reuse"
    )


CLOZE_CARD = "  - id: founders-cloze\n    kind: cloze\n    text: '{{c1::Klerman}} and {{c2::Weissman}} founded IPT.'\n"


@pytest.mark.parametrize("change,refused", [
    (("{{c1::Klerman}} and {{c2::Weissman}}", "{{c2::Klerman}} and {{c1::Weissman}}"), True),
    (("{{c1::Klerman}} and {{c2::Weissman}}", "{{c1::Klerman}} and Weissman"), True),
    (("{{c1::Klerman}} and {{c2::Weissman}}", "{{c1::Gerald Klerman}} and {{c2::Weissman}}"), False),
    (("{{c1::Klerman}} and {{c2::Weissman}}", "{{c1::Klerman}} and {{c2::Weissman}}, {{c3::1970s}},"), False),
])
def test_cloze_deletions_may_grow_or_change_in_place_but_not_move(change, refused, tmp_path, run_cli):
    project = make_project(tmp_path / "project", RELEASE / "v1")
    cards = project / "cards" / "course.yaml"
    cards.write_text(cards.read_text() + CLOZE_CARD)
    assert run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": V1_TIME}).exit_code == 0
    replace_in_file(cards, *change)

    result = run_cli("build", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME})

    assert result.exit_code == (1 if refused else 0), result.stderr
    if refused:
        assert result.stderr.splitlines()[0].endswith(
            "cloze card 'founders-cloze' had deletions removed or renumbered: students' reviews belong to "
            "deletion numbers (c1, c2, ...), so they would move to other deletions. Only add new numbers, or "
            "edit a deletion in place; to release it anyway, run with --allow-renumbering")


HARMLESS = {
    "list item edited in place": ("items: [Initial, Middle, Termination]", "items: [Initial, Middle, Ending]"),
    "list item appended": ("items: [Initial, Middle, Termination]", "items: [Initial, Middle, Termination, Follow-up]"),
    "subdeck key renamed, name kept": ("subdeck: first", "subdeck: intro"),
}


@pytest.mark.parametrize("change", HARMLESS)
def test_harmless_changes_are_not_refused(change, tmp_path, run_cli):
    project = make_project(tmp_path / "project", RELEASE / "v1")
    assert run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": V1_TIME}).exit_code == 0
    replace_in_file(project / "cards" / "course.yaml", *HARMLESS[change])
    if change == "subdeck key renamed, name kept":
        replace_in_file(project / "cards" / "deck.yaml", "first: First", "intro: First")

    result = run_cli("build", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME})

    assert result.exit_code == 0, result.stderr


def test_a_list_with_a_repeated_item_rebuilds(tmp_path, run_cli):
    project = make_project(tmp_path / "project", RELEASE / "v1")
    replace_in_file(project / "cards" / "course.yaml",
                    "items: [Initial, Middle, Termination]", "items: [Initial, Middle, Initial]")
    assert run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": V1_TIME}).exit_code == 0

    assert run_cli("build", "--frozen", cwd=project).exit_code == 0
    replace_in_file(project / "cards" / "course.yaml",
                    "items: [Initial, Middle, Initial]", "items: [Initial, Middle, Initial, End]")
    assert run_cli("build", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME}).exit_code == 0


def test_a_hand_damaged_lock_file_is_reported_not_a_traceback(tmp_path, run_cli):
    project = make_project(tmp_path / "project", RELEASE / "v1")
    assert run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": V1_TIME}).exit_code == 0
    replace_in_file(project / "cards" / "deck.lock", '"added": 1764000000', '"added": null')

    result = run_cli("build", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME})

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "cards/deck.lock:84:1: the lock file is damaged: 'added' should be a whole number, is null; restore it "
        "from git, never edit it by hand"
    )


def test_ci_can_tell_a_release_from_the_base_branch_from_one_with_a_regenerated_lock(tmp_path, run_cli):
    project = make_project(tmp_path / "project", RELEASE / "v1")
    assert run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": V1_TIME}).exit_code == 0
    base = tmp_path / "base.lock"
    shutil.copy(project / "cards" / "deck.lock", base)
    shutil.copytree(RELEASE / "v2", project, dirs_exist_ok=True)
    assert run_cli("release", "1.1.0", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME}).exit_code == 0

    assert run_cli("check", "--lock-base", str(base), cwd=project).exit_code == 0

    (project / "cards" / "deck.lock").unlink()
    replace_in_file(project / "cards" / "deck.yaml", "id: 1700000000001", "id: 1700000000999")
    assert run_cli("release", "1.2.0", cwd=project, env={"SOURCE_DATE_EPOCH": "1764001200"}).exit_code == 0
    result = run_cli("check", "--lock-base", str(base), cwd=project)

    assert result.exit_code == 1
    restore = "; restore cards/deck.lock from the base branch and release again"
    assert result.stderr.splitlines() == [
        "cards/deck.lock:4:1: deck id changed from 1700000000001 to 1700000000999: students' Anki knows every "
        "card by an identity made from it, so every card would arrive twice; restore id: 1700000000001; restore "
        "cards/deck.lock from the base branch",
        f"cards/deck.lock:4:1: the lock's releases are not those of the base branch followed by new ones{restore}",
        *(f"cards/deck.lock:{line}:1: note type '{kind}' has a time in the lock that no release gave it{restore}"
          for line, kind in ((14, "basic"), (30, "cloze"), (45, "list"), (61, "reverse"))),
        *(f"cards/deck.lock:{line}:1: card '{card}' has another 'added' time in the lock{restore}"
          for line, card in enumerate(("first-use", "founded-when", "founders", "phases", "role-transition",
                                       "session-hours"), start=84)),
        "12 problems found; nothing was written",
    ]


def test_two_releases_from_one_commit_and_a_frozen_rebuild_give_one_sha256(tmp_path, run_cli):
    packages = []
    for folder in ("one", "two"):
        project = make_project(tmp_path / folder, RELEASE / "v1")
        assert run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": V1_TIME}).exit_code == 0
        shutil.copytree(RELEASE / "v2", project, dirs_exist_ok=True)  # the same commit, in two clones
        assert run_cli("release", "1.1.0", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME}).exit_code == 0
        packages.append((project / "build" / "test-1.1.0.apkg").read_bytes())
    project = tmp_path / "one"
    (project / "build" / "test-1.1.0.apkg").unlink()
    assert run_cli("build", "--frozen", cwd=project, env={"SOURCE_DATE_EPOCH": "1999999999"}).exit_code == 0
    packages.append((project / "build" / "test-1.1.0.apkg").read_bytes())

    assert len({hashlib.sha256(package).hexdigest() for package in packages}) == 1


def test_a_build_after_a_release_leaves_the_releases_package_as_it_is(tmp_path, run_cli):
    """Students have build/test-1.0.0.apkg; a build of cards changed since must not overwrite it, or
    `diff` and `preview --since` would compare the changes with themselves."""
    project = make_project(tmp_path / "project", RELEASE / "v1")
    assert run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": V1_TIME}).exit_code == 0
    released = (project / "build" / "test-1.0.0.apkg").read_bytes()
    card_file = project / "cards" / "course.yaml"
    unchanged = run_cli("build", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME})
    replace_in_file(card_file, "  - id:", "  - id: added\n    kind: basic\n    question: New?\n    answer: Yes\n"
                                          "  - id:", count=1)

    changed = run_cli("build", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME})

    assert unchanged.stdout.startswith(f"wrote {Path('build') / 'test-1.0.0.apkg'}:")
    assert changed.exit_code == 0, changed.stderr
    assert changed.stdout.splitlines()[0].startswith(f"wrote {Path('build') / 'test-1.0.0-unreleased.apkg'}:")
    assert changed.stdout.splitlines()[1] == (
        "the cards differ from release 1.0.0, whose package this build leaves as it is: 'deckgen release VERSION' "
        "makes the next release")
    assert (project / "build" / "test-1.0.0.apkg").read_bytes() == released


def test_release_names_the_files_to_commit_as_it_wrote_them(tmp_path, run_cli):
    """README.md is named only when it holds the coverage table's markers, which the release fills."""
    project = make_project(tmp_path / "project", RELEASE / "v1")
    without = run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": V1_TIME})
    (project / "README.md").write_text("# Course\n\n<!-- deckgen stats: start -->\n<!-- deckgen stats: end -->\n")
    replace_in_file(project / "cards" / "course.yaml", "Klerman and Weisman", "Klerman and Weissman")
    with_readme = run_cli("release", "1.0.1", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME})

    assert without.stdout.splitlines()[-1] == "commit cards/deck.lock and cards/deck.yaml, then tag the commit v1.0.0"
    assert with_readme.stdout.splitlines()[-1] == (
        "commit cards/deck.lock, cards/deck.yaml and README.md, then tag the commit v1.0.1")
