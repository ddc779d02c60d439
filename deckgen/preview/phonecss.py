"""The deck's CSS for the preview page, with its phone rules also applied in the phone view.

On a phone, Anki's reviewer is as wide as the screen, so the deck's `@media (max-width: …)` rules for
narrow screens apply; AnkiDroid and AnkiMobile also put the class `mobile` on the page, for rules
such as `.mobile .card`. The preview's phone view is a column 390 px wide on a wide screen, where no
media query about the window is true: so each media block that a 390 px screen satisfies is repeated
right after itself with every selector scoped to the phone view (`:where(.preview-phone) …`), and
the page's script puts `mobile` on the body there (preview.js). `:where()` adds no specificity and
the copy stands where the block stood, so the deck's rules win and lose against each other in the
phone view as they do on a phone.
"""

from __future__ import annotations

import re

import tinycss2
from tinycss2.ast import AtRule, Node, QualifiedRule

PHONE_WIDTH = 390  # px: the width of the preview's phone view, a common phone's (iPhone 12 to 15)
PHONE_VIEW = ":where(.preview-phone) "
# A media query true on a phone and not on a wide screen: `(max-width: N)` with N px at least a phone's.
_NARROW = re.compile(r"\s*(?:only\s+)?(?:screen\s+and\s+)?\(\s*max-width\s*:\s*(\d+(?:\.\d+)?)px\s*\)\s*", re.I)


def with_phone_view(css: str) -> str:
    """`css` with each phone-width media block also applied under `.preview-phone`."""
    if "@media" not in css.lower():
        return css
    parts = []
    for rule in tinycss2.parse_stylesheet(css):
        parts.append(rule.serialize())
        if _for_phones(rule) and isinstance(rule, AtRule) and rule.content is not None:
            scoped = [_scoped(inner) for inner in tinycss2.parse_rule_list(rule.content)]
            parts.append("\n/* the rules above, in the preview's phone view */\n" + "".join(scoped))
    return "".join(parts)


def _for_phones(rule: Node) -> bool:
    if not isinstance(rule, AtRule) or rule.lower_at_keyword != "media":
        return False
    narrow = _NARROW.fullmatch(tinycss2.serialize(rule.prelude))
    return narrow is not None and float(narrow.group(1)) >= PHONE_WIDTH


def _scoped(rule: Node) -> str:
    if not isinstance(rule, QualifiedRule):
        return str(rule.serialize())  # whitespace, a comment, or a nested at-rule, which stays as it is
    selectors: list[list[Node]] = [[]]
    for token in rule.prelude:  # commas inside :is(…) and the like are inside their function's token
        if token.type == "literal" and token.value == ",":
            selectors.append([])
        else:
            selectors[-1].append(token)
    scoped = ", ".join(PHONE_VIEW + tinycss2.serialize(selector).strip() for selector in selectors)
    return f"{scoped} {{{tinycss2.serialize(rule.content)}}}"
