"""Deck options in deck.yaml (`options:`): carried in the course preset a package brings, read back from
the official `anki` package after an import with "Import deck presets"; every bad value a located error."""

from __future__ import annotations

import time

import pytest
from anki.collection import Collection
from anki_client import import_package
from conftest import make_project
from helpers import replace_in_file

from deckgen.commands.pipeline import check

CARDS = ("subdeck: first\ncards:\n"
         "  - id: one\n    kind: basic\n    question: First?\n    answer: One\n"
         "  - id: two\n    kind: basic\n    question: Second?\n    answer: Two\n")
OPTIONS = """options:
  new_per_day: 7
  reviews_per_day: 70
  learning_steps: 30s 15m 2h 1d
  relearning_steps: 20
  desired_retention: 0.85
  bury_new_siblings: false
  bury_review_siblings: false
  bury_interday_learning_siblings: true
"""


def _project(tmp_path, options: str = OPTIONS):
    project = make_project(tmp_path / "project")
    (project / "cards" / "one.yaml").write_text(CARDS)
    with (project / "cards" / "deck.yaml").open("a") as deck_yaml:
        deck_yaml.write(options)
    return project


def _course_preset(student: Collection) -> dict:
    deck = student.decks.by_name("Test::First")
    return student.decks.config_dict_for_deck_id(deck["id"])


def _released(project, run_cli, version: str, later: int = 0):
    when = str(int(time.time()) + later)
    result = run_cli("release", version, cwd=project, env={"SOURCE_DATE_EPOCH": when})
    assert result.exit_code == 0, result.stderr
    return project / "build" / f"test-{version}.apkg"


def test_each_option_reaches_the_students_preset_and_the_course_order_stays(tmp_path, run_cli, student):
    package = _released(_project(tmp_path), run_cli, "1.0.0")

    import_package(student, package, presets=True)

    preset = _course_preset(student)
    assert preset["name"] == "Test (course order)"
    assert (preset["new"]["perDay"], preset["rev"]["perDay"]) == (7, 70)
    assert preset["new"]["delays"] == pytest.approx([0.5, 15, 120, 1440])
    assert preset["lapse"]["delays"] == pytest.approx([20])
    assert preset["desiredRetention"] == pytest.approx(0.85)
    assert (preset["new"]["bury"], preset["rev"]["bury"], preset["buryInterdayLearning"]) == (False, False, True)
    # Course order: gathered by position, not sorted again by card template.
    assert (preset["newGatherPriority"], preset["newSortOrder"]) == (1, 1)


def test_options_left_out_keep_the_course_presets_defaults(tmp_path, run_cli, student):
    package = _released(_project(tmp_path, "options:\n  new_per_day: 3\n"), run_cli, "1.0.0")

    import_package(student, package, presets=True)

    preset = _course_preset(student)
    assert (preset["new"]["perDay"], preset["rev"]["perDay"]) == (3, 100)
    assert (preset["new"]["delays"], preset["lapse"]["delays"]) == ([1, 10], [10])
    assert (preset["new"]["bury"], preset["rev"]["bury"], preset["buryInterdayLearning"]) == (True, True, False)
    assert preset["desiredRetention"] == pytest.approx(0.9)


def test_changed_options_reach_a_student_who_imported_the_release_before(tmp_path, run_cli, student):
    project = _project(tmp_path, "options:\n  new_per_day: 5\n")
    import_package(student, _released(project, run_cli, "1.0.0"), presets=True)
    replace_in_file(project / "cards" / "deck.yaml", "new_per_day: 5", "new_per_day: 12")

    import_package(student, _released(project, run_cli, "1.1.0", later=60), presets=True)

    assert _course_preset(student)["new"]["perDay"] == 12


BAD_OPTIONS = {
    "a limit above Anki's": ("  new_per_day: 10000\n",
                             "cards/deck.yaml:15:16: 'new_per_day' must be a whole number from 0 to 9999, got 10000"),
    "a negative limit": ("  reviews_per_day: -1\n",
                         "cards/deck.yaml:15:20: 'reviews_per_day' must be a whole number from 0 to 9999, got -1"),
    "a step in an unknown unit": ("  learning_steps: 1m 10min\n",
                                  "cards/deck.yaml:15:19: 'learning_steps' has '10min', which is not a step: write "
                                  "steps as Anki's deck options do: whole numbers with s, m, h or d, separated by "
                                  "spaces, e.g. '1m 10m 1d'"),
    "a step of no length": ("  relearning_steps: 0m 10m\n",
                            "cards/deck.yaml:15:21: 'relearning_steps' has the step '0m', of no length: Anki would "
                            "drop it; remove it"),
    "a step longer than Anki keeps": ("  learning_steps: 30000d\n",
                                      "cards/deck.yaml:15:19: 'learning_steps' has the step '30000d', longer than "
                                      "Anki keeps a step (24855 days): shorten it"),
    "steps as a list": ("  learning_steps: [1m, 10m]\n",
                        "cards/deck.yaml:15:19: 'learning_steps' must be steps like '1m 10m 1d' (write steps as "
                        "Anki's deck options do: whole numbers with s, m, h or d, separated by spaces, e.g. "
                        "'1m 10m 1d'), got a list"),
    "a retention as a percentage": ("  desired_retention: 90%\n",
                                    "cards/deck.yaml:15:22: 'desired_retention' must be a decimal number from 0.70 "
                                    "to 0.99, the range Anki allows (0.90 is Anki's default), got text '90%'"),
    "a retention Anki refuses": ("  desired_retention: 0.5\n",
                                 "cards/deck.yaml:15:22: 'desired_retention' must be a decimal number from 0.70 to "
                                 "0.99, the range Anki allows (0.90 is Anki's default), got a number '0.5'"),
    "a bury rule as a word": ("  bury_new_siblings: often\n",
                              "cards/deck.yaml:15:22: 'bury_new_siblings' must be true or false, got text 'often'"),
    "a misspelt option": ("  new_cards_per_day: 10\n",
                          "cards/deck.yaml:15:3: unknown key 'new_cards_per_day' (did you mean 'new_per_day'?)"),
    "the FSRS switch": ("  fsrs: true\n",
                        "cards/deck.yaml:15:9: 'fsrs' cannot be set from deck.yaml: FSRS is switched on or off for "
                        "a student's whole collection (Deck options > FSRS), and an Anki package carries deck "
                        "presets, never that switch; remove 'fsrs', set 'desired_retention' (the preset carries "
                        "it, and Anki uses it once a student turns FSRS on) and tell students in the deck's "
                        "description whether to turn FSRS on"),
}


@pytest.mark.parametrize("case", BAD_OPTIONS)
def test_a_bad_option_is_a_located_error_saying_how_to_fix_it(case, tmp_path, run_cli):
    line, message = BAD_OPTIONS[case]
    project = _project(tmp_path, "options:\n" + line)

    result = run_cli("check", cwd=project)

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [message, "1 problem found; nothing was written"]


def test_options_as_something_else_than_a_mapping_is_a_located_error(tmp_path, run_cli):
    result = run_cli("check", cwd=_project(tmp_path, "options: fast\n"))

    assert result.stderr.splitlines()[0] == (
        "cards/deck.yaml:14:10: 'options' must be a mapping of keys to values, got text 'fast'")


def test_no_steps_are_written_as_an_empty_text(tmp_path):
    project = _project(tmp_path, "options:\n  learning_steps: ''\n  relearning_steps: 10m 1h\n")

    options = check(project).deck.options

    assert (options.learning_steps, options.relearning_steps) == ((), (10, 60))
