"""The typed kind: the student types the answer, and Anki compares it with the card's answer."""

from __future__ import annotations

import pytest
from anki_client import import_package, strip_style, typed_right
from conftest import make_project
from helpers import add_typed_note_type, replace_in_file

from deckgen.text.markup import to_html

TYPED_CARD = (
    "subdeck: first\ncards:\n  - id: bowlby\n    kind: typed\n    topic: Roots of IPT\n"
    "    question: Whose attachment theory is one of IPT's roots? Type the surname.\n"
    "    answer: Bowlby\n    extra: John Bowlby, a British psychiatrist.\n    source: weissman2017\n"
)


def _typed_project(tmp_path):
    project = make_project(tmp_path / "project")
    add_typed_note_type(project)
    (project / "cards" / "typed.yaml").write_text(TYPED_CARD)
    return project


def test_a_typed_card_imports_into_anki_with_the_type_in_box(tmp_path, run_cli, student):
    project = _typed_project(tmp_path)
    assert run_cli("build", "--strict", cwd=project).exit_code == 0

    import_package(student, project / "build" / "test-1.0.0.apkg")

    [card_id] = student.find_cards("")
    card = student.get_card(card_id)
    assert card.note_type()["name"] == "Test typed (deckgen)"
    assert [field["name"] for field in card.note_type()["flds"]] == [
        "Question", "Answer", "Extra", "Topic", "Source", "Reference"]
    front, back = strip_style(card.question()), strip_style(card.answer())
    # [[type:Answer]] is where Anki's reviewer puts its box on the front, and on the back what the
    # student typed compared with the answer (the library renders the marker; the reviewer the box).
    assert '<div class="typed">[[type:Answer]]</div>' in front
    assert '<div class="typed">[[type:Answer]]</div>' in back and "Bowlby" not in front
    assert "John Bowlby, a British psychiatrist." in back


def test_a_deck_that_uses_no_typed_card_needs_no_typed_id(tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    (project / "cards" / "one.yaml").write_text(
        "subdeck: first\ncards:\n  - id: one\n    kind: basic\n    question: Who?\n    answer: Klerman\n")

    assert run_cli("build", cwd=project).exit_code == 0


def test_the_preview_shows_the_box_on_the_front_and_the_answer_on_the_back(tmp_path, run_cli):
    project = _typed_project(tmp_path)

    assert run_cli("preview", cwd=project).exit_code == 0

    page = (project / "build" / "preview.html").read_text()
    assert '<div class="typed"><input type="text" id="typeans" placeholder="type the answer" disabled></div>' in page
    assert '<div class="typed"><code id="typeans">Bowlby</code></div>' in page


def test_deckgen_new_writes_a_typed_skeleton(tmp_path, run_cli):
    project = _typed_project(tmp_path)

    result = run_cli("new", "typed", "--subdeck", "second", cwd=project)

    assert result.exit_code == 0, result.stderr
    assert (project / "cards" / "second.yaml").read_text() == (
        "subdeck: second\ncards:\n"
        "  - id: second-new-1  # rename it to say what the card asks, before its first release\n"
        "    kind: typed\n    question:\n    answer:\n    # source:  # optional: remove the first '# ' to write it\n"
    )


ONE_LINE = (
    "a typed answer must be one line: Anki gives the student a one-line box and compares what they type with "
    "the whole answer, its lines joined by spaces; put the answer on one line (move the explanation into 'extra'), "
    "or make it a basic card"
)


@pytest.mark.parametrize("answer", [
    "|-\n      Impasse\n      (the dispute has stalled)",  # a newline: our Markdown makes it a <br>
    "Impasse<br>stalled",
    "\"Impasse <BR/> stalled\"",
])
def test_check_refuses_a_typed_answer_of_more_than_one_line(tmp_path, run_cli, answer):
    """Both readers: the fast one hands the card to the careful one, which says where and why."""
    project = _typed_project(tmp_path)
    replace_in_file(project / "cards" / "typed.yaml", "    answer: Bowlby\n", f"    answer: {answer}\n")

    result = run_cli("check", cwd=project)

    assert result.exit_code == 1
    assert result.stderr == f"cards/typed.yaml:7:13: {ONE_LINE}\n1 problem found; nothing was written\n"


@pytest.mark.parametrize("answer", [
    ">-\n      Bowlby\n      and Ainsworth",  # folded: one line
    "|\n      Bowlby\n",  # a literal block's closing line break is no second line
    "Bowlby and <sub>Ainsworth</sub>",
    "Bowlby<br>",  # Anki trims what stands around the answer
])
def test_a_typed_answer_on_one_line_passes_check(tmp_path, run_cli, answer):
    project = _typed_project(tmp_path)
    replace_in_file(project / "cards" / "typed.yaml", "    answer: Bowlby\n", f"    answer: {answer}\n")

    result = run_cli("check", "--strict", cwd=project)

    assert result.exit_code == 0, result.stderr


def test_anki_compares_a_typed_answer_of_two_lines_as_one_line_joined_by_a_space(student):
    """Why check refuses such answers: the box takes one line, and the answer's lines, as our build
    writes them (a <br>), are joined by a space; a student typing the first line is marked wrong."""
    field = to_html("Impasse\n(the dispute has stalled)", None, "answer", {}).html
    assert field == "Impasse<br>\n(the dispute has stalled)"

    assert not typed_right(student, field, "Impasse")
    assert typed_right(student, field, "Impasse (the dispute has stalled)")
