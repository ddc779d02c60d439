"""Maths that MathJax may typeset on a student's card: an allow-list of TeX commands.

Anki typesets `\\( … \\)` and `\\[ … \\]` with MathJax and loads none of its "safe" extensions, so a
TeX command such as `\\href{javascript:…}` or `\\style{…}` would put a live link or style on the card.
MathJax reads the text of the page, with entities decoded and outside `<code>` and `<pre>`, so that
is what we read too. A field whose text holds a maths delimiter may use only the commands and
environments listed here (symbols, fractions, fonts, matrices, chemistry): none of them can link,
style, load an extension or carry an attribute. Every delimiter must be closed in the field that
opens it, and no field may end with a backslash, so that no maths can begin in one field and end
in another.

Maths is bounded work, too: Anki's reviewer typesets it each time a card is shown, and MathJax
with mhchem takes seconds on long chemistry (10,000 characters of `\\ce`: 11 to 40 s) and hangs
on maths nested a hundred levels deep. So a field's maths is limited in length, in its `\\ce` and
`\\pu` text, in TeX commands and in the depth of its braces (`MAX_*` below; measured in the
reviewer by tests/test_maths_bounds.py). Macros cannot be defined (`\\def`, `\\newcommand` are
not on the list), so nothing expands beyond what is written.

The constants mirror the MathJax configuration of Anki's reviewer (26.9); a test reads that
configuration from the `aqt` wheel and fails if it no longer matches. The same reading of where maths
ends keeps a maths span whole through Markdown (`markdown_plugin`, at the end of this module).
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline

from deckgen.text.htmlreader import HTMLReader

INLINE_MATH = ("\\(", "\\)")
DISPLAY_MATH = ("\\[", "\\]")
# Elements whose text MathJax never reads (its `skipHtmlTags`).
SKIPPED_ELEMENTS = frozenset({"script", "noscript", "style", "textarea", "pre", "code", "annotation", "annotation-xml"})

_GREEK = """alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa varkappa lambda mu nu
xi omicron pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega digamma Gamma Delta Theta
Lambda Xi Pi Sigma Upsilon Phi Psi Omega varGamma varDelta varTheta varLambda varXi varPi varSigma varUpsilon
varPhi varPsi varOmega"""
_OPERATORS = """pm mp times div cdot ast star circ bullet oplus ominus otimes oslash odot cap cup sqcap sqcup vee
wedge setminus smallsetminus wr dagger ddagger amalg uplus triangleleft triangleright bigtriangleup
bigtriangledown lhd rhd unlhd unrhd land lor neg lnot ltimes rtimes centerdot dotplus"""
_RELATIONS = """leq le geq ge neq ne equiv approx approxeq cong sim simeq nsim propto prec succ preceq succeq ll
gg lll ggg subset supset subseteq supseteq subsetneq supsetneq nsubseteq nsupseteq sqsubset sqsupset
sqsubseteq sqsupseteq in ni notin owns vdash dashv models perp mid parallel nmid nparallel bowtie smile frown
asymp doteq lt gt leqslant geqslant lesssim gtrsim nleq ngeq nless ngtr coloneqq eqqcolon triangleq
therefore because"""
_ARROWS = """leftarrow rightarrow to gets leftrightarrow Leftarrow Rightarrow Leftrightarrow longleftarrow
longrightarrow longleftrightarrow Longleftarrow Longrightarrow Longleftrightarrow uparrow downarrow
updownarrow Uparrow Downarrow Updownarrow mapsto longmapsto hookleftarrow hookrightarrow leftharpoonup
rightharpoonup leftharpoondown rightharpoondown rightleftharpoons leftrightharpoons nearrow searrow swarrow
nwarrow implies iff impliedby xrightarrow xleftarrow xleftrightarrow xRightarrow xLeftarrow
xLeftrightarrow xrightleftharpoons rightleftarrows leftrightarrows rightrightarrows leftleftarrows
circlearrowleft circlearrowright curvearrowleft curvearrowright"""
_SYMBOLS = """infty partial nabla forall exists nexists emptyset varnothing aleph beth hbar hslash ell wp Re Im
angle measuredangle triangle square blacksquare Box Diamond diamond lozenge clubsuit diamondsuit heartsuit
spadesuit flat natural sharp prime backprime backslash surd top bot checkmark degree ldots cdots vdots ddots
dots dotsb dotsc dotsm dotsi dotso imath jmath complement colon ldotp cdotp mho eth S P dag ddag
copyright pounds yen euro"""
_FUNCTIONS = """sum prod coprod int iint iiint oint bigcup bigcap bigsqcup bigvee bigwedge bigoplus bigotimes
bigodot biguplus lim limsup liminf sup inf max min argmax argmin det dim exp gcd hom ker lg ln log Pr deg arg
sin cos tan cot sec csc arcsin arccos arctan sinh cosh tanh coth sech csch mod bmod pmod pod operatorname
limits nolimits displaylimits"""
_STRUCTURE = """frac dfrac tfrac cfrac sqrt root of binom dbinom tbinom choose over atop brace brack left right
middle big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr bigm Bigm overline underline overbrace
underbrace overset underset stackrel substack overleftarrow overrightarrow overleftrightarrow underleftarrow
underrightarrow underleftrightarrow widehat widetilde hat check breve acute grave tilde bar vec dot ddot dddot
ddddot mathring not boxed cancel bcancel xcancel mathop mathbin mathrel
mathord mathopen mathclose mathpunct mathinner begin end hline hdashline cr tag notag nonumber"""
_FONTS = """mathrm mathit mathbf mathsf mathtt mathcal mathbb mathfrak mathscr mathnormal boldsymbol pmb text
textrm textit textbf textsf texttt textnormal textup mbox rm it bf sf tt cal displaystyle textstyle
scriptstyle scriptscriptstyle tiny scriptsize footnotesize small normalsize large Large LARGE huge Huge"""
_SPACING = """quad qquad enspace thinspace medspace thickspace negthinspace negmedspace negthickspace space
nobreakspace"""
_DELIMITERS = """langle rangle lceil rceil lfloor rfloor lvert rvert lVert rVert vert Vert lbrace rbrace lbrack
rbrack ulcorner urcorner llcorner lrcorner"""
_CHEMISTRY_COMMANDS = "ce pu"

ALLOWED_COMMANDS = frozenset(
    " ".join((_GREEK, _OPERATORS, _RELATIONS, _ARROWS, _SYMBOLS, _FUNCTIONS, _STRUCTURE, _FONTS, _SPACING,
              _DELIMITERS, _CHEMISTRY_COMMANDS)).split()
)
ALLOWED_ENVIRONMENTS = frozenset(
    """matrix pmatrix bmatrix Bmatrix vmatrix Vmatrix smallmatrix cases array subarray aligned alignedat
    gathered split align align* alignat alignat* gather gather* equation equation* multline multline* CD""".split()
)
# `\` before one of these characters: spacing, escaped specials, accents, a line break and the
# delimiters themselves (whose pairing is checked on its own).
ALLOWED_SYMBOLS = frozenset(",:;!> {}|#$%&_'`^~\"=./-\\\n()[]")

DELIMITER = re.compile(r"\\[()\[\]]")

# Bounds on one field's maths, all its spans together (see the module's docstring): the largest
# fields within them show in Anki's reviewer in one to three seconds, on a loaded machine.
MAX_MATHS_CHARS = 600
MAX_CHEMISTRY_CHARS = 300  # the arguments of \ce and \pu
MAX_COMMANDS = 100
MAX_DEPTH = 20  # of braces
_CHEMISTRY = re.compile(r"\\(?:ce|pu)(?![A-Za-z])\s*")
# The entities that are a backslash: &#92; &#x5C; &bsol; (with any leading zeros or case).
_BACKSLASH_ENTITY = re.compile(r"&(?:#0*92|#x0*5c|bsol);", re.IGNORECASE)
_CONTROL = re.compile(r"\\(?:([A-Za-z]+)|(.)|\Z)", re.DOTALL)
_ENVIRONMENT = re.compile(r"\\(?:begin|end)\s*\{([^{}]*)\}")
_ENVIRONMENT_COMMAND = re.compile(r"\\(?:begin|end)(?![A-Za-z])")
# Inside maths MathJax reads these as units while it looks for the closing delimiter.
_INSIDE = {close: re.compile(re.escape(close) + r"|\\[\\{}$]|[{}]") for _, close in (INLINE_MATH, DISPLAY_MATH)}
_CLOSING = {INLINE_MATH[0]: INLINE_MATH[1], DISPLAY_MATH[0]: DISPLAY_MATH[1]}


class _VisibleText(HTMLReader):
    """The text MathJax reads: entities decoded, skipped elements left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_ELEMENTS:
            self.skipping += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_ELEMENTS and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def span_end(text: str, start: int, close: str, end: int | None = None) -> int | None:
    """Where the maths whose body begins at `start` ends (just after its closing delimiter `close`),
    found the way MathJax finds it: the first `close` outside braces; None if it is not closed
    before `end`."""
    braces = 0
    for inside in _INSIDE[close].finditer(text, start, len(text) if end is None else end):
        if inside.group() == close and braces == 0:
            return inside.end()
        if inside.group() == "{":
            braces += 1
        elif inside.group() == "}" and braces:
            braces -= 1
    return None


def _unclosed(text: str) -> str | None:
    """The first delimiter MathJax would not pair, found the way MathJax looks for maths: an opening
    delimiter, then its closing one outside braces; an opening one left open, or a closing one
    outside maths, is returned."""
    position = 0
    while True:
        found = DELIMITER.search(text, position)
        if found is None:
            return None
        delimiter = found.group()
        close = _CLOSING.get(delimiter)
        if close is None:
            return delimiter
        end = span_end(text, found.end(), close)
        if end is None:
            return delimiter
        position = end


def problems(html: str, field: str, maths_allowed: bool) -> list[str]:
    """Why this field's HTML could let MathJax do more than typeset maths, in an educator's words."""
    if "\\" not in html and not _BACKSLASH_ENTITY.search(html):  # most fields: no backslash, however written
        return []
    text = visible_text(html)
    if "\\" not in text:
        return []
    found = []
    if (len(text) - len(text.rstrip("\\"))) % 2 == 1:
        found.append(
            f"'{field}' ends with a backslash, which MathJax would join to whatever follows on the card: "
            "remove it, or put it in `code`"
        )
    if not DELIMITER.search(text):
        return found
    if not maths_allowed:
        return found + [
            f"'{field}' contains a maths delimiter (\\( \\) \\[ \\]), and only questions, answers, cloze "
            "text, list items and extra may hold maths: write it as plain text"
        ]
    unclosed = _unclosed(text)
    if unclosed is not None:
        partner = f"{_CLOSING[unclosed]} after it" if unclosed in _CLOSING else "\\( or \\[ before it"
        found.append(
            f"'{field}' has {unclosed} with no matching {partner}: "
            "close every \\( with \\) and every \\[ with \\] in the same field (braces inside must "
            "balance), or put the text in `code` to show it as written"
        )
    refused = []
    for control in _CONTROL.finditer(text):
        name, symbol = control.group(1), control.group(2)
        if name is not None and name not in ALLOWED_COMMANDS:
            refused.append(f"\\{name}")
        elif symbol is not None and symbol not in ALLOWED_SYMBOLS:
            refused.append(f"\\{symbol}")
    for environment in _ENVIRONMENT.finditer(text):
        if environment.group(1).strip() not in ALLOWED_ENVIRONMENTS:
            refused.append(f"the environment {environment.group(1).strip() or '(empty)'}")
    if len(_ENVIRONMENT.findall(text)) != len(_ENVIRONMENT_COMMAND.findall(text)):
        refused.append("\\begin or \\end without {name}")
    if "^^" in text:
        refused.append("^^")
    if refused:
        found.append(
            f"'{field}' uses {', '.join(dict.fromkeys(refused))} in a field with maths, which cards may not "
            "use: MathJax could make it a link, a style or a script. Use the TeX commands the README lists "
            "(symbols, \\frac, \\sqrt, fonts, matrices, \\ce …), or put the text in `code`"
        )
    return found + _too_much(_maths_spans(text), field)


def _maths_spans(text: str) -> list[str]:
    """The maths of the text, each span without its delimiters, as MathJax finds them."""
    spans, position = [], 0
    while (found := DELIMITER.search(text, position)) is not None:
        close = _CLOSING.get(found.group())
        end = span_end(text, found.end(), close) if close else None
        if end is None or close is None:
            break  # an unclosed delimiter, which problems() reports: nothing after it is maths
        spans.append(text[found.end():end - len(close)])
        position = end
    return spans


def _too_much(spans: list[str], field: str) -> list[str]:
    """Why the field's maths would keep Anki's reviewer busy for seconds each time the card shows."""
    found = []
    length = sum(map(len, spans))
    if length > MAX_MATHS_CHARS:
        found.append(f"'{field}' holds {length:,} characters of maths, and a field may hold at most "
                     f"{MAX_MATHS_CHARS:,}: Anki typesets maths each time the card is shown, which takes seconds for "
                     "this much; split it over several cards")
    chemistry = sum(_argument_length(span, command.end()) for span in spans for command in _CHEMISTRY.finditer(span))
    if chemistry > MAX_CHEMISTRY_CHARS:
        found.append(f"'{field}' gives \\ce and \\pu more than {MAX_CHEMISTRY_CHARS:,} characters, the most a "
                     "field may give them: mhchem takes seconds on that much chemistry each time the card is shown; "
                     "split the equations over several cards")
    commands = sum(1 for span in spans for control in _CONTROL.finditer(span) if control.group(1))
    if commands > MAX_COMMANDS:
        found.append(f"'{field}' uses {commands:,} TeX commands in its maths, and a field may use at most "
                     f"{MAX_COMMANDS}: Anki's reviewer slows down and can hang on that many; split it over several "
                     "cards")
    depth = max((_depth(span) for span in spans), default=0)
    if depth > MAX_DEPTH:
        found.append(f"'{field}' nests braces {depth} levels deep in its maths, and maths may nest them at most "
                     f"{MAX_DEPTH} deep: Anki's reviewer can hang on deeper maths; write it with fewer levels")
    return found


def _argument_length(span: str, start: int) -> int:
    """How long the argument of the command ending at `start` is: a braced group, or one character;
    counted no further than one past the bound, so that many commands cost no more than one long one."""
    if not span.startswith("{", start):
        return min(1, len(span) - start)
    depth = 0
    for position in range(start, min(len(span), start + MAX_CHEMISTRY_CHARS + 2)):
        depth += {"{": 1, "}": -1}.get(span[position], 0)
        if depth == 0:
            return position - start - 1
    return len(span) - start - 1  # unbalanced: MathJax reads to the end


def _depth(span: str) -> int:
    """How deeply the span's braces nest (an escaped brace is a character, not a group)."""
    deepest = depth = 0
    for unit in re.finditer(r"\\.|[{}]", span, re.DOTALL):
        if unit.group() == "{":
            depth += 1
            deepest = max(deepest, depth)
        elif unit.group() == "}":
            depth = max(depth - 1, 0)
    return deepest


# --- maths between dollar signs ----------------------------------------------------------------
# TeX's and pandoc's way of writing maths, which Anki's MathJax does not read: a student sees the
# dollar signs and the TeX. Read as pandoc's tex_math_dollars reads it, so that prices are not taken
# for maths: an opening `$` followed by a character that is not a space, a closing `$` after one
# that is not a space and not followed by a digit ("$5 and $10", "$5-$10" are no maths), nothing
# across a blank line; `$$…$$` is display maths. A dollar sign written `\$` opens nothing.
DOLLAR_MATHS = re.compile(
    r"(?<![$\\])\$\$(?=[^\s$])(?P<display>(?:[^$\n]|\n(?!\n))+?)(?<=\S)\$\$"
    r"|(?<![$\\])\$(?=[^\s$])(?P<inline>(?:[^$\n]|\n(?!\n))+?)(?<=[^\s\\])\$(?![\d$])"
)


def dollar_maths(prose: str) -> tuple[str, str] | None:
    """The first maths written between dollar signs in `prose` (text outside code and outside
    `\\( \\)` maths), as written and as deckgen's delimiters would write it; None when there is none."""
    found = DOLLAR_MATHS.search(prose)
    if found is None:
        return None
    if found.group("display") is not None:
        return found.group(), f"{DISPLAY_MATH[0]}{found.group('display')}{DISPLAY_MATH[1]}"
    return found.group(), f"{INLINE_MATH[0]}{found.group('inline')}{INLINE_MATH[1]}"


# --- maths through Markdown ---------------------------------------------------------------------
# Markdown would read `\(` as an escaped "(", `\\` as one backslash and `_` or `*` as emphasis, and
# put tags inside a formula, which MathJax cannot read across. So a maths span is one opaque token,
# found before Markdown's own rules run and ended where MathJax ends it; its text reaches the field
# exactly as written (HTML-escaped, which MathJax decodes), and the allow-list above then checks it
# like any other maths on the card. A delimiter that is never paired is kept too, so that the check
# can point at it instead of Markdown quietly turning it into a bracket.


def markdown_plugin(md: MarkdownIt) -> None:
    """Teach a markdown-it parser deckgen's maths: `\\( … \\)` inline, `\\[ … \\]` inline or as a block."""
    # Display maths may begin right after a paragraph's line, as the other blocks do.
    md.block.ruler.before(
        "table", "maths_block", _maths_block, {"alt": ["paragraph", "reference", "blockquote", "list"]}
    )
    md.inline.ruler.before("escape", "maths", _maths_inline)
    md.add_render_rule("maths", lambda self, tokens, index, options, env: escapeHtml(tokens[index].content))


def _maths_inline(state: StateInline, silent: bool) -> bool:
    """A maths span within a line of text (display maths too), or a delimiter no span pairs."""
    delimiter = state.src[state.pos:state.pos + 2]
    if not DELIMITER.fullmatch(delimiter):
        return False
    close = _CLOSING.get(delimiter)
    end = span_end(state.src, state.pos + 2, close, state.posMax) if close else None
    end = end or state.pos + 2  # a delimiter left unpaired stays as written, for the check to report
    if not silent:
        state.push("maths", "", 0).content = state.src[state.pos:end]
    state.pos = end
    return True


def _maths_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """Display maths that starts a line and ends one, over any lines up to the next blank one: as a
    block, a line inside it that starts with `-`, `#` or `>` is maths, not a list or a heading."""
    if state.is_code_block(start_line):
        return False
    begin = state.bMarks[start_line] + state.tShift[start_line]
    if not state.src.startswith(DISPLAY_MATH[0], begin):
        return False
    last = start_line + 1
    while last < end_line and not state.isEmpty(last) and state.sCount[last] >= state.blkIndent:
        last += 1
    text = state.getLines(start_line, last, state.sCount[start_line], False)
    end = span_end(text, len(DISPLAY_MATH[0]), DISPLAY_MATH[1])
    line_end = text.find("\n", end) if end is not None else -1
    if end is None or text[end:None if line_end < 0 else line_end].strip():
        return False  # not closed, or text follows on its line: a paragraph, where the inline rule reads it
    next_line = start_line + text.count("\n", 0, end) + 1
    if not silent:
        # A paragraph of its own (which a tight list shows without <p>, like its other paragraphs),
        # holding only the maths: the inline rule above finds the same span in it.
        state.push("paragraph_open", "p", 1).map = [start_line, next_line]
        inline = state.push("inline", "", 0)
        inline.content, inline.map, inline.children = text[:end], [start_line, next_line], []
        state.push("paragraph_close", "p", -1)
    state.line = next_line
    return True
