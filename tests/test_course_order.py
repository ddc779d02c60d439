"""Course order over a semester of releases, in the official `anki` package: new cards reach every
student subdeck by subdeck in course order, each added card in its place, whatever release the
student started from (issue 18)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from anki.collection import Collection
from anki.scheduler.v3 import CardAnswer
from anki_client import answer_card, import_package
from conftest import FIXTURES, make_project

from deckgen.commands.pipeline import check

COURSE = FIXTURES / "semester"


def _card(card_id: str, question: str) -> str:
    return (f"  - id: {card_id}\n    kind: basic\n    question: {question}\n    answer: An answer\n"
            "    source: weissman2017\n")


def _insert_before(path: Path, card_id: str, cards: str) -> None:
    text = path.read_text()
    marker = f"  - id: {card_id}\n"
    assert marker in text
    path.write_text(text.replace(marker, cards + marker, 1))


def _course_order(project: Path) -> list[str]:
    return [note.card_id for note in check(project).deck.notes]


def _new_queue(collection: Collection, deck: str = "IPT") -> list[str]:
    """The new cards Anki's scheduler gives the student, as their notes' GUIDs, in the order it gives them
    (limits raised, as for a student who studies the whole course in a day: the order is the point)."""
    collection.decks.select(collection.decks.id_for_name(deck))
    for child in collection.decks.all_names_and_ids():
        config = collection.decks.config_dict_for_deck_id(child.id)
        config["new"]["perDay"] = 9999
        config["rev"]["perDay"] = 9999
        collection.decks.update_config(config)
    queued = collection.sched.get_queued_cards(fetch_limit=1000).cards
    return [collection.get_card(item.card.id).note().guid for item in queued if item.card.queue == 0]


def _study(collection: Collection, count: int) -> None:
    """Answer the first new cards the scheduler gives, as a student does between releases."""
    for item in collection.sched.get_queued_cards(fetch_limit=count).cards[:count]:
        answer_card(collection, item.card.id, CardAnswer.GOOD)


def _student(folder: Path) -> Collection:
    folder.mkdir()
    return Collection(str(folder / "collection.anki2"))


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path / "course", COURSE)


@pytest.mark.slow
def test_a_semester_of_four_releases_keeps_new_cards_in_course_order(project, tmp_path, run_cli):
    start = int(time.time()) - 10 * 3600
    cards = project / "cards"

    def release(number: int) -> Path:
        version = f"{number}.0.0"
        done = run_cli("release", version, cwd=project, env={"SOURCE_DATE_EPOCH": str(start + number * 3600)})
        assert done.exit_code == 0, done.stderr
        return project / "build" / f"ipt-{version}.apkg"

    def ids(guids: list[str]) -> list[str]:  # readable in a failure
        card_ids = {note.guid: note.card_id for note in check(project).deck.notes}
        return [card_ids[guid] for guid in guids]

    def expected(studied: set[str]) -> list[str]:
        guids = {note.card_id: note.guid for note in check(project).deck.notes}
        return [card_id for card_id in _course_order(project) if guids[card_id] not in studied]

    def studied_in(collection: Collection) -> set[str]:
        return set(collection.db.list("select distinct n.guid from cards c join notes n on n.id = c.nid "
                                      "where c.queue != 0"))

    first = _student(tmp_path / "first")
    import_package(first, release(1), presets=True)
    assert ids(_new_queue(first)) == expected(set())
    _study(first, 2)

    # Release 2: a card in the middle of the first subdeck.
    _insert_before(cards / "founders.yaml", "founders-meyer", _card("founders-sullivan", "Who was Sullivan?"))
    import_package(first, release(2), presets=True)
    assert ids(_new_queue(first)) == expected(studied_in(first))
    _study(first, 1)

    # Release 3: a subdeck at the end of the course.
    settings = cards / "deck.yaml"
    settings.write_text(settings.read_text() + "  evidence: Evidence\n")
    (cards / "evidence.yaml").write_text("subdeck: evidence\ncards:\n" + _card("evidence-trials", "Trials?")
                                         + _card("evidence-reviews", "Reviews?"))
    third = release(3)
    import_package(first, third, presets=True)
    assert ids(_new_queue(first)) == expected(studied_in(first))
    _study(first, 2)
    later = _student(tmp_path / "later")  # a student who starts with release 3
    import_package(later, third, presets=True)
    _study(later, 1)

    # Release 4: five cards before the first one, and one at the end of the old last subdeck.
    _insert_before(cards / "founders.yaml", "founders-who",
                   "".join(_card(f"founders-early-{number}", f"Early question {number}?") for number in range(5)))
    applications = cards / "applications.yaml"
    applications.write_text(applications.read_text() + _card("applications-eating", "Eating disorders?"))
    fourth = release(4)
    for student in (first, later):
        import_package(student, fourth, presets=True)
        queue = ids(_new_queue(student))
        assert queue == expected(studied_in(student))
        subdecks = [student.decks.name(student.get_card(card_id).did)
                    for card_id in student.find_cards("is:new")]
        assert len(queue) > 10 and len(set(subdecks)) == 4
        student.close()
