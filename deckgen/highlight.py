"""Code blocks highlighted when the deck is built: Pygments' tokens as `<span class="…">`, nothing else.

A card must hold no script and no inline style, so highlighting cannot happen in the student's Anki
(a script) nor carry its colours with it (`style=`). Pygments writes each token of the code as a
span whose class names the token's kind (`k` a keyword, `s2` a string, `c1` a comment); the deck's
CSS (templates/style.css) colours those classes, in day and night mode. The sanitiser lets `class`
through on spans only with the names in `TOKEN_CLASSES`.
"""

from __future__ import annotations

import functools
import html

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

# Every class Pygments' HTML formatter gives a token. A token of a kind some lexer made up itself
# gets its nearest standard kind's class as well, so it is still coloured once the others are gone.
TOKEN_CLASSES = frozenset(name for name in STANDARD_TYPES.values() if name)

_FORMATTER = HtmlFormatter(nowrap=True)  # spans and text only: no <div>, <pre>, line numbers or style


def code_html(code: str, language: str) -> str:
    """The code as HTML: highlighted spans when Pygments knows the language, else escaped text.

    An unknown or missing language is plain code, not a warning: a build warning means content was
    left out for safety (and CI's `--strict` makes it an error), while here nothing is lost but
    colour; `text`, `output` or a pseudo-code fence are meant plain, and the preview shows the rest.
    """
    lexer = _lexer(language.lower()) if language else None
    if lexer is None or not code:
        return html.escape(code, quote=False)
    return highlight(code, lexer, _FORMATTER)


@functools.lru_cache(maxsize=64)
def _lexer(language: str) -> Lexer | None:
    from pygments.lexers import get_lexer_by_name  # on first use: most decks have no code

    try:
        # stripnl off: the blank lines an educator put at the top of the code stay, as in plain code.
        return get_lexer_by_name(language, stripnl=False)
    except ClassNotFound:
        return None
