"""`deckgen lint`: card-quality findings with location, rule code and fix. (The IPT deck lints clean: test_deck.py.)"""

from __future__ import annotations

import re

import pytest
from conftest import FIXTURES, make_project
from helpers import add_picture_card, replace_in_file

from deckgen.authoring.lint import RULES, _is_enumeration


def test_one_violation_per_rule_gives_each_exact_finding(tmp_path, run_cli):
    project = make_project(tmp_path / "project", FIXTURES / "lint")
    expected = (FIXTURES / "lint" / "expected.txt").read_text()

    result = run_cli("lint", cwd=project)

    assert result.stdout == expected
    assert result.exit_code == 1


def test_the_fixture_covers_every_rule():
    expected = (FIXTURES / "lint" / "expected.txt").read_text()
    codes = re.findall(r": (?:error|warning) (L\d{3}) ", expected)
    assert sorted(codes) == [rule.code for rule in RULES]


def test_warnings_fail_only_with_strict(tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    (project / "cards" / "long.yaml").write_text(
        "subdeck: first\ncards:\n  - id: long\n    kind: list\n    question: Which numbers?\n"
        f"    items: [{', '.join(str(n) for n in range(1, 11))}]\n    source: weissman2017\n"
    )

    assert run_cli("lint", cwd=project).exit_code == 0
    strict = run_cli("lint", "--strict", cwd=project)
    assert strict.exit_code == 1
    assert strict.stdout.endswith("0 errors, 1 warning\n")


def test_lint_stops_at_invalid_cards_like_check(tmp_path, run_cli):
    project = make_project(tmp_path / "project", FIXTURES / "invalid" / "unknown-key")

    result = run_cli("lint", cwd=project)

    assert result.exit_code == 1
    assert result.stderr.startswith("cards/bad.yaml:6:5: unknown key 'anwser' (did you mean 'answer'?)\n")


@pytest.mark.parametrize(
    "answer,is_set",
    [
        ("Meyer, Sullivan and Bowlby", True),
        ("Grief, role disputes, role transitions", True),
        ("- grief\n- role disputes", True),
        ("Klerman and Weissman", False),
        ("Control of mood, and day-to-day functioning", False),
        ("One, or at most **two**", False),
        ("The 1970s", False),
    ],
)
def test_an_answer_is_a_set_when_it_lists_three_or_more_things(answer, is_set):
    assert _is_enumeration(answer) is is_set


def test_a_code_block_in_an_answer_does_not_count_towards_its_length(tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    (project / "cards" / "code.yaml").write_text(
        "subdeck: first\ncards:\n  - id: code\n    kind: basic\n    question: How is a sum of squares written?\n"
        "    answer: |-\n      In Python, with a generator:\n      ```python\n"
        "      def sum_of_squares(values):\n          return sum(value ** 2 for value in values if value is not None)\n"
        "      ```\n    source: weissman2017\n"
        "  - id: prose\n    kind: basic\n    question: What is a sum of squares?\n"
        "    answer: The sum you get when you square every value of the list and add all of them up\n"
        "    source: weissman2017\n"
    )

    result = run_cli("lint", "--strict", cwd=project)

    assert result.stdout == (
        "cards/code.yaml:16:13: error L001 long-answer: answer has 18 words (limit 15): keep the fact, "
        "move the explanation into 'extra'\n1 error, 0 warnings\n")


def test_an_image_the_card_lists_is_no_dropped_markup(tmp_path, run_cli):
    """The renderer keeps a listed image; lint's L007 must not call it dropped (check --strict passes it)."""
    project = make_project(tmp_path / "project")
    add_picture_card(project)
    replace_in_file(project / "cards" / "pictures.yaml", "    media: [phases.png]\n",
                    "    media: [phases.png]\n    source: weissman2017\n")

    result = run_cli("lint", "--strict", cwd=project)

    assert "L007" not in result.stdout, result.stdout
    assert result.exit_code == 0, result.stdout


def test_a_declared_note_type_is_not_asked_for_a_source_it_cannot_have(tmp_path, run_cli):
    project = make_project(tmp_path / "project", FIXTURES / "pharmacology")

    result = run_cli("lint", cwd=project)

    assert "L004" not in result.stdout, result.stdout
