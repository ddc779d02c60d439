"""Coverage: tables of the cards as they are and of the last release, written into a README by a
release. (The repository README's table is the IPT deck's last release: test_deck.py.)"""

from __future__ import annotations

import os

from conftest import make_project

from deckgen.authoring.stats import README_END, README_START


def test_a_release_writes_its_table_into_the_readme(tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    (project / "cards" / "one.yaml").write_text(
        "subdeck: first\ncards:\n  - {id: a, kind: basic, question: 'Q?', answer: A}\n"
    )
    (project / "README.md").write_text(f"# Deck\n{README_START}\nold\n{README_END}\n")
    assert run_cli("release", "1.0.0", cwd=project).exit_code == 0
    (project / "cards" / "two.yaml").write_text(
        "subdeck: first\ncards:\n  - {id: b, kind: reverse, question: 'Term', answer: Meaning}\n"
    )

    current, released = run_cli("stats", cwd=project).stdout, run_cli("stats", "--released", cwd=project).stdout

    assert (project / "README.md").read_text() == f"# Deck\n{README_START}\n{released}{README_END}\n"
    assert released == (
        "| subdeck | notes | cards | basic | reverse | cloze | list | retired |\n|---|---|---|---|---|---|---|---|\n"
        "| Test::First | 1 | 1 | 1 | 0 | 0 | 0 | 0 |\n| Test::Second | 0 | 0 | 0 | 0 | 0 | 0 | 0 |\n"
        "| **all** | **1** | **1** | **1** | **0** | **0** | **0** | **0** |\n"
    )
    assert "| Test::First | 2 | 3 | 1 | 1 | 0 | 0 | 0 |" in current


def test_stats_counts_notes_and_cards_per_subdeck_and_kind(tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    (project / "cards" / "some.yaml").write_text(
        "subdeck: first\ncards:\n"
        "  - {id: a, kind: basic, question: 'Q?', answer: A}\n"
        "  - {id: b, kind: reverse, question: Term, answer: Meaning}\n"
        "  - {id: c, kind: cloze, text: '{{c1::x}} {{c2::y}} {{c1::z}}'}\n"
        "  - {id: d, kind: list, subdeck: second, question: 'Which?', items: [p, q, r]}\n"
    )

    result = run_cli("stats", cwd=project)

    assert result.stdout == (
        "| subdeck | notes | cards | basic | reverse | cloze | list | retired |\n"
        "|---|---|---|---|---|---|---|---|\n"
        "| Test::First | 3 | 5 | 1 | 1 | 1 | 0 | 0 |\n"
        "| Test::Second | 1 | 3 | 0 | 0 | 0 | 1 | 0 |\n"
        "| **all** | **4** | **8** | **1** | **1** | **1** | **1** | **0** |\n"
    )


def _released(tmp_path, run_cli):
    """A project of one card, released as 1.0.0."""
    project = make_project(tmp_path / "project")
    (project / "cards" / "one.yaml").write_text(
        "subdeck: first\ncards:\n  - {id: a, kind: basic, question: 'Q?', answer: A}\n"
    )
    assert run_cli("release", "1.0.0", cwd=project).exit_code == 0
    return project


def test_stats_update_rewrites_only_the_marked_section(tmp_path, run_cli):
    project = _released(tmp_path, run_cli)
    document = project / "NOTES.md"
    document.write_text(f"# Notes\n{README_START}\nold table\n{README_END}\nafter\n")

    result = run_cli("stats", "--update", "NOTES.md", cwd=project)

    assert (result.exit_code, result.stdout) == (0, "updated the coverage table in NOTES.md\n")
    table = run_cli("stats", "--released", cwd=project).stdout
    assert document.read_text() == f"# Notes\n{README_START}\n{table}{README_END}\nafter\n"


def test_stats_update_says_so_when_the_table_is_already_current_and_leaves_the_file_alone(tmp_path, run_cli):
    project = _released(tmp_path, run_cli)
    document = project / "NOTES.md"
    table = run_cli("stats", "--released", cwd=project).stdout
    document.write_text(f"# Notes\n{README_START}\n{table}{README_END}\n")
    os.utime(document, (1_000_000_000, 1_000_000_000))

    result = run_cli("stats", "--update", "NOTES.md", cwd=project)

    assert (result.exit_code, result.stdout) == (
        0, "the coverage table in NOTES.md is already the last release's: nothing to update\n")
    assert document.stat().st_mtime == 1_000_000_000


def test_stats_update_without_markers_says_what_to_add(tmp_path, run_cli):
    project = _released(tmp_path, run_cli)
    (project / "NOTES.md").write_text("# Notes\n")

    result = run_cli("stats", "--update", "NOTES.md", cwd=project)

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"NOTES.md:1:1: no coverage section: add the lines '{README_START}' and '{README_END}' "
        "where the table goes"
    )


def test_stats_counts_the_valid_cards_and_reports_the_others(tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    (project / "cards" / "some.yaml").write_text(
        "subdeck: first\ncards:\n"
        "  - {id: a, kind: basic, question: 'Q?', answer: A}\n"
        "  - {id: b, kind: basic, question: 'Q?'}\n"
    )
    (project / "cards" / "broken.yaml").write_text("subdeck: second\ncards:\n  - id: c\n    answer: **A**\n")

    result = run_cli("stats", cwd=project)

    assert result.exit_code == 1
    assert "| **all** | **1** | **1** | **1** | **0** | **0** | **0** | **0** |\n" in result.stdout
    assert result.stderr.splitlines() == [
        "cards/broken.yaml:4:13: YAML reads a value starting with '*' as an alias (a reference to an '&' anchor), "
        "not as text: quote this value, writing it as answer: '**A**'",
        "cards/some.yaml:4:5: basic card 'b' has no 'answer': add 'answer:' (the answer)",
        "2 problems found; the table leaves out the cards they are in",
    ]


def test_the_table_a_release_writes_is_the_released_one_whatever_order_deck_yaml_names_its_note_types(
        tmp_path, run_cli):
    """An imported deck names Anki's note types as the package lists them ('anki-basic', then
    'basic-and-reversed-card', then 'anki-cloze'): CI's `stats --update README.md` must find the
    table the release wrote (newcomer review)."""
    from conftest import FIXTURES

    project = make_project(tmp_path / "project", FIXTURES / "pharmacology")
    settings = project / "cards" / "deck.yaml"
    # A second declared kind after 'drug' whose name sorts before it.
    settings.write_text(settings.read_text().replace("subdecks:\n", (
        "  antibiotic:\n    id: 1700000000301\n    name: Antibiotic\n"
        "    fields: [Drug, Class, Mechanism, Side effects]\n    templates:\n      - name: Drug → Class\n"
        "        front: drug.class.front.html\n        back: drug.class.back.html\n    sort_field: Drug\n"
        "subdecks:\n"), 1))
    (project / "README.md").write_text(f"# Deck\n{README_START}\nold\n{README_END}\n")
    assert run_cli("release", "1.0.0", cwd=project).exit_code == 0
    written = (project / "README.md").read_text()

    updated = run_cli("stats", "--released", "--update", "README.md", cwd=project)

    assert updated.exit_code == 0, updated.stderr
    assert (project / "README.md").read_text() == written
