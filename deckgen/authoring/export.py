"""`deckgen export csv`: every card of the deck as one table, to read and review in a spreadsheet.

One row a card, in course order, with a column for each key any card uses, spelt as in YAML; a
list holds one item per line of its cell, and tags are separated by spaces: the table reads back
as a card file (source/tablefile.py) and builds the same cards.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from deckgen.source.deck import Card, Project
from deckgen.source.load import Text
from deckgen.source.masks import Mask, Picture, mask_yaml

# Card attributes that are the reading's own, not keys an educator writes.
_NOT_KEYS = frozenset({"where", "parsed_cloze", "values"})
_FIRST = ("id", "kind", "subdeck")


def cards_table(project: Project) -> str:
    """The cards as CSV text (comma-separated, quoted where a cell needs it)."""
    rows = [_row(card) for card in project.cards]
    columns = list(_FIRST) + sorted({key for row in rows for key in row} - set(_FIRST), key=_column_order)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([row.get(column, "") for column in columns] for row in rows)
    return out.getvalue()


def _row(card: Card) -> dict[str, str]:
    values: dict[str, Any] = {name: getattr(card, name) for name in card.__dataclass_fields__ if name not in _NOT_KEYS}
    values.update(dict(card.values))
    return {name: cell for name, value in values.items() if (cell := _cell(name, value))}


def _cell(name: str, value: Any) -> str:
    if isinstance(value, Text):
        return value.value
    if isinstance(value, Picture):
        return value.name
    if isinstance(value, Mask):
        return mask_yaml(value)
    if isinstance(value, bool):
        return "true" if value else ""
    if isinstance(value, tuple):
        parts = [part.name if hasattr(part, "name") else _cell(name, part) for part in value]
        return (" " if name == "tags" else "\n").join(parts)
    return "" if value is None else str(value)


_ORDER = ("question", "answer", "text", "items", "ordered", "topic", "extra", "source", "tags", "media", "retired",
          "guid", "corrects")


def _column_order(name: str) -> tuple[int, str]:
    return (_ORDER.index(name) if name in _ORDER else len(_ORDER), name)
