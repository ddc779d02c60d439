"""`deckgen preview` renders each card as the real Anki does: held to the golden files, which are
Anki's own rendering, and to Anki on the whole IPT deck."""

from __future__ import annotations

import pytest
from anki.collection import Collection

from anki_client import import_package, strip_style
from conftest import FIXTURES, copy_of_repository_deck, make_project
from deckgen.build import build, check
from deckgen.preview import preview_cards
from helpers import GOLDEN, GOLDEN_CASES as CASES


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
    assert result.stdout == "wrote build/preview.html: 9 cards\n"
    assert page.count('<section class="preview-card">') == 9  # 2 basic, 2 reverse, 2 cloze, 3 list
    assert "Who founded <em>interpersonal psychotherapy</em>?" in page
