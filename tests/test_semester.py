"""A student's semester with a small IPT course (a fixture project of three subdecks), in the official
`anki` package: three releases, imported with the options the README names, and everything a
student has kept across them."""

from __future__ import annotations

import time

import pytest
from anki.collection import Collection
from anki.scheduler.v3 import CardAnswer
from anki_client import answer_card, import_package, scheduling_of
from conftest import FIXTURES, make_project
from helpers import replace_in_file

from deckgen.commands.pipeline import check

# Versions 91 to 93: releases of the fixture course.
RETIRED_TAG = "ipt::retired"
CORRECTED, EDITED, RETIRED = "founders-decade", "founders-bowlby", "founders-meyer"


def _card_block(project, card_id: str) -> tuple:
    """The card file holding `card_id`, and its block of lines."""
    for path in sorted((project / "cards").glob("*.yaml")):
        text = path.read_text()
        start = text.find(f"  - id: {card_id}\n")
        if start >= 0:
            end = text.find("\n  - id: ", start + 1)
            return path, text[start: end if end >= 0 else len(text)]
    raise AssertionError(card_id)


def _note(collection: Collection, guid: str):
    [note_id] = collection.db.list("select id from notes where guid = ?", guid)
    return collection.get_note(note_id)


def _served(collection: Collection, limit: int = 20) -> list[int]:
    collection.decks.select(collection.decks.id_for_name("IPT"))
    return [queued.card.id for queued in collection.sched.get_queued_cards(fetch_limit=limit).cards]


def _course_order(project) -> list[str]:
    """Card ids in course order: subdecks as deck.yaml lists them, then as the card files hold them
    (retired cards are not studied)."""
    return [note.card_id for note in check(project).deck.notes if not note.deck.endswith("::Retired")]


@pytest.fixture
def semester(tmp_path, run_cli):
    project = make_project(tmp_path / "ipt", FIXTURES / "semester")
    released = run_cli("release", "91.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": str(int(time.time()))})
    assert released.exit_code == 0, released.stderr
    (tmp_path / "v1.apkg").write_bytes((project / "build" / "ipt-91.0.0.apkg").read_bytes())
    return project


def _student(tmp_path, name: str) -> Collection:
    (tmp_path / name).mkdir()
    return Collection(str(tmp_path / name / "collection.anki2"))


def test_a_semester_of_three_releases(semester, tmp_path, run_cli):
    project, v1 = semester, tmp_path / "v1.apkg"
    student = _student(tmp_path, "student")
    guids = {note.card_id: note.guid for note in check(project).deck.notes}

    # Release 1.0.0, imported with the README's options: new cards come in course order.
    import_package(student, v1, presets=True)
    served = [student.get_card(card_id).note().guid for card_id in _served(student)]
    assert served == [guids[card_id] for card_id in _course_order(project)[:20]]
    assert student.decks.name(student.get_card(_served(student)[0]).did) == "IPT::Founders and history"

    # The student studies and edits two notes.
    studied = _served(student, 6)
    for card_id in studied:
        answer_card(student, card_id, CardAnswer.GOOD)
    for card_id, extra in ((CORRECTED, "my note on the decade"), (EDITED, "my note on Bowlby")):
        note = _note(student, guids[card_id])
        note["Extra"] = extra
        student.update_note(note)
    schedule = {card_id: scheduling_of(student, card_id) for card_id in student.find_cards("")}
    notes_before = student.note_count()

    # Between releases the educator corrects a card, adds a draft, renames it, building each time.
    path, block = _card_block(project, CORRECTED)
    replace_in_file(path, block, block.replace("answer:", "answer: In the", 1), count=1)
    assert run_cli("build", cwd=project).exit_code == 0
    drafts = project / "cards" / "founders.yaml"
    drafts.write_text(drafts.read_text() + "  - id: founders-draft\n    kind: basic\n    question: Who co-founded "
                      "IPT with Klerman?\n    answer: Myrna Weissman\n    source: weissman2017\n")
    assert run_cli("build", cwd=project).exit_code == 0
    replace_in_file(drafts, "id: founders-draft", "id: founders-cofounder", count=1)
    assert run_cli("build", cwd=project).exit_code == 0
    # Release 2.0.0 retires a card; it is stamped later than the student's edits.
    path, block = _card_block(project, RETIRED)
    replace_in_file(path, block, block.replace("    kind: basic\n", "    kind: basic\n    retired: true\n", 1), count=1)
    later = str(int(time.time()) + 3600)
    assert run_cli("release", "92.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": later}).exit_code == 0

    log = import_package(student, project / "build" / "ipt-92.0.0.apkg", presets=True)

    assert "In the" in _note(student, guids[CORRECTED])["Answer"]  # the correction reached them
    assert _note(student, guids[EDITED])["Extra"] == "my note on Bowlby"  # their own edit survived
    assert {card_id: scheduling_of(student, card_id) for card_id in schedule} == schedule
    assert len(log.new) == 1 and student.note_count() == notes_before + 1
    retired = _note(student, guids[RETIRED])
    assert RETIRED_TAG in retired.tags and "Retired: this card is no longer part" in retired["Question"]

    # The student deletes the retired cards, as the README says; release 3.0.0 brings them back
    # only into the retired subdeck, whose preset shows none of them.
    student.remove_notes(student.find_notes(f"tag:{RETIRED_TAG}"))
    path, block = _card_block(project, EDITED)
    replace_in_file(path, block, block.replace("answer:", "answer: John", 1), count=1)
    even_later = str(int(time.time()) + 7200)
    assert run_cli("release", "93.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": even_later}).exit_code == 0

    import_package(student, project / "build" / "ipt-93.0.0.apkg", presets=True)

    returned = _note(student, guids[RETIRED])
    assert {student.decks.name(card.did) for card in returned.cards()} == {"IPT::Retired"}
    served = set(_served(student, 500))
    assert served and not served & {card.id for card in returned.cards()}
    student.close()

    # A second student who skipped 2.0.0 learns from 3.0.0 that the card is retired.
    second = _student(tmp_path, "second")
    import_package(second, v1, presets=True)
    import_package(second, project / "build" / "ipt-93.0.0.apkg", presets=True)
    kept = _note(second, guids[RETIRED])
    assert RETIRED_TAG in kept.tags and "Retired: this card is no longer part" in kept["Question"]
    second.close()


def test_without_the_presets_new_cards_still_come_in_course_order_within_each_subdeck(semester, tmp_path):
    project, v1 = semester, tmp_path / "v1.apkg"
    student = _student(tmp_path, "student")
    guids = {note.card_id: note.guid for note in check(project).deck.notes}
    subdecks = {note.card_id: note.deck for note in check(project).deck.notes}

    import_package(student, v1, presets=False)

    served = [student.get_card(card_id) for card_id in _served(student)]
    # Anki's default gathers subdeck by subdeck, alphabetically: "Applications" comes first, but
    # within it the cards keep the course's order.
    first_subdeck = student.decks.name(served[0].did)
    assert first_subdeck == "IPT::Applications"
    in_course = [guids[card_id] for card_id in _course_order(project) if subdecks[card_id] == first_subdeck]
    # (Without the preset, siblings are not buried: a list card's items come one after another.)
    got = list(dict.fromkeys(card.note().guid for card in served if student.decks.name(card.did) == first_subdeck))
    assert len(got) > 3 and got == in_course[: len(got)]
    student.close()
