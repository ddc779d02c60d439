"""The reader of the fast reading: plain values (plainload.py) checked by their keys (keys.py).

A key checks a value the same way for both readings; this reader gives what the careful one
(keys.Reader) gives, with each value's place kept as a `Pointer` found only if asked, and EXPLAIN
wherever a check complains, so that the careful reading runs and says what and where.
"""

from __future__ import annotations

from typing import Any

from deckgen.errors import Where
from deckgen.source.load import Pointer, Positions, Text


class _Explain:
    """What a key's quick reading gives for a value its check refuses: the value may be wrong, or
    right in a way only the position-keeping reading can tell (a number written as text); that
    reading decides, and says where."""

    def __repr__(self) -> str:
        return "EXPLAIN"


EXPLAIN: Any = _Explain()


class QuickReader:
    """Reads plain values (plainload.py), for a file with nothing to report: any key whose check
    refuses its value gives EXPLAIN, and the file is read again by `Reader`, which says what and
    where. Values keep their place as a `Pointer` (a text: its card's, and its key), whose line and
    column are found only if a later stage asks; a place is the steps to the value,
    ("cards", card, key[, item]) or (key[, item])."""

    def __init__(self, context: Any, positions: Positions) -> None:
        self.context, self.positions = context, positions
        # Checked values of keys whose check depends on the value alone and whose values repeat (a
        # card's kind): each checked once per file, and every card given the one copy.
        self.remembered: dict[tuple[Any, str], Any] = {}  # by (key, text)
        self._card_place: Pointer | None = None

    def pointer(self, steps: tuple[Any, ...]) -> Pointer:
        """Where the value at `steps` stands."""
        if steps[0] == "cards":
            if len(steps) == 3 and steps[2] == "id":
                return self.card_place(steps[1])
            return Pointer(self.positions, steps[1], steps[2], steps[3] if len(steps) > 3 else None)
        return Pointer(self.positions, None, steps[0], steps[1] if len(steps) > 1 else None)

    def card_place(self, card: int) -> Pointer:
        """Where card number `card` stands (its id), one for all of its texts."""
        if self._card_place is None or self._card_place.card != card:
            self._card_place = Pointer(self.positions, card, "id")
        return self._card_place

    @staticmethod
    def written(value: Any, at: tuple[Any, ...]) -> Any:
        """A text as written: the text itself."""
        return value

    def text(self, value: str, at: tuple[Any, ...]) -> Text:
        """A text at `at`, which knows where it stands through its card's place."""
        if at[0] == "cards":
            return Text(value, self.card_place(at[1]), at[2], at[3] if len(at) > 3 else None)
        return Text(value, self.pointer(at))

    def place(self, at: tuple[Any, ...]) -> Where:
        return self.pointer(at)

    @staticmethod
    def item(at: tuple[Any, ...], index: int) -> tuple[Any, ...]:
        return (*at, index)
