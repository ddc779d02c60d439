"""Card positions (issue 18): assigned once, spaced to leave room, kept in the lock; a lock of format 2
keeps the positions its packages gave; a renumbering is refused unless allowed, and then
acknowledged, and CI refuses positions changed without it."""

from __future__ import annotations

import json
import re
import sqlite3
import zipfile
from pathlib import Path

import pytest
from anki_client import import_package
from conftest import FIXTURES, make_project

from deckgen.commands.pipeline import check
from deckgen.release.positions import CARD_GAP, MAX_POSITION, SUBDECK_GAP, NoRoom, assign, legacy_positions

COURSE = FIXTURES / "semester"
V1_TIME, V2_TIME = "1764000000", "1764000600"


# --- the numbering ------------------------------------------------------------------------------


def test_a_first_release_spaces_cards_and_wider_subdecks():
    course = [("a1", "a"), ("a2", "a"), ("b1", "b"), ("c1", "c")]

    assert assign(course, {}) == {"a1": CARD_GAP, "a2": 2 * CARD_GAP, "b1": 2 * CARD_GAP + SUBDECK_GAP,
                                  "c1": 2 * CARD_GAP + 2 * SUBDECK_GAP}


def test_added_cards_take_free_positions_between_their_neighbours_and_kept_ones_never_move():
    recorded = {"a1": 1000, "a2": 2000, "b1": 12000}
    course = [("a0", "a"), ("a1", "a"), ("a15", "a"), ("a2", "a"), ("a3", "a"), ("new1", "new"), ("b1", "b"),
              ("b2", "b"), ("z1", "z")]

    positions = assign(course, recorded)

    assert {card_id: positions[card_id] for card_id in recorded} == recorded
    # Before the first card and between two, spread over the room; a subdeck between two others as
    # well when the spacing of a first release does not fit; at the end, spaced.
    assert positions == {"a0": 499, "a1": 1000, "a15": 1500, "a2": 2000, "a3": 5333, "new1": 8666,
                         "b1": 12000, "b2": 13000, "z1": 23000}


def test_a_used_up_gap_is_no_room_naming_the_neighbours():
    course = [("a", "s"), ("b", "s"), ("c", "s")]

    with pytest.raises(NoRoom) as full:
        assign(course, {"a": 5, "c": 6})

    assert (full.value.card_id, full.value.after, full.value.before) == ("b", 5, 6)


def test_positions_stay_below_what_check_database_moves_and_off_removed_cards():
    positions = assign([(f"c{number}", "s") for number in range(1500)], {})
    assert max(positions.values()) <= MAX_POSITION and len(set(positions.values())) == 1500

    kept = assign([("a", "s"), ("b", "s"), ("c", "s")], {"a": 1000, "c": 3000}, occupied=[2000])
    assert kept["b"] == 1500


def test_a_lock_without_positions_gave_each_released_card_its_place_among_them():
    assert legacy_positions(["a", "new", "b", "c"], ["c", "a", "b"]) == {"a": 0, "b": 1, "c": 2}


# --- in the lock and the package --------------------------------------------------------------


def _dues(package: Path) -> dict[str, int]:
    """Each note's position (`due`) in a package, by GUID."""
    with zipfile.ZipFile(package) as archive:
        data = archive.read("collection.anki2")
    connection = sqlite3.connect(":memory:")
    connection.deserialize(data)
    try:
        return dict(connection.execute("SELECT n.guid, min(c.due) FROM cards c JOIN notes n ON n.id = c.nid "
                                       "GROUP BY n.id"))
    finally:
        connection.close()


def _lock(project: Path) -> dict:
    return json.loads((project / "cards" / "deck.lock").read_text())


def _as_format_2(project: Path) -> None:
    """The lock as a deckgen of lock format 2 wrote it: no positions, GUIDs or description."""
    lock = project / "cards" / "deck.lock"
    text = re.sub(r', "(position|guid|description)": ("[^"]*"|[0-9]+)', "", lock.read_text())
    text = re.sub(r'"description": "[^"]*", ', "", text)
    lock.write_text(text.replace('"format": 3,', '"format": 2,', 1))


def _card(card_id: str) -> str:
    return (f"  - id: {card_id}\n    kind: basic\n    question: {card_id}?\n    answer: An answer\n"
            "    source: weissman2017\n")


def _insert_in_the_first_subdeck(project: Path) -> Path:
    founders = project / "cards" / "founders.yaml"
    founders.write_text(founders.read_text().replace("  - id: founders-meyer\n", _card("founders-sullivan")
                                                     + "  - id: founders-meyer\n", 1))
    return founders


def _append_to_the_last_subdeck(project: Path) -> None:
    applications = project / "cards" / "applications.yaml"
    applications.write_text(applications.read_text() + _card("applications-last"))


@pytest.fixture
def released(tmp_path, run_cli):
    project = make_project(tmp_path / "course", COURSE)
    assert run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": V1_TIME}).exit_code == 0
    return project


def test_a_release_records_every_cards_position_and_the_package_carries_it(released):
    guids = {note.card_id: note.guid for note in check(released).deck.notes}
    recorded = {card_id: entry["position"] for card_id, entry in _lock(released)["cards"].items()}

    assert _lock(released)["format"] == 3
    assert [recorded[card_id] for card_id in guids] == [1000, 2000, 3000, 4000, 14000, 15000, 16000, 17000,
                                                        27000, 28000, 29000, 30000]
    assert _dues(released / "build" / "ipt-1.0.0.apkg") == {guids[card_id]: recorded[card_id] for card_id in guids}


def test_a_frozen_build_of_a_release_of_lock_format_2_keeps_its_positions(released, run_cli):
    _as_format_2(released)
    lock_before = (released / "cards" / "deck.lock").read_bytes()

    built = run_cli("build", "--frozen", cwd=released, env={"SOURCE_DATE_EPOCH": V2_TIME})

    assert built.exit_code == 0, built.stderr
    notes = check(released).deck.notes
    # What a deckgen of format 2 gave: each card's place in the course.
    assert _dues(released / "build" / "ipt-1.0.0.apkg") == {note.guid: place for place, note in enumerate(notes)}
    assert (released / "cards" / "deck.lock").read_bytes() == lock_before


def test_the_first_release_after_format_2_keeps_the_positions_students_have(released, run_cli):
    _as_format_2(released)
    _append_to_the_last_subdeck(released)

    done = run_cli("release", "1.1.0", cwd=released, env={"SOURCE_DATE_EPOCH": V2_TIME})

    assert done.exit_code == 0, done.stderr
    order = [note.card_id for note in check(released).deck.notes]
    cards = _lock(released)["cards"]
    assert [cards[card_id]["position"] for card_id in order] == list(range(12)) + [11 + CARD_GAP]


def test_a_card_with_no_room_left_is_refused_then_renumbered_with_its_flag(released, run_cli, tmp_path):
    _as_format_2(released)
    founders = _insert_in_the_first_subdeck(released)

    refused = run_cli("release", "1.1.0", cwd=released, env={"SOURCE_DATE_EPOCH": V2_TIME})

    line = founders.read_text().splitlines().index("  - id: founders-sullivan") + 1
    assert refused.exit_code == 1
    assert refused.stderr.splitlines() == [
        f"cards/founders.yaml:{line}:9: card 'founders-sullivan' has no free position left in students' new-card "
        "queue between its neighbours' (1 and 2) (releases before deckgen recorded positions numbered the cards "
        "without gaps), so it cannot come in its place for students who have the deck: add it elsewhere in the "
        "course, or renumber every card's position (students who have the deck keep the positions they have, so "
        "the cards added from this release on come after all of theirs); to release it anyway, run with "
        "--allow-repositioning",
        "1 problem found; nothing was written",
    ]

    done = run_cli("release", "1.1.0", "--allow-repositioning", cwd=released, env={"SOURCE_DATE_EPOCH": V2_TIME})

    assert done.exit_code == 0, done.stderr
    summary = "every card's position renumbered with room between them (the releases before numbered them without gaps)"
    assert f"warning: released a change that affects students: {summary}" in done.stderr
    assert _lock(released)["acknowledged"] == [
        {"version": "1.1.0", "flag": "--allow-repositioning", "subject": "positions", "change": summary}]
    order = [note.card_id for note in check(released).deck.notes]
    assert [_lock(released)["cards"][card_id]["position"] for card_id in order][:4] == [1000, 2000, 3000, 4000]


def test_a_maintainer_spaces_a_lock_of_format_2_before_educators_insert_cards(released, run_cli, tmp_path):
    """The IPT deck's way out of 0.2.0's gapless positions: acknowledged once, by a build with the flag;
    from then on a card inserted mid-course passes every check, and the next release spaces the cards."""
    _as_format_2(released)
    base = tmp_path / "base.lock"
    base.write_bytes((released / "cards" / "deck.lock").read_bytes())

    acknowledged = run_cli("build", "--allow-repositioning", cwd=released, env={"SOURCE_DATE_EPOCH": V2_TIME})

    assert acknowledged.exit_code == 0, acknowledged.stderr
    summary = "every card's position renumbered with room between them (the releases before numbered them without gaps)"
    assert acknowledged.stderr.splitlines() == [
        f"warning: the next release makes, on purpose, a change that affects students: {summary}"]
    assert _lock(released)["acknowledged"] == [
        {"version": "unreleased", "flag": "--allow-repositioning", "subject": "positions", "change": summary}]
    assert run_cli("check", "--strict", "--lock-base", str(base), cwd=released).exit_code == 0
    # Until that release, a build of the released cards keeps the positions students have.
    notes = check(released).deck.notes
    assert _dues(released / "build" / "ipt-1.0.0.apkg") == {note.guid: place for place, note in enumerate(notes)}
    _insert_in_the_first_subdeck(released)
    checked = run_cli("check", "--strict", "--lock-base", str(base), cwd=released)
    assert checked.exit_code == 0, checked.stderr

    done = run_cli("release", "1.1.0", cwd=released, env={"SOURCE_DATE_EPOCH": V2_TIME})

    assert done.exit_code == 0, done.stderr
    order = [note.card_id for note in check(released).deck.notes]
    assert order.index("founders-sullivan") == order.index("founders-meyer") - 1  # inserted before meyer
    assert [_lock(released)["cards"][card_id]["position"] for card_id in order][:4] == [1000, 2000, 3000, 4000]
    assert _lock(released)["acknowledged"][0]["version"] == "1.1.0"
    reviewed = run_cli("check", "--lock-base", str(base), cwd=released)
    assert reviewed.exit_code == 0, reviewed.stderr
    assert reviewed.stderr.startswith("warning: this change releases, on purpose, a change that affects students: "
                                      "the positions of 12 released cards changed")


def test_a_card_before_the_first_one_of_a_lock_of_format_2_is_refused(released, run_cli):
    _as_format_2(released)
    founders = released / "cards" / "founders.yaml"
    founders.write_text(founders.read_text().replace("cards:\n", "cards:\n" + _card("founders-first"), 1))

    refused = run_cli("check", cwd=released)

    assert refused.exit_code == 1
    assert ("card 'founders-first' has no free position left in students' new-card queue before the first card's "
            "position (0) (releases before") in refused.stderr


def test_students_of_a_renumbered_release_get_its_new_cards_after_theirs(released, run_cli, tmp_path, student):
    """What the README tells students who had the deck before a renumbering."""
    _as_format_2(released)
    built = run_cli("build", "--frozen", cwd=released, env={"SOURCE_DATE_EPOCH": V2_TIME})
    assert built.exit_code == 0
    first = tmp_path / "first.apkg"
    first.write_bytes((released / "build" / "ipt-1.0.0.apkg").read_bytes())
    _insert_in_the_first_subdeck(released)
    assert run_cli("release", "1.1.0", "--allow-repositioning", cwd=released,
                   env={"SOURCE_DATE_EPOCH": V2_TIME}).exit_code == 0

    import_package(student, first, presets=True)
    import_package(student, released / "build" / "ipt-1.1.0.apkg", presets=True)

    guids = {note.guid: note.card_id for note in check(released).deck.notes}
    positions = {guids[guid]: due for guid, due in student.db.all(
        "SELECT n.guid, min(c.due) FROM cards c JOIN notes n ON n.id = c.nid GROUP BY n.id")}
    assert max(position for card_id, position in positions.items() if card_id != "founders-sullivan") == 11
    assert positions["founders-sullivan"] > 11
    # The release notes tell them so.
    notes = run_cli("diff", str(first), str(released / "build" / "ipt-1.1.0.apkg"), cwd=released)
    assert notes.exit_code == 0
    assert ("- Positions renumbered: this release gives the cards new places in the course's order, but Anki keeps "
            "the places of the cards you already have, so the new cards of this release and of later ones come "
            "after all the cards you had (in course order among themselves). If you have not started studying the "
            "deck, delete it and import this release again to have the whole course in order.") in notes.stdout


def test_release_notes_say_nothing_of_positions_that_were_kept(released, run_cli, tmp_path):
    first = tmp_path / "first.apkg"
    first.write_bytes((released / "build" / "ipt-1.0.0.apkg").read_bytes())
    _insert_in_the_first_subdeck(released)
    assert run_cli("release", "1.1.0", cwd=released, env={"SOURCE_DATE_EPOCH": V2_TIME}).exit_code == 0

    notes = run_cli("diff", str(first), str(released / "build" / "ipt-1.1.0.apkg"), cwd=released)

    assert notes.exit_code == 0 and "founders-sullivan?" in notes.stdout
    assert "Positions renumbered" not in notes.stdout


def test_ci_refuses_a_release_whose_lock_moved_released_positions(released, run_cli, tmp_path):
    base = tmp_path / "base.lock"
    base.write_bytes((released / "cards" / "deck.lock").read_bytes())
    _append_to_the_last_subdeck(released)
    assert run_cli("release", "1.1.0", cwd=released, env={"SOURCE_DATE_EPOCH": V2_TIME}).exit_code == 0
    lock = released / "cards" / "deck.lock"
    lock.write_text(lock.read_text().replace('"position": 1000}', '"position": 1500}', 1))

    result = run_cli("check", "--lock-base", str(base), cwd=released)

    line = lock.read_text().splitlines().index('  "deck": {') + 1  # a change of the whole course
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"cards/deck.lock:{line}:1: the positions of 1 released card changed (first: card 'founders-who') since the "
        "base branch, but the lock does not acknowledge it: only a build or release with --allow-repositioning "
        "allows it, and records it for reviewers; restore cards/deck.lock from the base branch and release again",
        "1 problem found; nothing was written",
    ]


def test_ci_shows_an_acknowledged_renumbering(released, run_cli, tmp_path):
    _as_format_2(released)
    base = tmp_path / "base.lock"
    base.write_bytes((released / "cards" / "deck.lock").read_bytes())
    _insert_in_the_first_subdeck(released)
    assert run_cli("release", "1.1.0", "--allow-repositioning", cwd=released,
                   env={"SOURCE_DATE_EPOCH": V2_TIME}).exit_code == 0
    later = tmp_path / "later.lock"
    later.write_bytes((released / "cards" / "deck.lock").read_bytes())

    assert run_cli("check", "--lock-base", str(base), cwd=released).exit_code == 0
    # The next release keeps every position: nothing more to acknowledge.
    _append_to_the_last_subdeck(released)
    assert run_cli("release", "1.2.0", cwd=released, env={"SOURCE_DATE_EPOCH": "1764001200"}).exit_code == 0
    assert run_cli("check", "--lock-base", str(later), cwd=released).exit_code == 0
