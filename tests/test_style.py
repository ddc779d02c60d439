"""The deck's CSS (templates/style.css): code and table rules reach only decks whose cards use them,
name only classes the cards can hold, and have a night-mode colour for every day colour."""

from __future__ import annotations

import re

import pytest
from conftest import REPO, make_project

from deckgen.commands.pipeline import check
from deckgen.text.highlight import TOKEN_CLASSES

CODE = "```python\n      x = 1\n      ```"
TABLE = "| a | b |\n      |---|--:|\n      | 1 | 2 |"


def _css_with(tmp_path, answer: str | None) -> str:
    """The CSS of a deck of one card, whose answer is `answer` (or plain text)."""
    project = make_project(tmp_path / "project")
    (project / "cards" / "first.yaml").write_text(
        "subdeck: first\ncards:\n  - id: one\n    kind: basic\n    question: What?\n"
        f"    answer: |-\n      {answer or 'Plain text'}\n")
    return check(project).deck.note_types[0].css


@pytest.mark.parametrize("answer,code_rules,table_rules", [
    (None, False, False),
    (CODE, True, False),
    (TABLE, False, True),
    (f"{CODE}\n\n      {TABLE}", True, True),
])
def test_code_and_table_rules_reach_only_a_deck_that_uses_them(answer, code_rules, table_rules, tmp_path):
    css = _css_with(tmp_path, answer)

    assert ("\npre {" in css) == code_rules
    assert ("\ntable {" in css) == table_rules


def test_a_deck_without_code_or_tables_keeps_its_css_as_it_was_before_they_existed(tmp_path):
    # A changed CSS is a changed note type for every student, and `build --frozen` of a release
    # made before would no longer give its bytes.
    template = (REPO / "templates" / "style.css").read_text()
    before = template[:template.index("{% if markup.code_blocks %}")].strip()

    assert _css_with(tmp_path, None) == before.replace("{{ deck.title }}", "Test deck")


def _classes_under_pre(css: str) -> set[str]:
    return set(re.findall(r"\bpre \.([A-Za-z0-9_-]+)", css))


def test_every_class_the_code_rules_colour_is_one_pygments_writes(tmp_path):
    classes = _classes_under_pre(_css_with(tmp_path, CODE))

    assert len(classes) > 40
    assert classes - TOKEN_CLASSES == set()


def test_night_mode_sets_every_code_colour_the_day_sets(tmp_path):
    css = _css_with(tmp_path, CODE)
    day = css[css.index("\npre {"):]
    night = css[css.index(".nightMode pre, .night_mode pre {"):]

    day_variables = set(re.findall(r"(--code-[a-z]+):", day[:day.index("}")]))
    night_variables = set(re.findall(r"(--code-[a-z]+):", night[:night.index("}")]))
    assert len(day_variables) >= 10 and night_variables == day_variables
    assert not re.search(r"pre \.[a-z0-9]+[^{]*\{[^}]*#[0-9a-f]{3}", css), "a token colour outside the variables"
