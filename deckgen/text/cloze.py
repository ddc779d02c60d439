"""Anki's cloze syntax, owned here: `{{c1::hidden text::hint}}` parsed once into text and deletions.

Every other module asks a parsed `ClozeText` what it needs (the numbers that make cards, what each
number hides, how a card shows it) instead of matching the syntax again. The rules follow Anki's
own reading: `{{cN::` opens a deletion, `}}` closes it, the first `::` inside a deletion starts its
hint. Anki would also read a deletion inside another; deckgen refuses that, because the outer
deletion would then hide another card's answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

MAX_CLOZE_NUMBER = 500
_TOKEN = re.compile(r"\{\{c([0-9]{1,6})::|\{\{|\}\}")  # a longer number is no deletion Anki could make


@dataclass(frozen=True, slots=True)
class Deletion:
    number: int
    hidden: str  # the text the deletion hides, as written (HTML once rendered), without its hint
    hint: str | None  # None when there is no "::"
    # What the deletion is known by when its text is no name (an occlusion mask's id, not its
    # coordinates): what the release lock records it hides.
    name: str | None = None


@dataclass(frozen=True, slots=True)
class ClozeText:
    """A text split into plain parts and deletions, in order."""

    parts: tuple[str | Deletion, ...]

    @property
    def deletions(self) -> tuple[Deletion, ...]:
        return tuple(part for part in self.parts if isinstance(part, Deletion))

    @property
    def numbers(self) -> tuple[int, ...]:
        """The cloze numbers in ascending order: one Anki card each."""
        return tuple(sorted({deletion.number for deletion in self.deletions}))

    def hidden_by_number(self) -> dict[int, tuple[str, ...]]:
        """What each number hides (one number may hide several places), in number order."""
        hidden: dict[int, list[str]] = {}
        for deletion in self.deletions:
            hidden.setdefault(deletion.number, []).append(deletion.hidden)
        return {number: tuple(hidden[number]) for number in sorted(hidden)}

    def syntax(self) -> str:
        """The text written in Anki's cloze syntax, as a note's field holds it."""
        return self.replace(
            lambda part: f"{{{{c{part.number}::{part.hidden}{'' if part.hint is None else '::' + part.hint}}}}}"
        )

    def replace(self, show: Callable[[Deletion], str]) -> str:
        """The text with each deletion replaced by what `show` makes of it."""
        return "".join(part if isinstance(part, str) else show(part) for part in self.parts)

    def card_side(self, ordinal: int, answer: bool) -> str:
        """The text as Anki shows it on card `ordinal` (1-based), without Anki's markup around the
        deletions: the active one as `[...]` or `[hint]` on the front, every one revealed on the back."""
        return self.replace(
            lambda part: part.hidden if answer or part.number != ordinal else f"[{part.hint or '...'}]"
        )


@dataclass(frozen=True, slots=True)
class ClozeProblem:
    """Why a text is not valid cloze text, in the words an educator reads."""

    message: str


def parse(text: str) -> ClozeText | ClozeProblem:
    """Split `text` into plain parts and deletions, or say what is wrong with its syntax."""
    parts: list[str | Deletion] = []
    opened: list[tuple[re.Match[str], bool]] = []  # each open `{{`, and whether it began a deletion
    position = 0  # start of the text not yet in `parts`
    deletion_start = 0  # where the body of the open deletion begins
    other_braces = False
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token == "}}":
            if not opened:
                return ClozeProblem(
                    f"unbalanced braces in cloze text: '}}}}' at character {match.start() + 1} closes nothing"
                )
            start, is_deletion = opened.pop()
            if is_deletion:
                if text[position:start.start()]:
                    parts.append(text[position:start.start()])
                hidden, separator, hint = text[deletion_start:match.start()].partition("::")
                parts.append(Deletion(int(start.group(1)), hidden, hint if separator else None))
                position = match.end()
            continue
        if match.group(1) is not None and any(is_deletion for _, is_deletion in opened):
            outer = next(found for found, is_deletion in reversed(opened) if is_deletion)
            return ClozeProblem(
                f"cloze deletion c{match.group(1)} is inside deletion c{outer.group(1)}: deletions cannot "
                "be nested (the outer card would hide the inner card's answer); write them side by side"
            )
        if match.group(1) is None:
            other_braces = True
        elif not opened:
            deletion_start = match.end()
        opened.append((match, match.group(1) is not None and not opened))
    if opened:
        return ClozeProblem(
            f"unbalanced braces in cloze text: '{{{{' at character {opened[-1][0].start() + 1} is never "
            "closed with '}}'"
        )
    if text[position:]:
        parts.append(text[position:])
    if other_braces:
        return ClozeProblem("malformed cloze deletion: write {{c1::hidden text}} (a 'c', a number and '::')")
    return ClozeText(tuple(parts))


def checked(text: str) -> tuple[ClozeText | None, list[str]]:
    """The parse of a cloze text and everything wrong with it, for validation: its syntax first, then
    each deletion. The parse is None when there is anything wrong."""
    parsed = parse(text)
    if isinstance(parsed, ClozeProblem):
        return None, [parsed.message]
    found = deletion_problems(parsed)
    return (None if found else parsed), found


def deletion_problems(parsed: ClozeText) -> list[str]:
    """What is wrong with the deletions of a text whose syntax is right."""
    if not parsed.deletions:
        return ["cloze text has no deletion: mark what to hide as {{c1::...}}"]
    found = []
    for deletion in parsed.deletions:
        if deletion.number > MAX_CLOZE_NUMBER:
            return [f"cloze number c{deletion.number} is too high: Anki cards go up to c{MAX_CLOZE_NUMBER}"]
        if deletion.number == 0:
            found.append("cloze numbers start at 1: use {{c1::...}}, not {{c0::...}}")
        if not deletion.hidden.strip():
            found.append(
                f"cloze deletion c{deletion.number} hides nothing: put the hidden text after 'c{deletion.number}::'"
            )
    return found

