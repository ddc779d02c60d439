"""Code blocks highlighted when the deck is built: Pygments' tokens as `<span class="…">`, nothing else.

A card must hold no script and no inline style, so highlighting cannot happen in the student's Anki
(a script) nor carry its colours with it (`style=`). Pygments writes each token of the code as a
span whose class names the token's kind (`k` a keyword, `s2` a string, `c1` a comment); the deck's
CSS (templates/style.css) colours those classes, in day and night mode. The sanitiser lets `class`
through on spans only with the names in `TOKEN_CLASSES`.

Highlighting is bounded work. Some of Pygments' lexers take time that grows with the square or the
cube of the code on unusual input (2,500 characters for `systemd` took 100 s), and a build, CI and
`check` run on contributed cards. So only the languages in `ALLOWED_LANGUAGES` are highlighted (each
measured on hostile input by tests/test_highlight_fuzz.py), and only up to `MAX_HIGHLIGHTED_CHARS`
characters a block; any other block is plain code, and `problem()` says why to the educator. A
limit of size, not of time, so that a build gives the same bytes on a slow machine as on a fast one.
"""

from __future__ import annotations

import functools
import html
from typing import TYPE_CHECKING

from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

from deckgen.text import cloze

if TYPE_CHECKING:
    from pygments.formatters import HtmlFormatter
    from pygments.lexer import Lexer

# Every class Pygments' HTML formatter gives a token. A token of a kind some lexer made up itself
# gets its nearest standard kind's class as well, so it is still coloured once the others are gone.
TOKEN_CLASSES = frozenset(name for name in STANDARD_TYPES.values() if name)

# The languages highlighted, by one name each; every other name of the same lexer works too (`py`,
# `sh`, `js`, `c++`). Each is fuzzed at MAX_HIGHLIGHTED_CHARS in tests/test_highlight_fuzz.py and
# finishes in well under a second. Left out on purpose: lexers measured slow on hostile input
# (systemd, make) and those that pick other lexers by a name in the code itself (markdown, rst).
ALLOWED_LANGUAGES = (
    "bash", "c", "console", "cpp", "csharp", "css", "diff", "docker", "go", "haskell", "html", "ini", "java",
    "javascript", "json", "julia", "kotlin", "latex", "lua", "matlab", "mysql", "nginx", "perl", "php",
    "postgresql", "powershell", "pycon", "python", "pytb", "r", "ruby", "rust", "scala", "sql", "sqlite3",
    "swift", "text", "toml", "typescript", "xml", "yaml",
)
# Longer blocks are plain: the slowest allowed lexer's time grows with the square of the code's
# length (C on 10,000 blank lines: seconds), and a flash card's code is a few lines.
MAX_HIGHLIGHTED_CHARS = 2_000
# Anki finds a cloze deletion in a field's HTML only as `{{c1::…}}` written in one piece, in code too
# (to Anki, <pre><code> is text like any other); highlighting would put its braces, number and colons
# into spans of their own, and Anki would find none. So each deletion is highlighted as one word,
# which every lexer keeps whole, and put back as written: its text shows uncoloured.
_CLOZE_WORD = "deckgenclozeplace{}x"


def code_html(code: str, language: str) -> str:
    """The code as HTML: highlighted spans when the language is one deckgen highlights and the code
    no longer than MAX_HIGHLIGHTED_CHARS, else escaped text.

    An unknown or missing language is plain code, not a warning: a build warning means content was
    left out for safety (and CI's `--strict` makes it an error), while here nothing is lost but
    colour; `text`, `output` or a pseudo-code fence are meant plain, and the preview shows the rest.
    """
    lexer = _lexer(language.lower()) if language else None
    if lexer is None or not code or len(code) > MAX_HIGHLIGHTED_CHARS or not _allowed(lexer):
        return html.escape(code, quote=False)
    from pygments import highlight  # on first use, as the lexers: most decks have no code

    parsed = cloze.parse(code) if "{{c" in code else None
    if not isinstance(parsed, cloze.ClozeText) or not parsed.deletions:
        return highlight(code, lexer, _formatter())
    return _with_deletions_whole(parsed, lexer) or html.escape(code, quote=False)


def _with_deletions_whole(parsed: cloze.ClozeText, lexer: Lexer) -> str | None:
    """Highlighted code whose cloze deletions Anki still finds; None if a lexer did not keep each
    deletion's word whole (the code is then shown plain, its deletions intact)."""
    from pygments import highlight

    pieces: list[str] = []
    deletions: list[cloze.Deletion] = []
    for part in parsed.parts:
        pieces.append(part if isinstance(part, str) else _CLOZE_WORD.format(len(deletions)))
        deletions += [] if isinstance(part, str) else [part]
    highlighted = highlight("".join(pieces), lexer, _formatter())
    for number, deletion in enumerate(deletions):
        word = _CLOZE_WORD.format(number)
        if highlighted.count(word) != 1:
            return None
        highlighted = highlighted.replace(word, html.escape(cloze.ClozeText((deletion,)).syntax(), quote=False))
    return highlighted


@functools.cache
def _formatter() -> HtmlFormatter[str]:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(nowrap=True)  # spans and text only: no <div>, <pre>, line numbers or style


def problem(code: str, language: str, field: str) -> str | None:
    """Why a code block whose fence names a language Pygments knows is shown without colours, in an
    educator's words; None when it is highlighted, or its language is unknown (meant plain)."""
    lexer = _lexer(language.lower()) if language else None
    if lexer is None:
        return None
    if not _allowed(lexer):
        return (f"'{field}' has a code block in '{language}', a language deckgen does not highlight (its "
                "highlighter can take minutes on some code): the build shows it as plain code; to colour it, "
                f"name one of {', '.join(ALLOWED_LANGUAGES)}")
    if len(code) > MAX_HIGHLIGHTED_CHARS:
        return (f"'{field}' has a code block of {len(code):,} characters: the build shows it as plain code, since "
                f"only blocks up to {MAX_HIGHLIGHTED_CHARS:,} characters are highlighted (more could take minutes); "
                "shorten it, or mark it 'text'")
    return None


@functools.lru_cache(maxsize=64)
def _lexer(language: str) -> Lexer | None:
    from pygments.lexers import get_lexer_by_name  # on first use: most decks have no code

    try:
        # stripnl off: the blank lines an educator put at the top of the code stay, as in plain code.
        return get_lexer_by_name(language, stripnl=False)
    except ClassNotFound:
        return None


def _allowed(lexer: Lexer) -> bool:
    """Whether the lexer is one of ALLOWED_LANGUAGES, known by its names (making the others to
    compare with would compile every allowed lexer's expressions: seconds)."""
    return not _ALLOWED_NAMES.isdisjoint(lexer.aliases)


_ALLOWED_NAMES = frozenset(ALLOWED_LANGUAGES)
