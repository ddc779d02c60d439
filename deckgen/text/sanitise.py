"""The allow-list every field passes, and HTML in which Anki finds no syntax of its own.

The last line of defence of the card markup (markup.py): whatever reaches a field is cleaned by
the nh3 allow-list here, so that no mistake in the Markdown pass can put script in front of a
student; braces and square brackets become entities, which show the same and do nothing in Anki.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Collection

import nh3

from deckgen.text.highlight import TOKEN_CLASSES

# Raw HTML an educator may write in a field, always without attributes.
RAW_HTML_TAGS = frozenset({"sub", "sup", "u", "mark", "kbd", "small", "br"})
# A pipe table's tags.
TABLE_TAGS = frozenset({"table", "thead", "tbody", "tr", "th", "td"})
# Tags our Markdown produces, and the attributes each may keep. Raw HTML may not write them: what
# our Markdown makes is checked as it is made, what an educator writes as HTML is not.
MARKDOWN_TAGS = frozenset(
    {"p", "br", "strong", "em", "code", "pre", "span", "blockquote", "ul", "ol", "li", "a", "img", "hr",
     "h1", "h2", "h3", "h4", "h5", "h6", "s"} | TABLE_TAGS
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}
# The only classes a field may hold: Pygments' token kinds on the spans of a code block, and a
# table column's alignment (Markdown would write it as an inline style, which cards may not have).
ALIGNMENT_CLASSES = {"left": "align-left", "center": "align-center", "right": "align-right"}
ALLOWED_CLASSES = {
    "span": set(TOKEN_CLASSES),
    "th": set(ALIGNMENT_CLASSES.values()),
    "td": set(ALIGNMENT_CLASSES.values()),
}
LINK_SCHEMES = {"http", "https"}


def sanitise(fragment: str, media: Collection[str] = ()) -> str:
    """The last line of defence: whatever reaches a field passes this allow-list. Images may show
    only the packaged media files in `media`, and links lead only to http(s) addresses: nothing
    on a card may fetch from elsewhere (a tracking pixel, a protocol-relative //host URL)."""
    # Most fields show no media: the one empty set, rather than a set built for each.
    return _cleaner(frozenset(media) if media else _NO_MEDIA).clean(fragment)


_NO_MEDIA: frozenset[str] = frozenset()


@functools.lru_cache(maxsize=256)
def _cleaner(media: frozenset[str]) -> nh3.Cleaner:
    """One allow-list cleaner for each set of media a card may show (most cards show none): nh3
    builds its rules once per cleaner, which makes a field four times faster to clean than
    `nh3.clean` building them again for every field."""

    def allowed_value(tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src":
            return value if value in media else None
        if tag == "a" and attribute == "href":
            return value if value.lower().startswith(("https://", "http://")) else None
        return value

    return nh3.Cleaner(
        tags=set(MARKDOWN_TAGS | RAW_HTML_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        allowed_classes={tag: set(names) for tag, names in ALLOWED_CLASSES.items()},
        attribute_filter=allowed_value,
        url_schemes=set(LINK_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def plain(text: str) -> str:
    """Text that must show exactly as written (topics, names): escaped, never interpreted."""
    return inert(html.escape(text, quote=False))


def inert(fragment: str) -> str:
    """HTML in which Anki finds no syntax of its own: braces (cloze deletions, fields) and square
    brackets ([sound:...]) written as entities, which show the same but do nothing."""
    return brackets_inert(without_cloze_syntax(fragment))


def without_cloze_syntax(fragment: str) -> str:
    """HTML whose braces only show: for fields that may play sounds but must not add cloze cards."""
    # str.replace, not str.translate: five times faster, and most fields have no brace at all.
    if "{" in fragment or "}" in fragment:
        return fragment.replace("{", _BRACE_ENTITIES["{"]).replace("}", _BRACE_ENTITIES["}"])
    return fragment


def brackets_inert(fragment: str) -> str:
    if "[" in fragment or "]" in fragment:
        return fragment.replace("[", _BRACKET_ENTITIES["["]).replace("]", _BRACKET_ENTITIES["]"])
    return fragment


_BRACE_ENTITIES = {"{": "&#123;", "}": "&#125;"}
_BRACKET_ENTITIES = {"[": "&#91;", "]": "&#93;"}
