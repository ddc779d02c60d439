"""The allow-list for what a note type gives every student's Anki: its card templates and its CSS.

A card's fields pass markup.py's allow-list; a note type's templates and stylesheet reach the same
page as those fields, for every card, so they pass one of their own, checked on the text Anki
receives (after Jinja). Templates may hold the elements and attributes that deck templates use
(`<div class>`, `<span>`, `<hr id=answer>`, lists, tables, images of the deck's own files, links to
the web, `style=` under the CSS rules) and nothing that runs or fetches: no `<script>` (unless the
deck says `allow_template_script: true`), no `on…=` handler, no `javascript:` or `data:` address, no
`<style>`, `<link>`, `<iframe>`, `<object>`, `<embed>`, `<base>`, `<meta>`, `<form>`, SVG or MathML.
CSS passes stylepolicy.py's rules.

HTML is read with Python's HTML parser (htmlreader.py), CSS with tinycss2 (a CSS Syntax Level 3
tokenizer, which decodes escapes as browsers do: `u\\72l(` is `url(`). Each finding says where it
is in the checked text, the text at fault (to find it in the template's source) and what to do.
`cleaned_template` and `cleaned_stylesheet` remove what the policy forbids, for `deckgen import`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import nh3

from deckgen.errors import shortened
from deckgen.render.stylepolicy import LOCAL_FILE, Finding, css_findings
from deckgen.text.htmlreader import HTMLReader

# What deck templates are made of: deckgen's own, and Anki's stock note types'.
ALLOWED_TAGS = frozenset({
    "div", "span", "p", "br", "hr", "b", "i", "u", "s", "em", "strong", "small", "big", "sub", "sup", "mark",
    "kbd", "code", "pre", "blockquote", "center", "font", "ul", "ol", "li", "dl", "dt", "dd",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
    "col", "colgroup", "a", "img", "ruby", "rt", "rp", "details", "summary", "section", "article", "header",
    "footer", "figure", "figcaption", "abbr", "cite", "q", "dfn", "var", "samp", "wbr",
})
GLOBAL_ATTRIBUTES = frozenset({"class", "id", "title", "lang", "dir", "style", "align"})
TAG_ATTRIBUTES = {
    "a": frozenset({"href"}),
    "img": frozenset({"src", "alt", "width", "height"}),
    "ol": frozenset({"start", "type"}),
    "td": frozenset({"colspan", "rowspan"}),
    "th": frozenset({"colspan", "rowspan", "scope"}),
    "font": frozenset({"color", "face", "size"}),
    "details": frozenset({"open"}),
}
# Elements whose content browsers do not read as HTML: what the parser shows inside is not what runs.
RAW_TEXT = frozenset({"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes",
                      "noscript", "plaintext"})
# A file of the student's Anki media folder, by plain name (`_font.woff2`, `logo.png`), or a
# fragment of the page (`#shadow`, an SVG filter): nothing a browser would fetch from elsewhere.
WEB_LINK = re.compile(r"https?://[^\s\x00-\x1f\"'<>\\]+\Z")
# Anki's own syntax, which it acts on wherever it stands in the card's HTML: it plays [sound:…],
# speaks [anki:tts]…[/anki:tts], compiles [latex], [$], [$$] where LaTeX is on, and with play
# buttons hidden cuts sound and TTS out of the HTML, which can open an attribute to script.
ANKI_BRACKETS = re.compile(r"\[\s*/?\s*(?:sound:|anki:|latex\]|\$\$?\])", re.IGNORECASE)
# The one script a template may hold without allow_template_script: the call that hands an Image
# Occlusion card to Anki's own code (render/occlusion.py writes it), which reads the card's masks
# and draws them. It takes no input and runs nothing of the deck's; any other text is refused.
IMAGE_OCCLUSION_SETUP = """
try {
    anki.imageOcclusion.setup();
} catch (error) {
    document.getElementById("err").textContent = "This card needs Anki 23.10 or AnkiDroid 2.17: " + error;
}
"""
# Elements of Anki's Image Occlusion note type, allowed with exactly these attributes: the canvas
# Anki draws the masks on and the button its code wires to show and hide them (inert without it).
IMAGE_OCCLUSION_TAGS = frozenset({'<canvas id="image-occlusion-canvas">', '<button id="toggle">'})
SCRIPT_ALLOWED = ("allow_template_script is true: this deck's card templates may run script in every student's "
                  "Anki, and every release note says so; set it to false unless a template truly needs <script>")
SCRIPT_IN_RELEASE = ("**This release's card templates run script** in every student's Anki "
                     "(`allow_template_script: true` in cards/deck.yaml).")


def runs_script(template: str) -> bool:
    """Whether an Anki template holds a <script> element (which only allow_template_script lets
    through) other than Anki's own Image Occlusion setup call."""
    return any(finding.removed.startswith("<script") for finding in template_findings(template, image_occlusion=True))


def _what(tag: str) -> str:
    if tag == "script":
        return "a script runs in every student's Anki"
    if tag in ("svg", "math"):
        return f"<{tag}> carries script and links of its own"
    if tag in ("style", "link"):
        return f"<{tag}> restyles or loads from elsewhere: put styles in the note type's stylesheet"
    if tag in ("iframe", "object", "embed", "frame", "frameset", "applet", "portal"):
        return f"<{tag}> loads another page or a plug-in into the card"
    if tag in ("base", "meta"):
        return f"<{tag}> changes where the card's links and files lead"
    if tag in ("form", "input", "button", "textarea", "select", "option"):
        return f"<{tag}> sends or takes input: Anki makes the type-in box itself ({{{{type:Field}}}})"
    return f"<{tag}> is not an element card templates may use"


class _TemplateReader(HTMLReader):
    """Every element, attribute, comment and stray '<' of a template, against the allow-list."""

    def __init__(self, text: str, allow_script: bool, image_occlusion: bool = False) -> None:
        super().__init__(convert_charrefs=False)
        self.text = text
        self.allow_script = allow_script
        self.image_occlusion = image_occlusion  # a template of Anki's Image Occlusion note type
        self.line_starts = [0] + [match.end() for match in re.finditer("\n", text)]
        self.findings: list[Finding] = []
        self.elements: list[_Element] = []  # every start tag, as this reader sees it
        self.script: tuple[str, int] | None = None  # a plain <script> start tag and its place, until its text is read
        self.script_text = ""

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def _add(self, snippet: str, message: str, removed: str, offset: int | None = None) -> None:
        self.findings.append(Finding(self._offset() if offset is None else offset, snippet, message, removed))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raw = self.get_starttag_text() or f"<{tag}>"
        self.elements.append(_Element(tag, tuple((name, value or "") for name, value in attrs), self._offset(), raw))
        rewritten = _rewritten_by_anki(raw, attrs)
        if rewritten:
            self._add(raw, f"{shortened(raw, 60)}: {rewritten}", f"<{tag}> Anki would rewrite")
        if tag == "script" and self.allow_script:
            self._check_script_source(raw, attrs)
            return
        if self.image_occlusion and raw in IMAGE_OCCLUSION_TAGS:
            return
        if self.image_occlusion and raw == "<script>":  # allowed if its text is the setup (handle_endtag)
            self.script, self.script_text = (raw, self._offset()), ""
            return
        if tag not in ALLOWED_TAGS:
            self._add(raw, f"{shortened(raw, 60)}: {_what(tag)}; remove it", f"<{tag}>")
            return
        allowed = GLOBAL_ATTRIBUTES | TAG_ATTRIBUTES.get(tag, frozenset())
        for name, value in attrs:
            problem = _attribute_problem(tag, name, value, allowed)
            if problem:
                at = self._offset() + max(raw.lower().find(name), 0)
                self._add(name, f"{shortened(raw, 60)}: {problem}", f"{name}= on <{tag}>", at)

    handle_startendtag = handle_starttag

    def _check_script_source(self, raw: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "src" and not LOCAL_FILE.match(html.unescape(value or "")):
                self._add(raw, f"{shortened(raw, 60)}: a script may come only from the deck's own files "
                               "(allow_template_script allows scripts written in the template)", "<script src>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self.script is not None:
            raw, offset = self.script
            if self.script_text != IMAGE_OCCLUSION_SETUP:
                self._add(raw, f"{shortened(raw, 60)}: {_what('script')}; remove it", "<script>", offset)
            self.script = None

    def handle_comment(self, data: str) -> None:
        self._add(f"<!--{data[:20]}", "an HTML comment: browsers and parsers disagree on where some end; write "
                                      "a Jinja comment {# … #} instead", "an HTML comment")

    def handle_decl(self, decl: str) -> None:
        self._add(f"<!{decl[:20]}", f"<!{shortened(decl, 30)}>: remove it (a card is part of Anki's page)",
                  f"<!{shortened(decl, 20)}>")

    def unknown_decl(self, data: str) -> None:
        self.handle_decl(data)

    def handle_pi(self, data: str) -> None:
        self._add(f"<?{data[:20]}", f"<?{shortened(data, 30)}: remove it (a card is part of Anki's page)",
                  "a processing instruction")

    def handle_data(self, data: str) -> None:
        if self.script is not None:
            self.script_text += data
            return
        if "<" in data and self.cdata_elem is None:
            at = self._offset() + data.index("<")
            self._add(data[data.index("<"):][:20], "a '<' that starts no tag this reader knows, which a browser "
                                                   "might: write it as &lt;", "a stray '<'", at)


SRC = re.compile(r"\bsrc\s*=", re.IGNORECASE)


def _rewritten_by_anki(raw: str, attrs: list[tuple[str, str | None]]) -> str | None:
    """Why Anki's own rewriting of the card's HTML, after deckgen checked it, could change this start
    tag, or None. Anki escapes media names by a search for `<img … src=` in the raw HTML (it eats a
    quote when that `src=` stands inside another attribute's value), and a typed card's back has
    `<hr id=answer>` cut out as text: so a tag holds no '<' but its own, and `src=` only as its own
    attribute."""
    if "<" in raw[1:]:
        return "a '<' inside a tag: Anki rewrites the card's HTML as text, which can end an attribute early; write &lt;"
    if len(SRC.findall(raw)) > sum(1 for name, _ in attrs if name == "src"):
        return ("'src=' inside an attribute's value: Anki rewrites '<img … src=' as text, eating a quote, which "
                "turns what follows into HTML; write src&#61;")
    return None


def _end_tags_with_more(text: str) -> list[Finding]:
    """End tags with anything after their name: browsers and Anki's own rewriting read what stands
    there (a field Anki fills in can open a quote that runs into the next tag); an end tag needs none."""
    return [Finding(match.start(), match.group(), f"{shortened(match.group(), 60)}: an end tag holds only its name "
                                                  f"(</{match.group(1)}>): remove the rest", "an end tag's attributes")
            for match in re.finditer(r"</([A-Za-z][^\s/>]*)([^>]*)>", text) if match.group(2).strip()]


def _attribute_problem(tag: str, name: str, value: str | None, allowed: frozenset[str]) -> str | None:
    """Why the attribute may not stand in a template, or None."""
    if name.startswith("on"):
        return f"the event handler {name}= runs script in every student's Anki; remove it"
    if name not in allowed:
        return f"the attribute {name}= is not one card templates may use on <{tag}>; remove it"
    decoded = html.unescape(value or "")
    if name == "href" and not WEB_LINK.match(decoded):
        return (f"a link to '{shortened(decoded, 40)}': a card may link only to http(s) addresses "
                "(javascript: and data: addresses run or show what they hold)")
    if name == "src" and not LOCAL_FILE.match(decoded):
        return (f"an image from '{shortened(decoded, 40)}': a card may load only the deck's own files; "
                "write a media file's plain name (src=\"_logo.png\")")
    if name == "style":
        problems = [found[3] for found in css_findings(decoded, declarations=True)]
        if problems:
            return f"style=: {problems[0]}"
    return None


def template_findings(text: str, allow_script: bool = False, image_occlusion: bool = False) -> list[Finding]:
    """What the policy forbids in an Anki card template's text, in the order it stands. Only a
    template of Anki's Image Occlusion note type (`image_occlusion`) may hold its setup call, its
    canvas and its button: a project's own templates never (a cloze card would run Anki's code)."""
    reader = _TemplateReader(text, allow_script, image_occlusion)
    reader.feed(text)
    reader.close()
    if reader.script is not None:  # a script never closed: its text runs to the end
        reader.handle_endtag("script")
    syntax = {match.start(): match for match in ANKI_BRACKETS.finditer(text)}
    for match in syntax.values():
        reader.findings.append(Finding(
            match.start(), match.group(),
            f"Anki's own syntax '{match.group()}': Anki plays, speaks or compiles it, and with play buttons hidden "
            "cuts it out of the card's HTML, which can open a tag to script; write '[' as &#91; to show it",
            f"Anki's syntax {match.group()}"))
    reader.findings += _brackets_and_backslashes(text, set(syntax)) + _end_tags_with_more(text)
    differently = _read_differently(text, reader.elements)
    if differently is not None and not any(  # a tag refused already needs no second word
            differently.offset <= finding.offset < differently.offset + max(len(differently.snippet), 1)
            for finding in reader.findings):
        reader.findings.append(differently)
    if reader.cdata_elem is not None:  # an element left open that browsers read as raw text to the end
        reader.findings.append(Finding(len(text), "", f"<{reader.cdata_elem}> is never closed", "an unclosed element"))
    return sorted(reader.findings)


@dataclass(frozen=True)
class _Element:
    tag: str
    attributes: tuple[tuple[str, str], ...]
    offset: int  # where its start tag stands in the checked text
    raw: str  # the start tag as written


# Elements a browser adds where the HTML leaves them out: not written, so not compared.
IMPLIED = frozenset({"html", "head", "body", "tbody", "tr", "colgroup"})
# A backslash however written: MathJax reads `\` before a name or a field Anki puts there (`\{{Card}}`
# with a template named "(") as the start of maths, which the template's own text never shows.
BACKSLASH = re.compile(r"\\|&#0*92;?|&#x0*5c;?|&bsol;", re.IGNORECASE)
MATHS_DELIMITER = re.compile(r"\\[()\[\]]")  # refused by notetypes.py with a message of its own


def _brackets_and_backslashes(text: str, syntax: set[int]) -> list[Finding]:
    """Square brackets and backslashes, which a template never needs: beside a name or a field Anki
    puts in (`[{{Card}}]`, a card whose text is "sound:x.mp3"), or across {{FrontSide}} (a front ending
    in '[' and a back going on 'sound:'), they make Anki's sound syntax or a MathJax delimiter that no
    part of the template shows on its own."""
    delimiters = {match.start() + offset for match in MATHS_DELIMITER.finditer(text) for offset in (0, 1)}
    findings = []
    for match in re.finditer(r"[\[\]]", text):
        if match.start() not in syntax and match.start() not in delimiters:
            findings.append(Finding(
                match.start(), match.group(),
                f"a '{match.group()}' in a template: beside a field or a name Anki fills in, or across "
                "{{FrontSide}}, it can make Anki's sound syntax, which with play buttons hidden opens a tag to script; "
                "write it as "
                f"{'&#91;' if match.group() == '[' else '&#93;'}", f"'{match.group()}'"))
    for match in BACKSLASH.finditer(text):
        if match.start() not in delimiters:
            findings.append(Finding(
                match.start(), match.group(),
                f"a backslash ({match.group()}) in a template: MathJax reads it, with a name or field Anki puts "
                "after it, as the start of maths (\\href can run script); write TeX in a card's fields, where it is "
                "checked", "a backslash"))
    return findings


def _read_differently(text: str, elements: list[_Element]) -> Finding | None:
    """Where a browser reads the template's tags otherwise than this module's reader (an HTML5
    parser, html5lib, against Python's: `alt==" src=x onerror=…"` is one attribute to Python and
    three to a browser): the first such tag, refused, since what was checked is not what would run."""
    import html5lib  # only where a template is checked

    browser = [
        _Element(str(element.tag).rpartition("}")[2],
                 tuple((str(name), str(value)) for name, value in element.attrib.items()), 0, "")
        for element in html5lib.parse(text, namespaceHTMLElements=False).iter()
        if isinstance(element.tag, str) and not (element.tag in IMPLIED and not element.attrib)
    ]
    written = [element for element in elements if not (element.tag in IMPLIED and not element.attributes)]
    for index, element in enumerate(written):
        seen = browser[index] if index < len(browser) else None
        if seen is None or (seen.tag, sorted(seen.attributes)) != (element.tag, sorted(element.attributes)):
            shown = "nothing" if seen is None else "<" + " ".join(
                [seen.tag] + [f'{name}="{shortened(value, 20)}"' for name, value in seen.attributes]) + ">"
            return Finding(element.offset, element.raw,
                           f"{shortened(element.raw, 60)}: a browser reads this tag as {shortened(shown, 80)}, not as "
                           "it is written: write each attribute as name=\"value\", separated by plain spaces",
                           f"<{element.tag}> read otherwise by browsers")
    if len(browser) > len(written):
        extra = browser[len(written)]
        return Finding(len(text), "", f"a browser reads a <{extra.tag}> element that the template does not write "
                                      "plainly: write every tag as <name attribute=\"value\">", "a hidden element")
    return None


# --- CSS ----------------------------------------------------------------------------------------


def _allowed_attribute(tag: str, name: str, value: str) -> str | None:
    allowed = GLOBAL_ATTRIBUTES | TAG_ATTRIBUTES.get(tag, frozenset())
    return None if _attribute_problem(tag, name, value, allowed) else value


def cleaned_template(text: str) -> tuple[str, tuple[str, ...]]:
    """The template without what the policy forbids, and what was removed; a template with nothing
    forbidden is kept byte for byte. What is removed is removed by nh3 (the html5ever parser, which
    reads HTML as browsers do), keeping only the allowed elements and attributes; Anki's {{…}} tags
    are text to it and stay."""
    findings = template_findings(text, image_occlusion=True)  # Anki's own setup call is kept
    if not findings:
        return text, ()
    removed = tuple(dict.fromkeys(finding.removed for finding in findings))
    attributes = {tag: set(GLOBAL_ATTRIBUTES | TAG_ATTRIBUTES.get(tag, frozenset())) for tag in ALLOWED_TAGS}
    cleaned = nh3.clean(text, tags=set(ALLOWED_TAGS), attributes=attributes, url_schemes={"http", "https"},
                        link_rel=None, strip_comments=True, attribute_filter=_allowed_attribute,
                        clean_content_tags=set(RAW_TEXT - ALLOWED_TAGS))
    # Brackets and backslashes are text to nh3: written as entities, or (a backslash) left out.
    cleaned = BACKSLASH.sub("", cleaned.replace("[", "&#91;").replace("]", "&#93;"))
    if template_findings(cleaned, image_occlusion=True):  # what nh3 wrote must pass our reader as it is
        cleaned = html.escape(re.sub(r"<[^>]*>", "", cleaned), quote=False)
    return cleaned, removed
