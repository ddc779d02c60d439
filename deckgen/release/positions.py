"""Card positions: each card's place in students' new-card queue, assigned once and then kept.

A new card in a student's collection takes the position (`due`) the package gives it, and an import
never changes the position of a card the student already has (ANKI-FACTS; Anki's importer skips
existing cards, rslib `import_export/package/apkg/import/cards.rs`). So a position is given to a
card at its first release and kept for ever, and a card added later takes a free position between
its course neighbours' (course order: subdecks as deck.yaml lists them, then the card files).
Positions are spaced, a gap between cards and a wider one between subdecks, to leave room; when a
gap is used up, only a renumbering makes room, and students who have the deck keep their old
positions: a change a maintainer must allow (guards.py).

Anki gathers new cards by `due, ord` and nothing else (rslib `storage/card/mod.rs`,
`NewCardSorting::LowestPosition`), so two cards of one position come in no defined order: every
card gets a position of its own. Its Check Database moves a new card whose due is 1,000,000 or
more (`storage/card/fix_due_new.sql`): positions stay below that.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence

MAX_POSITION = 999_999
CARD_GAP = 1_000  # room for ten cards inserted one after another between two neighbours, halving
SUBDECK_GAP = 10_000  # and more at the end of a subdeck, where a course most often grows


class NoRoom(Exception):
    """No free position is left between two neighbours for the cards added between them."""

    def __init__(self, card_id: str, after: int, before: int) -> None:
        super().__init__(card_id)
        self.card_id = card_id
        self.after = after  # the neighbours' positions; -1 or MAX_POSITION + 1 at the ends
        self.before = before


def legacy_positions(course: Sequence[str], released: Iterable[str]) -> dict[str, int]:
    """The positions a lock of format 2 gave the released cards: their place in the course among the
    cards of the release (its packages' `due` was the card's place in the course)."""
    released = set(released)
    return {card_id: place for place, card_id in enumerate(card for card in course if card in released)}


def assign(
    course: Sequence[tuple[str, str]], recorded: Mapping[str, int], occupied: Iterable[int] = ()
) -> dict[str, int]:
    """A position for every card of `course` ((card id, subdeck key) in course order): a recorded one
    kept, every other one placed after the nearest card before it that has one, below the next
    position taken (by any card, or by `occupied`: cards students keep that the course no longer
    has). NoRoom when a gap is used up."""
    if len(recorded) == len(course) and all(card_id in recorded for card_id, _ in course):
        return dict(recorded)  # no card to place: a build of released cards
    taken = sorted(set(recorded.values()) | set(occupied))
    positions: dict[str, int] = {}
    after, after_subdeck = -1, None  # the position and subdeck of the last card placed
    waiting: list[tuple[str, str]] = []
    for card_id, subdeck in course:
        if card_id not in recorded:
            waiting.append((card_id, subdeck))
            continue
        _place(waiting, after, after_subdeck, taken, positions)
        waiting = []
        after, after_subdeck = recorded[card_id], subdeck
        positions[card_id] = after
    _place(waiting, after, after_subdeck, taken, positions)
    return positions


def _place(cards: list[tuple[str, str]], after: int, after_subdeck: str | None, taken: list[int],
           positions: dict[str, int]) -> None:
    """Positions for cards that follow one another in the course, after position `after`: spaced as
    a first release spaces them when there is room, else spread evenly over the room there is."""
    if not cards:
        return
    index = bisect.bisect_right(taken, after)
    before = taken[index] if index < len(taken) else MAX_POSITION + 1
    spaced, position, subdeck_before = [], max(after, 0), after_subdeck
    for _, subdeck in cards:
        position += SUBDECK_GAP if subdeck_before is not None and subdeck != subdeck_before else CARD_GAP
        spaced.append(position)
        subdeck_before = subdeck
    if spaced[-1] >= before:
        room = before - after
        if room <= len(cards):
            raise NoRoom(cards[0][0], after, before)
        spaced = [after + room * number // (len(cards) + 1) for number in range(1, len(cards) + 1)]
    for (card_id, _), position in zip(cards, spaced, strict=True):
        positions[card_id] = position
        bisect.insort(taken, position)
