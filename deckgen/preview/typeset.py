"""Maths in the preview typeset as MathML, which Chromium, Firefox and Safari draw themselves.

Anki typesets `\\( … \\)` and `\\[ … \\]` with MathJax in the reviewer. The preview page loads
nothing and runs no script but its own (page.py), so MathJax is not an option there: its bundle is
megabytes, fetches fonts, and inserts styles the page's Content-Security-Policy forbids. Instead each
maths span is converted here, once, by latex2mathml (pure Python, maintained on PyPI) into MathML
that the browser draws natively. Maths is found as MathJax finds it (text/maths.py: outside `<code>`,
`<pre>` and the other elements it skips, entities decoded, within one run of text).

The MathML is read back and written again from its tree: only MathML elements and their
presentational attributes pass, and text is escaped, so a card's maths can never become HTML. A span
latex2mathml cannot convert, or converts with a command it does not know (mhchem's `\\ce` and
`\\pu`), is shown as its TeX in a marked `<code>`: the educator sees it is not typeset here, and
nothing is fetched to typeset it. Only the preview changes: the package holds the TeX, for MathJax.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ElementTree

from latex2mathml.converter import convert

from deckgen.text.htmlreader import HTMLReader
from deckgen.text.maths import DELIMITER, DISPLAY_MATH, SKIPPED_ELEMENTS, span_end

_MATHML = "http://www.w3.org/1998/Math/MathML"
_ELEMENTS = frozenset("""math mrow mi mn mo ms mtext mspace mfrac msqrt mroot msub msup msubsup munder mover
munderover mmultiscripts mprescripts none mtable mtr mtd mstyle mpadded mphantom menclose merror semantics
annotation""".split())
_ATTRIBUTES = frozenset("""display mathvariant stretchy fence separator notation displaystyle scriptlevel
columnalign rowalign columnspacing rowspacing columnlines rowlines frame lspace rspace minsize maxsize accent
accentunder linethickness width height depth voffset movablelimits symmetric form largeop""".split())
_UNKNOWN_COMMAND = re.compile(r"\\[A-Za-z]+")
_CLOSING = {"\\(": "\\)", "\\[": "\\]"}


class _TextRuns(HTMLReader):
    """Where the runs of text MathJax reads lie in a card's HTML, as (start, end) offsets: a run
    ends at any tag, comment or other markup, as MathJax's strings do."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self.line_starts = [0] + [newline.end() for newline in re.finditer("\n", source)]
        self.skipping = 0
        self.runs: list[tuple[int, int]] = []
        self.run_start: int | None = None

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def _text(self) -> None:
        if not self.skipping and self.run_start is None:
            self.run_start = self._offset()

    def _markup(self) -> None:
        if self.run_start is not None:
            self.runs.append((self.run_start, self._offset()))
            self.run_start = None

    def handle_data(self, data: str) -> None:
        self._text()

    def handle_entityref(self, name: str) -> None:
        self._text()

    def handle_charref(self, name: str) -> None:
        self._text()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._markup()
        if tag in SKIPPED_ELEMENTS:
            self.skipping += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._markup()

    def handle_endtag(self, tag: str) -> None:
        self._markup()
        if tag in SKIPPED_ELEMENTS and self.skipping:
            self.skipping -= 1

    def handle_comment(self, data: str) -> None:
        self._markup()

    def handle_decl(self, decl: str) -> None:
        self._markup()

    def handle_pi(self, data: str) -> None:
        self._markup()

    def unknown_decl(self, data: str) -> None:
        self._markup()


def typeset(card: str) -> str:
    """The card's HTML with each maths span as MathML (or, where that cannot be made, as marked TeX)."""
    if "\\" not in card:  # most cards: no maths
        return card
    reader = _TextRuns(card)
    reader.feed(card)
    reader.close()
    runs = reader.runs + ([(reader.run_start, len(card))] if reader.run_start is not None else [])
    parts, done = [], 0
    for start, end in runs:
        parts += [card[done:start], _typeset_run(card[start:end])]
        done = end
    return "".join(parts) + card[done:]


def _typeset_run(raw: str) -> str:
    text = html.unescape(raw)
    if not DELIMITER.search(text):
        return raw
    parts, position = [], 0
    while (found := DELIMITER.search(text, position)) is not None:
        close = _CLOSING.get(found.group())
        end = span_end(text, found.end(), close) if close else None
        if end is None or close is None:
            break  # unpaired: MathJax leaves the rest as text, and the check has reported it
        parts += [html.escape(text[position:found.start()], quote=False),
                  _mathml(text[found.end():end - len(close)], display=found.group() == DISPLAY_MATH[0])]
        position = end
    return "".join(parts) + html.escape(text[position:], quote=False)


def _mathml(tex: str, display: bool) -> str:
    try:
        tree = ElementTree.fromstring(convert(tex, display="block" if display else "inline"))
    except Exception:  # noqa: BLE001 (latex2mathml raises its own for each TeX it cannot read)
        return _as_tex(tex, display)
    if not _safe(tree) or any(_UNKNOWN_COMMAND.search(text) for text in tree.itertext()):
        return _as_tex(tex, display)
    return _written(tree)


def _safe(tree: ElementTree.Element) -> bool:
    """Whether every element is MathML's and every attribute presentational (and so no HTML, link,
    style or handler can pass); the attributes that are not are dropped first."""
    for element in tree.iter():
        namespace, _, name = element.tag.partition("}")
        if namespace != "{" + _MATHML or name not in _ELEMENTS:
            return False
        for attribute in [attribute for attribute in element.attrib if attribute not in _ATTRIBUTES]:
            del element.attrib[attribute]
    return True


def _written(element: ElementTree.Element) -> str:
    """The element as HTML writes MathML: names without a namespace, attributes and text escaped."""
    name = element.tag.partition("}")[2]
    attributes = "".join(f' {key}="{html.escape(value)}"' for key, value in element.attrib.items())
    inside = html.escape(element.text or "", quote=False) + "".join(
        _written(child) + html.escape(child.tail or "", quote=False) for child in element)
    return f"<{name}{attributes}>{inside}</{name}>"


def _as_tex(tex: str, display: bool) -> str:
    shown = html.escape(tex)
    kind = "display" if display else "inline"
    return (f'<code class="preview-maths-tex preview-maths-{kind}" title="typeset by Anki, not by this preview">'
            f"{shown}</code>")
