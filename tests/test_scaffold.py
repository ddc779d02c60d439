"""`deckgen init` and `deckgen new`: a new deck that builds at once, and empty cards check points at."""

from __future__ import annotations

import pytest
import yaml
from anki_client import import_package
from conftest import FIXTURES, make_project
from helpers import fill_new_card, missing_files_named_in_comments, replace_in_file
from occlusion_fixture import add_occlusion_card

from deckgen.source.kinds import KINDS

OPTIONAL = "  # optional: remove the first '# ' to write it"  # after an optional key `deckgen new` comments out


def test_init_makes_a_deck_that_builds_and_imports(tmp_path, run_cli, student):
    result = run_cli("init", "deck", "--name", "Pharma", "--title", "Pharmacology for nurses", cwd=tmp_path)

    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "next: cd deck && deckgen build"
    project = tmp_path / "deck"
    assert run_cli("lint", "--strict", cwd=project).exit_code == 0
    assert run_cli("build", "--strict", cwd=project).exit_code == 0
    import_package(student, project / "build" / "pharma-0.1.0.apkg")
    assert student.note_count() == 1


def test_two_new_decks_never_share_an_id(tmp_path, run_cli):
    for name in ("one", "two"):
        assert run_cli("init", name, cwd=tmp_path).exit_code == 0
    settings = [yaml.safe_load((tmp_path / name / "cards" / "deck.yaml").read_text()) for name in ("one", "two")]
    ids = [settings[0]["id"], *settings[0]["note_types"].values(),
           settings[1]["id"], *settings[1]["note_types"].values()]
    assert len(set(ids)) == 2 * (1 + len(KINDS))  # a deck id and one note-type id per kind, each


def test_init_leaves_an_existing_project_alone(tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    before = (project / "cards" / "deck.yaml").read_bytes()

    result = run_cli("init", "project", cwd=tmp_path)

    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "deckgen init: error: argument DIR: project/cards/ already exists: deckgen init starts a new project in an "
        "empty folder"
    )
    assert (project / "cards" / "deck.yaml").read_bytes() == before


def test_new_adds_an_empty_card_that_check_points_at(tmp_path, run_cli):
    project = make_project(tmp_path / "project", FIXTURES / "release" / "v1")

    result = run_cli("new", "list", "--subdeck", "first", cwd=project)

    assert result.stdout == (
        "added card 'first-new-1' at cards/first.yaml:3: fill in its fields, then run deckgen check\n"
    )
    checked = run_cli("check", cwd=project)
    assert checked.stderr.splitlines() == [
        "cards/first.yaml:5:14: 'question' is empty: write the question",
        "cards/first.yaml:7:8: 'items' item is empty: write an item",
        "cards/first.yaml:8:8: 'items' item is empty: write an item",
        "3 problems found; nothing was written",
    ]


def test_new_appends_to_an_existing_card_file_under_a_free_id(tmp_path, run_cli):
    project = make_project(tmp_path / "project", FIXTURES / "release" / "v1")
    assert run_cli("new", "basic", "--subdeck", "first", cwd=project).exit_code == 0
    cards = project / "cards" / "first.yaml"
    cards.write_text(cards.read_text().replace("question:", "question: Q?").replace("answer:", "answer: A")
                     .replace("# source:" + OPTIONAL, "source: weissman2017"))

    result = run_cli("new", "cloze", "--subdeck", "first", cwd=project)

    assert result.stdout.startswith("added card 'first-new-2' at cards/first.yaml:9: ")
    assert "    source: weissman2017\n\n  - id: first-new-2  # rename it" in cards.read_text()  # a blank line between
    assert yaml.safe_load(cards.read_text())["cards"][1] == {
        "id": "first-new-2", "kind": "cloze", "text": None,
    }  # its optional 'source' commented out


def test_new_names_the_subdecks_it_knows(tmp_path, run_cli):
    project = make_project(tmp_path / "project", FIXTURES / "release" / "v1")

    result = run_cli("new", "basic", "--subdeck", "third", cwd=project)

    assert result.exit_code == 2
    assert result.stderr.startswith("usage: deckgen new ")
    assert result.stderr.splitlines()[-1] == (
        "deckgen new: error: argument --subdeck: unknown subdeck 'third': use one of first, second"
    )


def test_init_into_a_folder_that_cannot_be_made_is_a_message(tmp_path, run_cli):
    (tmp_path / "a-file").write_text("not a folder")

    result = run_cli("init", "a-file/deck", cwd=tmp_path)

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "a-file/deck/cards/deck.yaml:1:1: cannot write the file: Not a directory; check that its folder exists, "
        "is writable and has room",
        "1 problem found; nothing was written",
    ]
    assert (tmp_path / "a-file").read_text() == "not a folder"


def test_new_adds_a_card_while_another_is_still_unfilled(tmp_path, run_cli):
    project = make_project(tmp_path / "project", FIXTURES / "release" / "v1")
    assert run_cli("new", "basic", "--subdeck", "first", cwd=project).exit_code == 0
    (project / "cards" / "second.yaml").write_text("subdeck: second\ncards:\n  - id: second-new-1\n    kind: basic\n")

    first = run_cli("new", "cloze", "--subdeck", "first", cwd=project)
    second = run_cli("new", "list", "--subdeck", "second", cwd=project)

    assert (first.exit_code, first.stderr) == (0, "")
    assert first.stdout.startswith("added card 'first-new-2' at cards/first.yaml:9: ")
    assert second.stdout.startswith("added card 'second-new-2' at cards/second.yaml:6: ")  # not the unfinished one's id
    ids = [card["id"] for card in yaml.safe_load((project / "cards" / "first.yaml").read_text())["cards"]]
    assert ids[-2:] == ["first-new-1", "first-new-2"]


def test_the_comments_of_deck_yaml_point_at_files_that_exist(tmp_path, run_cli):
    assert run_cli("init", "deck", "--name", "Pharma", cwd=tmp_path).exit_code == 0

    assert missing_files_named_in_comments(tmp_path / "deck") == []


def test_init_keeps_a_readme_the_folder_already_has(tmp_path, run_cli):
    (tmp_path / "deck").mkdir()
    (tmp_path / "deck" / "README.md").write_text("# My course\n")

    assert run_cli("init", "deck", cwd=tmp_path).exit_code == 0

    assert (tmp_path / "deck" / "README.md").read_text() == "# My course\n"


RAMIPRIL = {"class": "ACE inhibitor", "mechanism": "Blocks the enzyme that makes angiotensin II."}


def test_new_adds_a_card_of_a_declared_note_type_that_checks_once_filled(tmp_path, run_cli):
    project = make_project(tmp_path / "project", FIXTURES / "pharmacology")

    result = run_cli("new", "drug", "--subdeck", "first", cwd=project)

    assert result.stdout == (
        "added card 'first-new-1' at cards/first.yaml:3: fill in its fields, then run deckgen check\n"
    )
    cards = project / "cards" / "first.yaml"
    assert cards.read_text() == (
        "subdeck: first\ncards:\n"
        "  - id: first-new-1  # rename it to say what the card asks, before its first release\n"
        "    kind: drug\n    drug:\n    class:\n    mechanism:\n    side_effects:\n"
    )  # the keys of its fields, and no 'source:': a declared note type has only the fields it names
    assert run_cli("check", cwd=project).stderr.splitlines() == [
        "cards/first.yaml:5:10: 'drug' is empty: write the drug",
        "cards/first.yaml:6:11: 'class' is empty: write the class",
        "cards/first.yaml:7:15: 'mechanism' is empty: write the mechanism",
        "cards/first.yaml:8:18: 'side_effects' is empty: write the side_effects",
        "4 problems found; nothing was written",
    ]
    fill_new_card(cards, "ramipril", drug="Ramipril", side_effects="A dry cough.", **RAMIPRIL)
    checked = run_cli("check", "--strict", cwd=project)
    assert (checked.exit_code, checked.stderr) == (0, "")


def test_new_marks_the_optional_fields_of_a_declared_note_type(tmp_path, run_cli):
    project = make_project(tmp_path / "project", FIXTURES / "pharmacology")
    replace_in_file(project / "cards" / "deck.yaml", "    sort_field: Drug\n",
                    "    sort_field: Drug\n    optional: [Side effects]\n")
    assert run_cli("new", "drug", "--subdeck", "first", cwd=project).exit_code == 0
    cards = project / "cards" / "first.yaml"
    assert cards.read_text().endswith(
        "    mechanism:\n    # side_effects:" + OPTIONAL + "\n")
    fill_new_card(cards, "ramipril", drug="Ramipril", side_effects=None, **RAMIPRIL)
    assert run_cli("check", cwd=project).exit_code == 0


def test_an_unknown_kind_is_refused_with_every_kind_of_the_project(tmp_path, run_cli):
    project = make_project(tmp_path / "project", FIXTURES / "pharmacology")

    result = run_cli("new", "drugs", "--subdeck", "first", cwd=project)

    assert result.exit_code == 2
    assert result.stderr.startswith("usage: deckgen new ")
    assert result.stderr.splitlines()[-1] == (
        "deckgen new: error: argument KIND: unknown kind 'drugs' (did you mean 'drug'?): use basic, reverse, cloze, "
        "list, typed, occlusion (built in), or drug (declared in cards/deck.yaml)"
    )
    assert not (project / "cards" / "first.yaml").exists()


def test_an_unknown_kind_in_a_project_without_note_types_of_its_own_names_the_built_in_ones(tmp_path, run_cli):
    project = make_project(tmp_path / "project")

    result = run_cli("new", "flashcard", "--subdeck", "first", cwd=project)

    assert result.stderr.splitlines()[-1] == (
        "deckgen new: error: argument KIND: unknown kind 'flashcard': use basic, reverse, cloze, list, typed or "
        "occlusion (built in)"
    )


def test_new_help_lists_the_built_in_kinds_with_what_each_is_for(tmp_path, run_cli):
    result = run_cli("new", "--help", cwd=tmp_path)

    assert result.exit_code == 0
    for kind in KINDS.values():
        assert f"\n  {kind.name:<9} {kind.summary}\n" in result.stdout
    assert "or a note type of the project's own" in result.stdout


def test_the_readme_of_a_new_deck_names_spreadsheets_occlusion_cards_and_the_build_cache(tmp_path, run_cli):
    assert run_cli("init", "deck", "--name", "Pharma", cwd=tmp_path).exit_code == 0

    readme = (tmp_path / "deck" / "README.md").read_text()
    for named in ("`cards/*.csv`", "`cards/*.tsv`", "`kind: occlusion`", "`deckgen new occlusion --subdeck KEY`",
                  "\"Occlusion cards\"", "\"Spreadsheets\"", "`build/.cache/`", "always safe to delete",
                  "`--no-cache`"):
        assert named in readme, named


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_new_writes_no_optional_key_empty(tmp_path, run_cli, kind):
    """check refuses a key written empty, optional or not: `new` comments the optional ones out."""
    project = make_project(tmp_path / "project")
    add_occlusion_card(project)  # the note-type id occlusion cards need

    assert run_cli("new", kind, "--subdeck", "first", cwd=project).exit_code == 0

    written = yaml.safe_load((project / "cards" / "first.yaml").read_text())["cards"][-1]
    required = {key.name for key in KINDS[kind].keys if key.required}
    assert {key for key, value in written.items() if value is None} <= required


def test_a_new_occlusion_card_asks_only_for_what_it_needs(tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    add_occlusion_card(project)

    assert run_cli("new", "occlusion", "--subdeck", "first", cwd=project).exit_code == 0

    assert (project / "cards" / "first.yaml").read_text().endswith(
        "    kind: occlusion\n    image:\n    # header:" + OPTIONAL + "\n    # back_extra:" + OPTIONAL + "\n"
        "    masks:\n      - {id: , label: , rect: [0, 0, 10, 10]}\n    # source:" + OPTIONAL + "\n")
    assert run_cli("check", cwd=project).stderr.splitlines() == [
        "cards/first.yaml:5:11: 'image' is empty: write a picture's file name in cards/media/",
        "cards/first.yaml:9:14: the mask's 'id' is empty: write it",
        "cards/first.yaml:9:23: the mask's 'label' is empty: write it",
        "3 problems found; nothing was written",
    ]
