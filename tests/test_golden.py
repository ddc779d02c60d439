"""Golden files: the front and back HTML of one card of each kind, exactly as real Anki renders it.

Set DECKGEN_UPDATE_GOLDEN=1 to rewrite the files after an intended template change, then review
the diff like any other change.
"""

from __future__ import annotations

import os
from html.parser import HTMLParser

import pytest
from anki.collection import Collection
from anki_client import import_package, strip_style
from conftest import FIXTURES, make_project
from helpers import DECK_ID, GOLDEN
from helpers import GOLDEN_CASES as CASES

from deckgen.commands.pipeline import build
from deckgen.ids import note_guid
from deckgen.text import maths, sanitise
from deckgen.text.highlight import TOKEN_CLASSES


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """The golden fixture, built once and imported into a student's real Anki."""
    root = tmp_path_factory.mktemp("golden")
    project = make_project(root / "project", FIXTURES / "golden")
    built = build(project, release_time=1764000000)
    (root / "student").mkdir()
    collection = Collection(str(root / "student" / "collection.anki2"))
    import_package(collection, built.output)
    yield collection
    collection.close()


@pytest.fixture(scope="module")
def rendered(imported):
    """Every golden card's front and back as the real Anki renders them."""
    cards = [imported.get_card(card_id) for card_id in imported.find_cards("")]
    by_guid_and_ordinal = {(card.note().guid, card.ord): card for card in cards}
    pages = {}
    for card_id, ordinal in CASES:
        card = by_guid_and_ordinal[(note_guid(DECK_ID, card_id), ordinal)]
        pages[(card_id, ordinal)] = (strip_style(card.question()), strip_style(card.answer()))
    return pages


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


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {name: value or "" for name, value in attrs}))


def _elements(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.elements


def _outside_the_allow_list(html: str) -> list[str]:
    """Every tag, attribute and class of a field that the sanitiser's allow-list does not name."""
    found = []
    for tag, attributes in _elements(html):
        if tag not in sanitise.MARKDOWN_TAGS | sanitise.RAW_HTML_TAGS:
            found.append(f"<{tag}>")
        for name, value in attributes.items():
            if name == "class":
                found += [f"class {name!r} on <{tag}>" for name in value.split()
                          if name not in sanitise.ALLOWED_CLASSES.get(tag, ())]
            elif name not in sanitise.ALLOWED_ATTRIBUTES.get(tag, ()) and (tag, name) != ("a", "rel"):
                found.append(f"{name}= on <{tag}>")
    return found


def test_maths_code_and_a_table_reach_anki_with_nothing_the_allow_list_does_not_name(imported):
    note_id = imported.db.scalar("select id from notes where guid = ?", note_guid(DECK_ID, "golden-markup"))
    note = imported.get_note(note_id)
    question, answer, extra = note["Question"], note["Answer"], note["Extra"]

    # Maths: MathJax reads the text with entities decoded (a bracket is an entity, as everywhere).
    assert r"\(\sum_{i=1}^{n} x_i^2\)" in maths.visible_text(question)
    assert "\\[\nS_n = \\sum_{i=1}^{n} x_i^2 \\quad \\text{for } n \\ge 1\n\\]" in maths.visible_text(answer)
    assert maths.problems(question, "question", True) == maths.problems(answer, "answer", True) == []
    # Code: class-only spans inside <pre><code>, each class one of Pygments' token kinds.
    code = answer[answer.index("<pre><code>"):answer.index("</code></pre>")]
    spans = [attributes for tag, attributes in _elements(code) if tag == "span"]
    assert len(spans) > 15 and all(list(span) == ["class"] and span["class"] in TOKEN_CLASSES for span in spans)
    assert 'def</span>' in code and "&#123;" in code  # highlighted; braces inert for Anki
    # A table, its alignment as classes.
    assert [tag for tag, _ in _elements(extra)][:4] == ["table", "thead", "tr", "th"]
    assert {attributes.get("class") for tag, attributes in _elements(extra) if tag in ("th", "td")} == {
        "align-left", "align-right"}
    assert [_outside_the_allow_list(field) for field in (question, answer, extra)] == [[], [], []]
    assert "style" not in question + answer + extra
