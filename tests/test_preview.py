"""`deckgen preview` renders each card as the real Anki does (held to the golden files, which are
Anki's own rendering, and to Anki on the whole IPT deck), on a page with contents, each card's
anchor and place, marks of what changed since a release, and, served, the problems in place.
The page in a browser: test_preview_browser.py."""

from __future__ import annotations

import re
import shutil

import pytest
from anki.collection import Collection

from anki_client import import_package, strip_style
from conftest import FIXTURES, copy_of_repository_deck, make_project
from deckgen.build import build, check
from deckgen.preview import preview_cards
from helpers import GOLDEN, GOLDEN_CASES as CASES, replace_in_file


@pytest.mark.parametrize("card_id,ordinal", CASES, ids=[f"{c}-{o + 1}" for c, o in CASES])
def test_preview_matches_what_anki_renders_for_each_kind(card_id, ordinal, tmp_path):
    project = make_project(tmp_path / "project", FIXTURES / "golden")
    cards = {(card.card_id, card.ordinal): card for card in preview_cards(check(project).deck)}

    card = cards[(card_id, ordinal)]

    name = card_id.removeprefix("golden-")
    assert card.front + "\n" == (GOLDEN / f"{name}-{ordinal + 1}.front.html").read_text()
    assert card.back + "\n" == (GOLDEN / f"{name}-{ordinal + 1}.back.html").read_text()


def test_preview_matches_anki_on_every_card_of_the_ipt_deck(tmp_path):
    project = copy_of_repository_deck(tmp_path / "ipt")
    built = build(project, release_time=1764166041)
    (tmp_path / "student").mkdir()
    collection = Collection(str(tmp_path / "student" / "collection.anki2"))
    import_package(collection, built.output)
    anki = {}
    for card_id in collection.find_cards(""):
        card = collection.get_card(card_id)
        anki[(card.note()["Question"] if "Question" in card.note() else card.note()["Text"], card.ord)] = (
            strip_style(card.question()), strip_style(card.answer()))
    collection.close()

    previews = preview_cards(built.checked.deck)

    assert len(previews) == len(anki)
    mismatched = []
    for preview in previews:
        if preview.kind == "typed":  # Anki's library leaves [[type:Answer]] where its reviewer, and the
            continue                 # preview, show the box (test_typed.py, test_reviewer.py)
        note = next(note for note in built.checked.deck.notes if note.card_id == preview.card_id)
        if anki[(note.fields[0], preview.ordinal)] != (preview.front, preview.back):
            mismatched.append(preview.card_id)
    assert mismatched == []


def test_preview_command_writes_one_page(tmp_path, run_cli):
    project = make_project(tmp_path / "project", FIXTURES / "golden")

    result = run_cli("preview", cwd=project)

    page = (project / "build" / "preview.html").read_text()
    assert result.stdout == "wrote build/preview.html: 8 cards\n"
    assert page.count('<div class="preview-card">') == 8  # 1 basic, 2 reverse, 2 cloze, 3 list
    assert "Who founded <em>interpersonal psychotherapy</em>?" in page


def _golden_page(tmp_path, run_cli, *arguments: str) -> str:
    project = make_project(tmp_path / "project", FIXTURES / "golden")
    assert run_cli("preview", *arguments, cwd=project).exit_code == 0
    return (project / "build" / "preview.html").read_text()


def test_the_contents_count_each_subdecks_notes_and_cards(tmp_path, run_cli):
    page = _golden_page(tmp_path, run_cli)

    assert '<p class="preview-summary">4 notes · 8 cards</p>' in page
    assert ('<li><a href="#_subdeck-first">First</a> <span class="preview-count">3 notes · 6 cards</span></li>\n'
            '<li><a href="#_subdeck-second">Second</a> <span class="preview-count">1 note · 2 cards</span></li>\n'
            ) in page
    assert '<h2>Second <span class="preview-count">1 note · 2 cards</span></h2>' in page


def test_each_card_has_its_anchor_and_the_file_and_line_it_is_written_at(tmp_path, run_cli):
    page = _golden_page(tmp_path, run_cli)

    heads = re.findall(r'<article [^>]*id="([^"]+)"[^>]*>\n<header class="preview-note-head">'
                       r'<a class="preview-anchor" href="#([^"]+)">[^<]*</a> <span class="preview-kind">[^<]*</span> '
                       r'<code class="preview-location">([^<]*)</code>', page)
    assert heads == [  # in course order: the subdeck "first", then "second"
        ("golden-basic", "golden-basic", "cards/kinds.yaml:4"),
        ("golden-cloze", "golden-cloze", "cards/kinds.yaml:21"),
        ("golden-list", "golden-list", "cards/kinds.yaml:25"),
        ("golden-reverse", "golden-reverse", "cards/kinds.yaml:14"),
    ]


def test_the_page_loads_nothing_and_runs_only_its_own_script(tmp_path, run_cli):
    page = _golden_page(tmp_path, run_cli)

    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page).group(1)
    assert policy.startswith("default-src 'none'; script-src 'sha256-")
    assert page.count("<script>") == 1 and page.count("<style>") == 1
    assert not re.search(r'(src|href)="(https?:)?//', page)


def test_cards_added_changed_or_retired_since_a_release_are_marked(tmp_path, run_cli):
    project = make_project(tmp_path / "project", FIXTURES / "golden")
    assert run_cli("build", cwd=project).exit_code == 0
    old = shutil.move(project / "build" / "test-1.0.0.apkg", tmp_path / "test-1.0.0.apkg")
    cards = project / "cards" / "kinds.yaml"
    replace_in_file(cards, "Role transition", "A role transition")
    cards.write_text(cards.read_text() + "\n  - id: golden-new\n    kind: basic\n    question: New?\n    answer: Yes\n")

    result = run_cli("preview", "--since", str(old), cwd=project)

    page = (project / "build" / "preview.html").read_text()
    assert result.exit_code == 0, result.stderr
    assert re.findall(r'id="([^"]+)" [^>]*data-change="([^"]*)"', page) == [
        ("golden-basic", ""), ("golden-cloze", ""), ("golden-list", ""), ("golden-new", "new"),
        ("golden-reverse", "changed")]
    assert '<span class="preview-change preview-change-new">new</span>' in page
    assert '<span class="preview-change preview-change-changed">changed</span>' in page
    assert f'<p class="preview-summary">5 notes · 9 cards · since {old.name}: 1 new, 1 changed</p>' in page
    assert "<input type=\"checkbox\" id=\"_changed\"> only cards new or changed since test-1.0.0.apkg" in page


def test_a_since_package_that_cannot_be_read_is_a_message(tmp_path, run_cli):
    project = make_project(tmp_path / "project", FIXTURES / "golden")
    (tmp_path / "old.apkg").write_bytes(b"not a zip")

    result = run_cli("preview", "--since", str(tmp_path / "old.apkg"), cwd=project)

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{tmp_path / 'old.apkg'}:1:1: cannot read the package (File is not a zip file): give an .apkg built by "
        "deckgen or exported from Anki")
