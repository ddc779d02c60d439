"""The card markup: a small Markdown turned into HTML that only ever holds tags we allow.

Two layers, on purpose. Our own pass over the parsed Markdown finds raw HTML, links and images an
educator may not use and reports each with its position and a fix (a warning: the content is
removed; `--strict` makes it an error); the nh3 allow-list sanitiser then cleans the final HTML,
so that no mistake of ours in the first layer can put script in front of a student.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, cast

import markdown_it_pyrs
import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import unescapeAll
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from deckgen.errors import Problem, Where, shortened
from deckgen.text import highlight, maths
from deckgen.text.highlight import code_html
from deckgen.text.htmlreader import VOID_ELEMENTS, HTMLReader
from deckgen.text.sanitise import (
    ALIGNMENT_CLASSES,
    LINK_SCHEMES,
    MARKDOWN_TAGS,
    RAW_HTML_TAGS,
    TABLE_TAGS,
    brackets_inert,
    inert,
    sanitise,
)


def _alignment_classes(state: StateCore) -> None:
    """A table column's alignment as a class of the deck's CSS instead of markdown-it's inline style."""
    for token in state.tokens:
        if token.type in ("th_open", "td_open"):
            alignment = str(token.attrs.pop("style", "")).removeprefix("text-align:")
            if alignment in ALIGNMENT_CLASSES:
                token.attrSet("class", ALIGNMENT_CLASSES[alignment])


def _fence_language(token: Token) -> str:
    """A fenced code block's language: the first word after its fence."""
    return unescapeAll(token.info.split(maxsplit=1)[0]) if token.info.strip() else ""


def _fence(self: RendererHTML, tokens: Sequence[Token], index: int, options: OptionsDict, env: EnvType) -> str:
    """A fenced code block, highlighted by its language when deckgen highlights it (see highlight.py)."""
    token = tokens[index]
    return f"<pre><code>{code_html(token.content, _fence_language(token))}</code></pre>\n"


class _EveryLink(MarkdownIt):
    """markdown-it would quietly print a javascript: or file: link as text; we let every link through
    the parser so that our check can report it, and the sanitiser still removes what slips past."""

    def validateLink(self, url: str) -> bool:  # noqa: N802 (markdown-it's name)
        return True


_markdown = (
    _EveryLink("commonmark", {"html": True, "breaks": True, "linkify": False})
    .enable(["strikethrough", "table"])
    .use(maths.markdown_plugin)
)
_markdown.core.ruler.push("alignment_classes", _alignment_classes)
_markdown.add_render_rule("fence", _fence)


@dataclass(frozen=True)
class MarkupUsed:
    """Markup that the deck's CSS styles only when some card uses it (see notetypes.py)."""

    code_blocks: bool = False
    tables: bool = False

    def joined(self, other: MarkupUsed) -> MarkupUsed:
        return MarkupUsed(self.code_blocks or other.code_blocks, self.tables or other.tables)


NO_MARKUP_USED = MarkupUsed()


class MarkupResult(NamedTuple):
    """A field's HTML (a named tuple: one is made for every field of a deck)."""

    html: str
    warnings: tuple[Problem, ...]  # unsafe content found and removed
    used: MarkupUsed = NO_MARKUP_USED  # code blocks and tables, as the parser found them


SOUND = re.compile(r"\[sound:([^\]]*)\]")
# A tag in nh3's output: attribute values are always double-quoted there, with '"' as an entity, so
# a '>' inside a value cannot end the tag early.
_TAG = re.compile(r'<(?:[^>"]|"[^"]*")*>')
# Text with no character Markdown or HTML gives a meaning to renders as itself: most fields are
# like this, and skipping the parser for them keeps a 100,000-card build fast. A test checks that
# this shortcut gives exactly what the full pipeline gives.
# Only raw HTML, links and images need our token-level checks, and all of them start with '<' or
# '['. A single line of inline text without those is rendered by markdown-it's Rust port (the
# same CommonMark rules, about twenty times faster); block syntax keeps to the Python parser,
# whose output we test against. A test checks that both renderers agree on such text.
_NEEDS_TOKENS = re.compile(
    r"[<\[]"  # raw HTML, links, images
    r"|\\[()\]]"  # maths delimiters (and \[, above), which Markdown alone would read as escapes
    r"|[^\S ]"  # line breaks, and any white space but the plain space
    r"|^[\s>#=+\-*_`~\d|]"  # a first character that may open a block (quote, heading, list, rule, code)
)
_fast_markdown = markdown_it_pyrs.MarkdownIt("commonmark").enable("strikethrough")
_PLAIN = re.compile(r"(?![-+=\d\s])[^*_`\[\]<>&\\#~|{}!\n\r\t:\u00a0]*(?<!\s)\Z")
_ALLOWED_RAW = ", ".join(f"<{name}>" for name in sorted(RAW_HTML_TAGS))


def to_html(text: str, location: Where, field: str, media_names: Mapping[str, str]) -> MarkupResult | Problem:
    """Render one field's markup. Unsafe content is removed and reported as a warning, and so is
    maths between dollar signs; a mistake that leaves the card broken (an image or sound the card
    does not list) is an error.

    `media_names` maps the file names the card lists under `media:` to their names in the package;
    images and sounds are rewritten to those names.
    """
    result = _rendered(text, location, field, media_names)
    dollars = _dollar_maths(text, field) if "$" in text and isinstance(result, MarkupResult) else None
    if dollars is None or isinstance(result, Problem):
        return result
    return result._replace(warnings=(*result.warnings, Problem(location, f"warning: {dollars}")))


# What the dollar-maths rule reads of a field: the text of its paragraphs, headings and list items,
# through emphasis and links; code, maths, HTML and images stand between as a blank line would (no
# maths is read across one), and `\$` is no dollar sign.
_NOT_A_DOLLAR = "\ue000"
_BREAKS = {"softbreak": "\n", "hardbreak": "\n"}


def _prose(token: Token) -> str:
    if token.type == "text":
        return token.content
    return _BREAKS.get(token.type, "" if token.nesting else "\n\n")


def _dollar_maths(text: str, field: str) -> str | None:
    """What to say of maths written between dollar signs in `text`, which Anki shows as written."""
    parsed = _markdown.parse(text.replace("\\$", _NOT_A_DOLLAR))
    prose = ("".join(_prose(child) for child in token.children or ()) for token in parsed if token.type == "inline")
    found = maths.dollar_maths("\n\n".join(prose))
    if found is None:
        return None
    written, meant = (part.replace(_NOT_A_DOLLAR, "\\$") for part in found)
    return (f"'{field}' has the maths '{shortened(written, 40)}' between dollar signs, which Anki shows as "
            f"written, dollar signs and all: write {shortened(meant, 40)}; write a dollar sign that is not "
            "maths as \\$")


def _rendered(text: str, location: Where, field: str, media_names: Mapping[str, str]) -> MarkupResult | Problem:
    """The field's HTML and warnings, or the problem that leaves the card broken."""
    if _PLAIN.match(text):
        return MarkupResult(html=html.escape(text, quote=False), warnings=())
    if not _NEEDS_TOKENS.search(text):
        rendered = _unwrap_single_paragraph(_fast_markdown.render(text).strip())
        return _with_sounds(rendered, location, field, media_names, ())
    tokens = _markdown.parse(text)
    warnings: list[str] = []
    dropping_link = False
    for token in _walk(tokens):
        if token.type == "link_close" and dropping_link:
            _drop(token)
            dropping_link = False
        if token.type == "fence":
            plain_code = highlight.problem(token.content, _fence_language(token), field)
            warnings += [plain_code] if plain_code else []
        elif token.type in ("html_inline", "html_block"):
            warnings += _raw_html_warnings(token.content, field)
            token.content = _allowed_raw_html(token.content, token.type == "html_block")
        elif token.type == "link_open":
            href = str(token.attrGet("href") or "")
            scheme = href.split(":", 1)[0].lower() if ":" in href else ""
            if scheme not in LINK_SCHEMES:
                warnings.append(f"'{field}' links to '{shortened(href, 40)}': the build leaves the link out; "
                                "links must start with https:// or http://")
                _drop(token)  # the link's text stays, as plain text
                dropping_link = True
        elif token.type == "image":
            source = str(token.attrGet("src") or "")
            if "/" in source or ":" in source or source.startswith(".") or not source:
                warnings.append(f"'{field}' shows image '{shortened(source, 40)}': the build leaves the image out; "
                                "name a file in cards/media/ by its plain file name, and list it in the card's 'media'")
                token.attrs.pop("src", None)
            elif source not in media_names:
                return Problem(
                    location,
                    f"'{field}' shows image '{source}', which the card does not list: "
                    f"add '{source}' to the card's 'media'",
                )
            else:
                token.attrSet("src", media_names[source])
    rendered = _markdown.renderer.render(tokens, _markdown.options, {})
    rendered = _unwrap_single_paragraph(rendered.strip())
    unique = tuple(Problem(location, f"warning: {message}") for message in dict.fromkeys(warnings))
    # Block tokens lie flat in markdown-it's list, inside lists and quotes too; only Markdown makes
    # these (a <pre> or <table> written as HTML is left out).
    used = MarkupUsed(code_blocks=any(token.type in ("fence", "code_block") for token in tokens),
                      tables=any(token.type == "table_open" for token in tokens))
    return _with_sounds(rendered, location, field, media_names, unique, used)


def _with_sounds(
    rendered: str, location: Where, field: str, media_names: Mapping[str, str], warnings: tuple[Problem, ...],
    used: MarkupUsed = NO_MARKUP_USED,
) -> MarkupResult | Problem:
    """Sanitise, then make Anki's bracket syntax inert everywhere but in the card's own sounds.

    Anki plays [sound:file] wherever it stands in the text of a field, however it was written
    (entities included), so sounds are found in the sanitised HTML's text: each must be a listed
    file, and it is rewritten to its packaged name. Every other square bracket, in text and in
    attributes, is written as an entity: it shows the same, but Anki finds no [sound:], [anki:tts],
    [latex] or [$] in it. (When a student hides play buttons, Anki cuts its sound and TTS syntax out
    of the card's HTML, and a cut that began inside an attribute would open it to script.)
    """
    clean = sanitise(rendered, media_names.values())
    if not _ANKI_SYNTAX_CHARACTERS.search(clean):
        return MarkupResult(html=clean, warnings=warnings, used=used)
    pieces, position = [], 0
    for tag in _TAG.finditer(clean):
        pieces.append(_inert_text(clean[position:tag.start()], media_names))
        # Inside a tag nothing of Anki's may work: a cloze deletion in a link's title would have Anki
        # put its own <span class="cloze"> into the attribute, and its quotes would cut it open.
        pieces.append(inert(tag.group()))
        position = tag.end()
    pieces.append(_inert_text(clean[position:], media_names))
    unlisted = next((piece for piece in pieces if isinstance(piece, _UnlistedSound)), None)
    if unlisted is not None:
        return Problem(
            location,
            f"'{field}' plays sound '{unlisted.name}', which the card does not list: add '{unlisted.name}' "
            "to the card's 'media'",
        )
    return MarkupResult(html="".join(cast(list[str], pieces)), warnings=warnings, used=used)  # all listed


@dataclass(frozen=True)
class _UnlistedSound:
    name: str


def _inert_text(text: str, media_names: Mapping[str, str]) -> str | _UnlistedSound:
    """HTML text with its sounds packaged and every other square bracket an entity."""
    pieces, position = [], 0
    for sound in SOUND.finditer(text):
        name = html.unescape(sound.group(1))
        if name not in media_names:
            return _UnlistedSound(name)
        pieces.append(brackets_inert(text[position:sound.start()]))
        pieces.append(f"[sound:{html.escape(media_names[name])}]")
        position = sound.end()
    pieces.append(brackets_inert(text[position:]))
    return "".join(pieces)


def _drop(token: Token) -> None:
    """Turn a token into nothing: the renderer prints an empty text token as no characters."""
    token.type, token.tag, token.content, token.attrs = "text", "", "", {}


def _raw_html_warnings(content: str, field: str) -> list[str]:
    finder = _TagFinder()
    finder.feed(content)
    finder.close()
    warnings = []
    for tag, has_attributes in finder.tags:
        if tag in TABLE_TAGS:
            warnings.append(f"'{field}' contains an HTML table, which cards may not use: the build leaves it out; "
                            "write it as a Markdown pipe table (| a | b | lines, see the README)")
        elif tag not in RAW_HTML_TAGS:
            warnings.append(
                f"'{field}' contains <{tag}>, which cards may not use: the build leaves it out; use the Markdown "
                f"markup (**bold**, *italic*, lists) or one of {_ALLOWED_RAW}"
            )
        elif has_attributes:
            warnings.append(
                f"'{field}' gives <{tag}> attributes: the build leaves them out; write <{tag}> without attributes")
    if finder.comment:
        warnings.append(f"'{field}' contains an HTML comment: the build leaves it out")
    return warnings


_RAW_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")


def _allowed_raw_html(content: str, block: bool) -> str:
    """Raw HTML as the warnings describe it: tags cards may use, without attributes; nothing else.
    A block is a chunk of HTML with text, cleaned as a whole. An inline token is one tag: one that
    our Markdown also makes (<a>, <h1>, <blockquote>) would pass the sanitiser, so it goes here;
    any other is left to the sanitiser, which also drops what a <script> or <style> holds."""
    if block:
        return nh3.clean(content, tags=set(RAW_HTML_TAGS), attributes={}, strip_comments=True)
    tag = _RAW_TAG.match(content)
    if tag is None:
        return content
    name = tag.group(2).lower()
    if name in RAW_HTML_TAGS:
        return f"<{tag.group(1)}{name}>"
    return "" if name in MARKDOWN_TAGS else content


def _walk(tokens: Iterable[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


class _TagFinder(HTMLReader):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, bool]] = []
        self.comment = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, bool(attrs)))

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        self.tags.append((tag, False))

    def handle_comment(self, data: str) -> None:
        self.comment = True

    def handle_decl(self, decl: str) -> None:
        self.tags.append(("!" + decl.split()[0].lower() if decl else "!", False))

    def unknown_decl(self, data: str) -> None:
        self.tags.append(("![" + data.split("[")[0].lower(), False))

    def handle_pi(self, data: str) -> None:
        self.tags.append(("?", False))


def _unwrap_single_paragraph(rendered: str) -> str:
    """A one-paragraph answer reads better inline than wrapped in <p>."""
    if rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1:
        return rendered[3:-4]
    return rendered


_ANKI_SYNTAX_CHARACTERS = re.compile(r"[\[\]{}]")


class _TextCollector(HTMLReader):
    def __init__(self, leave_out: str | None, images: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.leave_out = leave_out
        self.images = images
        self.depth = 0  # inside the element left out: how many elements deep

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.images and tag == "img" and not self.depth:
            self.parts.append(f" [image {dict(attrs).get('src') or ''}] ")
        if self.depth or (self.leave_out and (dict(attrs).get("class") or "").split().count(self.leave_out)):
            self.depth += tag not in VOID_ELEMENTS

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.parts.append(data)


def to_text(markup: str, code_blocks: bool = True) -> str:
    """What a student reads, without formatting: for counting words and comparing questions; without
    the code blocks' text when not `code_blocks`."""
    tokens = _markdown.parse(markup)
    if not code_blocks:  # left out as tokens, before the HTML is written: what the parser found
        tokens = [token for token in tokens if token.type not in ("fence", "code_block")]
    return html_text(_markdown.renderer.render(tokens, _markdown.options, {}))


def html_text(fragment: str, leave_out: str | None = None, images: bool = False) -> str:
    """The text of an HTML fragment, entities decoded and white space folded; without the elements
    of class `leave_out`, when given; with each image as "[image NAME]", when `images`."""
    collector = _TextCollector(leave_out, images)
    collector.feed(fragment)
    collector.close()
    return " ".join("".join(collector.parts).split())


class _ElementCollector(HTMLReader):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(f"<{tag}>")
        self.elements.extend(f"{name}= on <{tag}>" for name, _ in attrs)

    handle_startendtag = handle_starttag


def _elements(fragment: str) -> list[str]:
    collector = _ElementCollector()
    collector.feed(fragment)
    collector.close()
    return collector.elements


def dropped_markup(markup: str, media: Collection[str] = ()) -> str | None:
    """The tags and attributes the sanitiser would remove from this markup, or None; images of the
    files in `media` are kept."""
    rendered = _markdown.render(markup)
    kept = set(_elements(sanitise(rendered, media)))
    dropped = [element for element in _elements(rendered) if element not in kept]
    return ", ".join(dict.fromkeys(dropped)) or None
