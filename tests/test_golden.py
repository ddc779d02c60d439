"""Golden files: the front and back HTML of one card of each kind, exactly as real Anki renders it.

Set DECKGEN_UPDATE_GOLDEN=1 to rewrite the files after an intended template change, then review
the diff like any other change.
"""

from __future__ import annotations

import os

import pytest
from anki.collection import Collection

from anki_client import import_package, strip_style
from conftest import FIXTURES, make_project
from helpers import DECK_ID, GOLDEN, GOLDEN_CASES as CASES
from deckgen.build import build
from deckgen.ids import note_guid



@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Build the golden fixture once and render every card with the real Anki."""
    root = tmp_path_factory.mktemp("golden")
    project = make_project(root / "project", FIXTURES / "golden")
    built = build(project, release_time=1764000000)
    (root / "student").mkdir()
    collection = Collection(str(root / "student" / "collection.anki2"))
    import_package(collection, built.output)
    cards = [collection.get_card(card_id) for card_id in collection.find_cards("")]
    by_guid_and_ordinal = {(card.note().guid, card.ord): card for card in cards}
    pages = {}
    for card_id, ordinal in CASES:
        card = by_guid_and_ordinal[(note_guid(DECK_ID, card_id), ordinal)]
        pages[(card_id, ordinal)] = (strip_style(card.question()), strip_style(card.answer()))
    yield pages
    collection.close()


@pytest.mark.parametrize("card_id,ordinal", CASES, ids=[f"{c}-{o + 1}" for c, o in CASES])
@pytest.mark.parametrize("side", ["front", "back"])
def test_rendered_html_matches_golden_file(rendered, card_id, ordinal, side):
    question, answer = rendered[(card_id, ordinal)]
    html = question if side == "front" else answer
    golden = GOLDEN / f"{card_id.removeprefix('golden-')}-{ordinal + 1}.{side}.html"
    if os.environ.get("DECKGEN_UPDATE_GOLDEN") == "1":
        golden.write_text(html + "\n", encoding="utf-8")
        pytest.skip(f"rewrote {golden.name}")
    assert html + "\n" == golden.read_text(encoding="utf-8")
