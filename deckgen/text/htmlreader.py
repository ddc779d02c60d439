"""Python's HTML parser, made to read any fragment a card may hold without stopping.

Its own module so that both the markup (markup.py) and the maths check (maths.py) can read HTML
while markup.py uses maths.py's Markdown rule for maths spans: neither imports the other for it.
"""

from __future__ import annotations

from html.parser import HTMLParser

# Elements that have no end tag: a reader keeping track of depth must not wait for one.
VOID_ELEMENTS = frozenset({"br", "hr", "img", "input", "meta", "link", "wbr", "source", "area", "col", "embed"})


class HTMLReader(HTMLParser):
    """Python's HTML parser, which stops with an AssertionError at a marked section it does not know
    (`<![x[`); cards may hold none, so such a section is read as the text it is."""

    def parse_marked_section(self, i: int, report: bool = True) -> int:
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            self.handle_data(self.rawdata[i:i + 3])
            return i + 3
