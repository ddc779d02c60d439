"""The card markup: what an educator writes, and the HTML a student's card gets."""

from __future__ import annotations

import pytest

from deckgen.errors import Location, Problem
from deckgen.markup import to_html

WHERE = Location("cards/x.yaml", 4, 13)


def html(text: str, media: dict[str, str] | None = None) -> str:
    result = to_html(text, WHERE, "answer", allow_braces=False, media_names=media or {})
    assert not isinstance(result, Problem), result
    return result.html


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Gerald **Klerman**", "Gerald <strong>Klerman</strong>"),
        ("an *italic* word", "an <em>italic</em> word"),
        ("first line\nsecond line", "first line<br>\nsecond line"),
        ("one\n\ntwo", "<p>one</p>\n<p>two</p>"),
        ("- grief\n- role disputes", "<ul>\n<li>grief</li>\n<li>role disputes</li>\n</ul>"),
        ("1. initial\n2. middle", "<ol>\n<li>initial</li>\n<li>middle</li>\n</ol>"),
        ("`code`", "<code>code</code>"),
        ("H<sub>2</sub>O and x<sup>2</sup>", "H<sub>2</sub>O and x<sup>2</sup>"),
        ("a < b & c > d", "a &lt; b &amp; c &gt; d"),
        ("[the guide](https://example.org/ipt)",
         '<a href="https://example.org/ipt" rel="noopener noreferrer">the guide</a>'),
    ],
)
def test_markup_becomes_the_documented_html(text, expected):
    assert html(text) == expected


def test_images_are_rewritten_to_their_packaged_names():
    assert html("![the phases](phases.png)", {"phases.png": "phases-0123abcd.png"}) == (
        '<img src="phases-0123abcd.png" alt="the phases">'
    )


@pytest.mark.parametrize(
    "text,message",
    [
        ("<script>alert(1)</script>",
         "'answer' contains <script>, which cards may not use: use the Markdown markup (**bold**, "
         "*italic*, lists) or one of <br>, <kbd>, <mark>, <small>, <sub>, <sup>, <u>"),
        ('<sub onclick="alert(1)">2</sub>', "'answer' gives <sub> attributes: write <sub> without attributes"),
        ("[x](file:///etc/passwd)", "'answer' links to 'file:///etc/passwd': links must start with https:// or http://"),
        ("[x](JaVaScRiPt:alert(1))",
         "'answer' links to 'JaVaScRiPt:alert(1)': links must start with https:// or http://"),
        ("![x](data:image/svg+xml;base64,PHN2Zz4=)",
         "'answer' shows image 'data:image/svg+xml;base64,PHN2Zz4=': name a file in cards/media/ by its "
         "plain file name, and list it under media:"),
        ("<!-- hidden -->", "'answer' contains an HTML comment: remove it"),
        ("{{c1::Klerman}}",
         "'answer' contains '{{' or '}}': double braces are only for deletions in the text of a cloze card; "
         "write single braces or reword"),
    ],
)
def test_what_markup_refuses_is_reported_with_a_fix(text, message):
    result = to_html(text, WHERE, "answer", allow_braces=False, media_names={})

    assert result == Problem(WHERE, message)
