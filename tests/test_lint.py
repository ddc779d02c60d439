"""`deckgen lint`: card-quality findings with location, rule code and fix. (The IPT deck lints clean: test_deck.py.)"""

from __future__ import annotations

import re

import pytest
from anki_client import typed_right
from conftest import FIXTURES, make_project
from helpers import add_picture_card, add_typed_note_type, replace_in_file

from deckgen.authoring.lint import RULES, _is_enumeration
from deckgen.authoring.wording import citation_only_cue, common_word, common_words
from deckgen.text.markup import to_html


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


def _card_file(project, *cards: str) -> None:
    """Cards of subdeck 'first', each a YAML mapping's lines after '- ' (indented by four)."""
    (project / "cards" / "cards.yaml").write_text("subdeck: first\ncards:\n" + "".join(f"  - {card}" for card in cards))


def _extra_of(words: int, question: str = "What does IPT focus on?") -> str:
    return (f"id: e{words}\n    kind: basic\n    question: {question}\n    answer: Current relationships\n"
            f"    extra: {' '.join(['word'] * words)}\n    source: weissman2017\n")


def test_an_extra_of_forty_words_passes_and_one_more_warns(tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    _card_file(project, _extra_of(40), _extra_of(41, "Which problem areas does IPT know?"))

    result = run_cli("lint", "--strict", cwd=project)

    assert result.stdout == (
        "cards/cards.yaml:13:12: warning L012 long-extra: extra has 41 words (limit 40): keep what explains the "
        "answer, leave the rest to the source or to cards of its own\n0 errors, 1 warning\n")
    assert result.exit_code == 1  # a warning: it fails with --strict only
    assert run_cli("lint", cwd=project).exit_code == 0


def test_the_extra_limit_is_a_lint_setting_of_at_least_one(tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    _card_file(project, _extra_of(41))
    (project / "cards" / "deck.yaml").write_text(
        (project / "cards" / "deck.yaml").read_text() + "lint:\n  max_extra_words: 50\n")
    assert run_cli("lint", "--strict", cwd=project).exit_code == 0

    replace_in_file(project / "cards" / "deck.yaml", "max_extra_words: 50", "max_extra_words: 0")
    result = run_cli("lint", cwd=project)

    assert result.exit_code == 1
    assert result.stderr.startswith("cards/deck.yaml:15:20: 'max_extra_words' must be at least 1\n")


@pytest.mark.parametrize("question", [
    "Asrat et al. (2020) adapted whose manual?",
    "For which population did Asrat et al. (2020) study how to adapt IPT?",  # IPT: the deck's own name
    "What did Weissman (2017) find?",
    "What did O'Hara et al.'s (2019) trial show?",
    "Who wrote the manual that Klerman and Weissman (1984) published?",
    "What did the review conclude (Cuijpers et al., 2016)?",
    "What did van der Kolk (2014) say?",
])
def test_a_question_whose_only_cue_is_a_citation_is_found(question):
    assert citation_only_cue(question, {"ipt", "interpersonal", "psychotherapy"}) is not None


@pytest.mark.parametrize("question,deck_words", [
    ("Which antidepressant did O'Hara et al. (2019) compare with IPT for postpartum depression?", {"ipt"}),
    ("For which patients did Xu and Koszycki (2020) propose IPT in China?", {"ipt"}),
    ("Asrat et al. (2020) adapted whose IPT manual?", set()),  # a deck not about IPT: IPT names a subject
    ("What did Weissman find?", {"ipt"}),  # no year: no citation
    ("Which conditions has IPT been adapted for?", {"ipt"}),
    ("Which book did Frank publish in 1961?", {"ipt"}),
])
def test_a_question_that_names_a_subject_besides_its_citation_is_not(question, deck_words):
    assert citation_only_cue(question, deck_words) is None


@pytest.mark.parametrize("hidden,word", [
    ("the", "the"), ("has", "has"), (" The ", "The"), ("people,", "people"), ("don’t", "don’t"), ("upon", "upon"),
    ("impasse", None), ("lost", None), ("12–16", None), ("3", None), ("role disputes", None), ("the role", None),
])
def test_a_deletion_is_common_when_it_is_one_word_of_the_list_or_a_function_word(hidden, word):
    assert common_word(hidden) == word


def test_the_common_word_list_is_the_shipped_data():
    words = common_words()
    assert len(words) == 194 and {"the", "has", "people", "don't"} <= words
    assert not any(word.isdigit() for word in words)


def test_a_deletion_of_a_common_word_is_found_through_its_markup(tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    _card_file(project, "id: c\n    kind: cloze\n    text: IPT {{c1::**is**}} a therapy for {{c2::depression}}.\n"
                        "    source: weissman2017\n")

    result = run_cli("lint", "--strict", cwd=project)

    assert result.stdout == (
        "cards/cards.yaml:5:11: warning L014 common-word-deletion: '{{c1::**is**}}' hides only 'is', one of the most "
        "common English words: a student guesses it from the sentence instead of recalling anything; hide the "
        "term the card is about\n0 errors, 1 warning\n")


@pytest.mark.parametrize("answer,typed,code", [
    ("Impasse", "impasse", "L010"),
    ("it’s pointless.", "it's pointless", "L011"),
    ("café", "cafe", "L011"),
    ("12–16", "12-16", "L011"),
    ("impasse.", "impasse", "L011"),
])
def test_what_lint_says_of_a_typed_answer_is_how_anki_marks_it(tmp_path, run_cli, student, answer, typed, code):
    """Anki's own comparison marks the answer a student types wrong; lint says so and what they type,
    and the answer written that way passes both."""
    project = make_project(tmp_path / "project")
    add_typed_note_type(project)
    card = "id: {}\n    kind: typed\n    question: {}\n    answer: \"{}\"\n    source: weissman2017\n"
    _card_file(project, card.format("as-written", "Which stage has the dispute reached?", answer),
               card.format("as-typed", "What does the student type?", typed))

    result = run_cli("lint", "--strict", cwd=project)

    [finding, _] = result.stdout.splitlines()
    assert finding.startswith(f"cards/cards.yaml:6:13: warning {code} ") and f"'{typed}'" in finding
    field = to_html(answer, None, "answer", {}).html  # the Answer field as the build writes it
    assert not typed_right(student, field, typed)
    assert typed_right(student, to_html(typed, None, "answer", {}).html, typed)


@pytest.mark.parametrize("deck_name,flagged", [("IPT", True), ("Therapies", False)])
def test_the_deck_names_every_card_shows_are_no_cue(tmp_path, run_cli, deck_name, flagged):
    """In a deck called IPT, "IPT" tells a student nothing the deck's name has not; elsewhere it names a subject."""
    project = make_project(tmp_path / "project")
    replace_in_file(project / "cards" / "deck.yaml", "name: Test\n", f"name: {deck_name}\n")
    _card_file(project, "id: q\n    kind: basic\n    question: For which population did Asrat et al. (2020) study how "
                        "to adapt IPT?\n    answer: People living with HIV\n    source: weissman2017\n")

    result = run_cli("lint", "--strict", cwd=project)

    assert ("cards/cards.yaml:5:15: warning L013 citation-only-cue: the question's only cue is 'Asrat et al. (2020)'"
            in result.stdout) is flagged, result.stdout
