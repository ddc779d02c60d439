"""An imported field's HTML turned into deckgen's markup, and what deckgen's sanitiser would remove.

Anki fields are HTML as Anki's editor writes it (`<div>` per line, `<b>`, `<i>`, lists, `<sub>`,
`<img src="file.png">`). What deckgen's markup says as well becomes markup (bold, italics, lists,
links, images, code); what cards may write as raw HTML stays raw (`<sub>`, `<sup>`, `<u>`, `<br>`
…); text is escaped so that Markdown reads it as the text it is. Anything else (a `<script>`, a
`style=` attribute, a tag deckgen does not know) is kept in the markup exactly as written, so that
nothing is lost on the way in: `deckgen check` then warns about it where it stands, and the import
report lists it, so that the educator decides.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from deckgen.errors import Location
from deckgen.text import cloze
from deckgen.text.htmlreader import VOID_ELEMENTS, HTMLReader
from deckgen.text.markup import SOUND, dropped_markup, html_text, to_html
from deckgen.text.sanitise import RAW_HTML_TAGS, sanitise

RAW_KEPT = RAW_HTML_TAGS - {"br"}  # raw HTML cards may write, kept as it is (<br> becomes a line break)
# Whose content is not text: kept verbatim, never escaped as Markdown.
VERBATIM = frozenset({"script", "style"})
# Line breaks (Anki's editor gives each line a <div>) and paragraph breaks (lists, <p>), as marks
# in the converted text until runs of them are joined into one break.
LINE, BLOCK = "\x01", "\x02"
_BREAKS = re.compile(f"[{LINE}{BLOCK}]+")
_MARKDOWN_PUNCTUATION = re.compile(r"([\\*_`\[\]<>~])")
_ENTITY_LIKE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_BLOCK_START = re.compile(r"^(\s*)([#+=\-])")
_NUMBERED_START = re.compile(r"^(\s*\d+)([.)])")


@dataclass
class _Element:
    tag: str
    attributes: dict[str, str | None]
    start_text: str  # the start tag as written
    children: list[_Element | str | _Raw] = field(default_factory=list)  # str: text

    def has_only(self, *names: str) -> bool:
        return set(self.attributes) <= set(names)


@dataclass(frozen=True)
class _Raw:
    text: str  # HTML kept as written (a comment, a script's content)


class _TreeBuilder(HTMLReader):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Element("", {}, "")
        self.open = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = _Element(tag, dict(attrs), self.get_starttag_text() or f"<{tag}>")
        self.open[-1].children.append(element)
        if tag not in VOID_ELEMENTS:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open[-1].children.append(_Element(tag, dict(attrs), self.get_starttag_text() or f"<{tag}>"))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                return

    def handle_data(self, data: str) -> None:
        if self.open[-1].tag in VERBATIM:
            self.open[-1].children.append(_Raw(data))
        else:
            self.open[-1].children.append(data)

    def handle_comment(self, data: str) -> None:
        self.open[-1].children.append(_Raw(f"<!--{data}-->"))


@dataclass(frozen=True)
class ConvertedField:
    markup: str
    media: tuple[str, ...]  # the media files it shows, by their names in the project
    removed: str | None  # what deckgen's sanitiser would remove from it, or None
    reads_differently: bool = False  # the converted text does not read as the original does


class _Converter:
    def __init__(self, media_names: dict[str, str]) -> None:
        self.media_names = media_names  # a package's media name -> its name in cards/media/
        self.media: list[str] = []

    def children(self, element: _Element) -> str:
        return "".join(self.node(child) for child in element.children)

    def node(self, node: _Element | str | _Raw) -> str:
        if isinstance(node, str):
            return self.text(node)
        if isinstance(node, _Raw):
            return node.text
        return self.element(node)

    def text(self, text: str) -> str:
        pieces, position = [], 0
        for sound in SOUND.finditer(text):  # Anki's [sound:...] plays; it stays as it is, listed under media
            pieces.append(_escaped(text[position:sound.start()]))
            pieces.append(f"[sound:{self._medium(sound.group(1))}]")
            position = sound.end()
        pieces.append(_escaped(text[position:]))
        return "".join(pieces)

    def _medium(self, name: str) -> str:
        project_name = self.media_names.get(name, name)
        if project_name not in self.media:
            self.media.append(project_name)
        return project_name

    def element(self, element: _Element) -> str:
        tag = element.tag
        if tag in ("b", "strong", "i", "em") and element.has_only():
            return _emphasis("**" if tag in ("b", "strong") else "*", self.children(element))
        if tag in RAW_KEPT and element.has_only():
            return f"<{tag}>{self.children(element)}</{tag}>"
        if tag == "br" and element.has_only("clear"):
            return LINE
        if tag in ("div", "p") and element.has_only():
            return (BLOCK if tag == "p" else LINE) + self.children(element) + (BLOCK if tag == "p" else LINE)
        if tag == "span" and element.has_only():
            return self.children(element)
        if tag in ("ul", "ol") and element.has_only("start") and _only_items(element):
            return self.list(element)
        src = element.attributes.get("src") or ""
        if tag == "img" and element.has_only("src", "alt") and src in self.media_names:
            alt = _escaped(element.attributes.get("alt") or "")
            return f"![{alt}]({self._medium(src)})"
        href = element.attributes.get("href") or ""
        if tag == "a" and element.has_only("href") and re.match(r"https?://\S+\Z", href):
            href = href.replace("(", "%28").replace(")", "%29")
            return f"[{self.children(element)}]({href})"
        if tag == "code" and element.has_only() and all(isinstance(child, str) and "`" not in child
                                                         for child in element.children):
            return f"`{''.join(map(str, element.children))}`" if element.children else ""  # texts only
        # Anything else stays as written: the import report lists it, and `check` warns where it is.
        if tag in VOID_ELEMENTS:
            return element.start_text
        return f"{element.start_text}{self.children(element)}</{tag}>"

    def list(self, element: _Element) -> str:
        ordered = element.tag == "ol"
        first = int(element.attributes.get("start") or 1) if ordered and (element.attributes.get("start") or
                                                                           "1").isdigit() else 1
        lines = []
        for number, item in enumerate((child for child in element.children if isinstance(child, _Element)),
                                      start=first):
            marker = f"{number}. " if ordered else "- "
            content = _joined(self.children(item), inside_list=True)
            item_lines = content.split("\n") or [""]
            lines.append(marker + item_lines[0])
            lines += [" " * len(marker) + line if line else "" for line in item_lines[1:]]
        return BLOCK + "\n".join(lines) + BLOCK


def _only_items(element: _Element) -> bool:
    return all((isinstance(child, _Element) and child.tag == "li" and child.has_only())
               or (isinstance(child, str) and not child.strip()) for child in element.children)


def _emphasis(marker: str, inner: str) -> str:
    """Bold or italics around text, with its surrounding spaces outside the markers, where Markdown
    needs them to read the markers as emphasis."""
    stripped = inner.strip(" \t\n" + LINE + BLOCK)
    if not stripped:
        return inner
    start = inner.index(stripped[0])
    return f"{inner[:start]}{marker}{stripped}{marker}{inner[start + len(stripped):]}"


def _escaped(text: str) -> str:
    """Text that Markdown reads as exactly this text: its punctuation escaped, an entity-like '&'
    too, and its line breaks spaces (HTML shows a line break in text as a space; Markdown would
    make it a <br>)."""
    text = re.sub(r"[\r\n\t]+", " ", text)
    text = _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)
    # Text that may begin a line must not read as a heading or a list: escaped at the start of every
    # piece of text (where it stands mid-line, the escape shows the same).
    text = _BLOCK_START.sub(r"\1\\\2", _NUMBERED_START.sub(r"\1\\\2", text))
    return _ENTITY_LIKE.sub(r"\\&", text)


def _joined(converted: str, inside_list: bool = False) -> str:
    """The marks of line and paragraph breaks made breaks: a run with a paragraph break in it is a
    blank line, any other a <br>; none at either end."""
    def join(match: re.Match[str]) -> str:
        return ("\n" if inside_list else "\n\n") if BLOCK in match.group() else "<br>"
    return _BREAKS.sub(join, converted.strip(LINE + BLOCK + " "))


def convert(field_html: str, media_names: dict[str, str]) -> ConvertedField:
    """A field's markup, the media it shows and what the sanitiser would remove from it."""
    builder = _TreeBuilder()
    builder.feed(field_html)
    builder.close()
    converter = _Converter(media_names)
    try:
        markup = _joined(converter.children(builder.root))
    except RecursionError:  # elements nested thousands deep: kept as written, for the report to list
        return ConvertedField(field_html, (), dropped_markup(field_html) or "elements nested too deep", True)
    removed = dropped_markup(markup, converter.media) if "<" in markup else None
    return ConvertedField(markup, tuple(converter.media), removed, _reads_differently(field_html, markup))


def shown_text(field_html: str) -> str:
    """A field as a student reads it: cloze deletions revealed, no markup, a script's code left out;
    what an imported card's id is made from."""
    parsed = cloze.parse(field_html)
    shown = parsed.replace(lambda deletion: deletion.hidden) if isinstance(parsed, cloze.ClozeText) else field_html
    # A line break or a block's edge separates words, as the student sees them.
    return html_text(sanitise(_LINE_EDGES.sub(" ", shown)))


_LINE_EDGES = re.compile(r"<(?:br|/?(?:div|p|li|ul|ol|h[1-6]|tr|td|th))\b[^>]*>", re.IGNORECASE)


def _reads_differently(original: str, markup: str) -> bool:
    """Whether the markup, rendered, reads otherwise than the original field (images aside)."""
    rendered = to_html(markup, Location("field"), "field", media_names=_Everything())
    if not hasattr(rendered, "html"):
        return True
    return _words(html_text(sanitise(original))) != _words(html_text(rendered.html))


def _words(text: str) -> str:
    """The characters read, white space aside: HTML blocks (a list after a line) read the same
    whether or not white space separates them in the source."""
    return "".join(html.unescape(text).split())


class _Everything(dict[str, Any]):
    """Media names as the package gives them: each is its own name."""

    def __contains__(self, key: object) -> bool:
        return True

    def __getitem__(self, key: str) -> str:
        return key

    def values(self) -> Any:  # none listed: every name is its own
        return ()
