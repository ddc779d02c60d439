"""Names Anki shows on cards as HTML, unescaped: deck and subdeck names ({{Deck}}, {{Subdeck}}),
note-type names ({{Type}}) and card-template names ({{Card}}). They must be plain text."""

from __future__ import annotations

import html
import re

# None of these characters may make markup, Anki syntax, maths or a CSS comment's end of a name.
UNSAFE_NAME_CHARACTERS = "<>\"{}[]\\*`"
# An '&' that starts a character reference in HTML ('&amp;', '&#38;', '&copy' without its ';').
_CHARACTER_REFERENCE = re.compile(r"&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[A-Za-z][A-Za-z0-9]*;?)")


def name_problem(text: str) -> str | None:
    """What is wrong with `text` as a name Anki shows (deck, subdeck, title, note type, card
    template), or None. Anki puts these names into cards unescaped ({{Deck}}, {{Subdeck}}, {{Type}},
    {{Card}}): so they hold no markup, and an '&' in them must read as an '&' in HTML too ('Anatomy & Physiology',
    'R&D'), not start an entity ('&copy' would show as ©). deckgen escapes the title, once, where
    a template shows it."""
    unsafe = sorted(set(text) & set(UNSAFE_NAME_CHARACTERS))
    if unsafe:
        return (f"contains {' '.join(repr(c) for c in unsafe)}: names are shown on every card as they are, "
                f"so they may not use any of {' '.join(UNSAFE_NAME_CHARACTERS)}")
    for reference in _CHARACTER_REFERENCE.finditer(text):
        shown = html.unescape(reference.group())
        if shown != reference.group():
            return (f"contains '{reference.group()}', which a card would show as '{shown}' (Anki shows names "
                    "as HTML): put a space after the '&', or write 'and'")
    return None
