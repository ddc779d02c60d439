"""Card text quoted in Markdown release notes: shown as written, never read as Markdown or HTML.

The release notes are published on GitHub, which reads Markdown, raw HTML, @mentions, #123
references, commit hashes and bare web addresses. A card's text, a deck's or a field's name there
is a contributor's, so each is quoted as a code span: GitHub shows a code span's text as it is and
links nothing inside it. And a changed card's before and after are cut to the change itself, so
that two long texts that differ in one word never show as two identical lines.
"""

from __future__ import annotations

import re

_BACKTICKS = re.compile(r"`+")
_WHITE = re.compile(r"\s+")

# A text up to this long is quoted whole, before and after; a longer one around its change.
WHOLE_CHARS = 160
CONTEXT_CHARS = 40  # shown on each side of a change, to the nearest word
CHANGE_CHARS = 160  # of a long change, the start is shown


def code_span(text: str) -> str:
    """`text` as a Markdown code span on one line: its fence one backtick longer than the longest run
    of backticks inside. A text that begins or ends with a backtick or a space gets a space inside
    each end, which Markdown takes away again: a backtick there cannot join the fence, and a
    space there stays."""
    text = _WHITE.sub(" ", text)
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)
    padding = " " if text[:1] in ("`", " ") or text[-1:] in ("`", " ") else ""
    return f"{fence}{padding}{text}{padding}{fence}"


def change_window(before: str, after: str) -> tuple[str, str]:
    """The parts of `before` and `after` that show how they differ: both whole when they are short,
    else each from a little before the first changed character to a little after the last, cut at
    words, with "…" where text is left out. Both parts hold the same text around the change, so
    they differ whenever the changes do; where a cut still makes them read the same (a long
    repetitive change), each says its length, which then differs."""
    if before == after or max(len(before), len(after)) <= WHOLE_CHARS:
        return before, after
    prefix = _common_prefix(before, after)
    suffix = _common_prefix(before[prefix:][::-1], after[prefix:][::-1])
    start = _word_start(before, max(prefix - CONTEXT_CHARS, 0))
    change_end = len(before) - suffix
    following = _word_end(before, min(change_end + CONTEXT_CHARS, len(before))) - change_end
    shown = tuple(_window(text, start, prefix, len(text) - suffix, following) for text in (before, after))
    if shown[0] == shown[1]:
        return f"{shown[0]} ({len(before)} characters)", f"{shown[1]} ({len(after)} characters)"
    return shown[0], shown[1]


def _window(text: str, start: int, change_start: int, change_end: int, following: int) -> str:
    """The text from `start`: its change, then `following` characters of what follows it; the
    start only of a long change."""
    end = change_start + CHANGE_CHARS if change_end - change_start > CHANGE_CHARS else change_end + following
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def _common_prefix(first: str, second: str) -> int:
    length = 0
    for one, other in zip(first, second, strict=False):  # their common start
        if one != other:
            break
        length += 1
    return length


def _word_start(text: str, position: int) -> int:
    """`position`, moved back to the start of the word it falls in (a word no longer than the context)."""
    for earlier in range(position, max(position - CONTEXT_CHARS, 0) - 1, -1):
        if earlier == 0 or text[earlier - 1].isspace():
            return earlier
    return position


def _word_end(text: str, position: int) -> int:
    """`position`, moved on to the end of the word it falls in (a word no longer than the context)."""
    for later in range(position, min(position + CONTEXT_CHARS, len(text)) + 1):
        if later == len(text) or text[later].isspace():
            return later
    return position
