"""Deck, subdeck and title names with '&' and '/' ("Anatomy & Physiology"): plain text in Anki's deck
list, shown as written on every card, escaped exactly once where a template puts the title into HTML."""

from __future__ import annotations

import html

from anki_client import import_package, strip_style
from conftest import make_project
from helpers import replace_in_file

NAMES = {
    "name: Test\n": "name: Anatomy & Physiology\n",
    "title: Test deck\n": "title: Anatomy & Physiology / the body's systems\n",
    "  first: First\n": "  first: Bones & Joints / Muscles\n",
}


def test_names_with_an_ampersand_and_a_slash_reach_anki_as_written(tmp_path, run_cli, student):
    project = make_project(tmp_path / "project")
    for old, new in NAMES.items():
        replace_in_file(project / "cards" / "deck.yaml", old, new)
    (project / "cards" / "bones.yaml").write_text(
        "subdeck: first\ncards:\n"
        "  - id: femur\n    kind: basic\n    question: Which is the longest bone?\n    answer: The femur\n"
        "  - id: old\n    kind: basic\n    question: A withdrawn card?\n    answer: Yes\n    retired: true\n"
    )
    built = run_cli("build", cwd=project)
    assert built.exit_code == 0, built.stderr

    import_package(student, project / "build" / "anatomy---physiology-1.0.0.apkg")

    decks = {student.decks.name(student.get_card(card).did) for card in student.find_cards("")}
    assert decks == {"Anatomy & Physiology::Bones & Joints / Muscles", "Anatomy & Physiology::Retired"}
    [femur] = student.find_cards('"Question:Which is the longest bone?"')
    front = strip_style(student.get_card(femur).question())
    assert '<span class="subdeck">Bones & Joints / Muscles</span>' in front  # Anki's {{Subdeck}}, as HTML reads it
    [old] = student.find_cards('"Question:*withdrawn*"')
    retired_front = strip_style(student.get_card(old).question())
    assert "no longer part of the Anatomy &amp; Physiology / the body&#39;s systems deck" in retired_front
    assert "&amp;amp;" not in retired_front
    assert "no longer part of the Anatomy & Physiology / the body's systems deck" in html.unescape(retired_front)


def test_a_name_whose_ampersand_would_show_as_another_character_is_refused_naming_its_key(tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    replace_in_file(project / "cards" / "deck.yaml", "  first: First\n", "  first: R&amp;D\n")
    replace_in_file(project / "cards" / "deck.yaml", "title: Test deck\n", "title: Law &sect 5\n")
    (project / "cards" / "one.yaml").write_text(
        "subdeck: first\ncards:\n  - id: a\n    kind: basic\n    question: Q?\n    answer: A\n")

    result = run_cli("check", cwd=project)

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "cards/deck.yaml:2:8: title contains '&sect', which a card would show as '§' (Anki shows names as HTML): "
        "put a space after the '&', or write 'and'",
        "cards/deck.yaml:12:10: subdeck 'first' contains '&amp;', which a card would show as '&' (Anki shows names "
        "as HTML): put a space after the '&', or write 'and'",
        "2 problems found; nothing was written",
    ]


def test_init_takes_a_name_with_an_ampersand(tmp_path, run_cli):
    result = run_cli("init", "deck", "--name", "Anatomy & Physiology", cwd=tmp_path)

    assert result.exit_code == 0, result.stderr
    assert run_cli("build", cwd=tmp_path / "deck").exit_code == 0
