"""The deck in the real Anki: the official `anki` package imports what `deckgen build` writes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import anki.collection  # noqa: F401  (first: anki.scheduler cannot be imported before it)
import yaml
from anki.scheduler.v3 import CardAnswer
from anki_client import answer_card, import_package, rendered_problems, scheduling_of
from conftest import copy_of_course, make_project
from helpers import PNG, add_picture_card, deck_names_with_cards, expected_from_yaml, uncited_cards


def test_a_course_imports_cleanly_into_real_anki(tmp_path, run_cli, student):
    collection = student
    project = copy_of_course(tmp_path / "ipt")
    result = run_cli("build", "--output", str(tmp_path / "out"), cwd=project)
    assert result.exit_code == 0, result.stderr
    package = tmp_path / "out" / "ipt-1.0.0.apkg"
    notes, cards, subdecks = expected_from_yaml(project)
    assert (notes, cards, len(subdecks)) == (90, 129, 6)  # the fixture's, by deckgen stats

    log = import_package(collection, package)

    assert (len(log.new), len(log.updated), len(log.conflicting), len(log.duplicate)) == (notes, 0, 0, 0)
    assert collection.note_count() == notes
    assert collection.card_count() == cards
    assert deck_names_with_cards(collection) == subdecks
    assert rendered_problems(collection) == []
    assert result.stdout.strip() == (
        f"wrote {package}: {notes} notes, {cards} cards, {len(subdecks)} subdecks, 0 media files"
    )


UPGRADE_CARDS = """\
subdeck: first
cards:
  - id: founders
    kind: basic
    question: Who founded IPT?
    answer: Klerman and Weisman
    source: weissman2017
  - id: founded-when
    kind: basic
    question: In which decade was IPT founded?
    answer: The 1970s
"""


def test_a_release_with_an_edited_answer_updates_the_note_in_place(tmp_path, run_cli, student):
    collection = student
    project = make_project(tmp_path / "project")
    card_file = project / "cards" / "founders.yaml"
    card_file.write_text(UPGRADE_CARDS)
    assert run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": "1764000000"}).exit_code == 0
    import_package(collection, project / "build" / "test-1.0.0.apkg")
    [note_id] = collection.find_notes('"Question:Who founded IPT?"')
    card_id = collection.get_note(note_id).card_ids()[0]
    answer_card(collection, card_id, CardAnswer.GOOD)
    answer_card(collection, card_id, CardAnswer.GOOD)
    before = scheduling_of(collection, card_id)
    assert len(before[-1]) == 2

    card_file.write_text(UPGRADE_CARDS.replace("Weisman", "Weissman"))
    assert run_cli("release", "1.0.1", cwd=project, env={"SOURCE_DATE_EPOCH": "1764000600"}).exit_code == 0
    log = import_package(collection, project / "build" / "test-1.0.1.apkg")

    # The unchanged card kept its time, so Anki leaves it alone (its log calls that a duplicate).
    assert (len(log.new), len(log.updated), len(log.duplicate), len(log.conflicting)) == (0, 1, 1, 0)
    assert collection.note_count() == 2
    assert collection.get_note(note_id)["Answer"] == "Klerman and Weissman"
    assert scheduling_of(collection, card_id) == before


def test_media_reach_the_student_under_content_addressed_names(tmp_path, run_cli, student):
    collection = student
    project = make_project(tmp_path / "project")
    add_picture_card(project)
    assert run_cli("build", cwd=project).exit_code == 0

    import_package(collection, project / "build" / "test-1.0.0.apkg")

    [note_id] = collection.find_notes("")
    stored = sorted(Path(collection.media.dir()).iterdir())
    assert [path.name for path in stored] == [f"phases-{hashlib.sha256(PNG).hexdigest()[:16]}.png"]
    assert stored[0].read_bytes() == PNG
    assert f'<img src="{stored[0].name}" alt="diagram">' in collection.get_note(note_id)["Question"]


def test_every_subdeck_of_a_course_has_cards_and_every_card_cites_its_source(tmp_path, run_cli, student):
    collection = student
    project = copy_of_course(tmp_path / "ipt")
    assert run_cli("build", cwd=project).exit_code == 0
    settings = yaml.safe_load((project / "cards" / "deck.yaml").read_text())
    import_package(collection, project / "build" / "ipt-1.0.0.apkg")

    assert deck_names_with_cards(collection) == {f"IPT::{name}" for name in settings["subdecks"].values()} | {
        "IPT::Retired"}
    assert uncited_cards(collection) == []


def test_a_courses_typed_cards_show_ankis_type_in_marker(tmp_path, run_cli, student):
    project = copy_of_course(tmp_path / "ipt")
    assert run_cli("build", cwd=project).exit_code == 0
    import_package(student, project / "build" / "ipt-1.0.0.apkg")

    typed = [student.get_card(card_id) for card_id in student.find_cards('"note:IPT typed (deckgen)"')]

    assert len(typed) >= 1
    # Anki's library writes [[type:Answer]] where its reviewer puts the type-in box (test_reviewer.py
    # shows the box itself in the real reviewer).
    assert all("[[type:Answer]]" in card.question() for card in typed)
