"""Card files kept as spreadsheets: `cards/*.csv` (comma-separated) and `cards/*.tsv` (tab-separated).

The first row names the keys, as a YAML card file spells them (`id`, `kind`, `question`, `answer`,
`extra`, `source`, `tags` …); every other row is one card. The table becomes the same
position-keeping nodes a YAML file composes to (load.py), so one validation (cardfile.py) reads
both and says every problem at `file:row:column`, the row as the spreadsheet numbers it (the
header is row 1) and the column counted from 1 (A = 1). A list key's cell holds one item per line;
`tags` may also be separated by spaces. A .csv file may be separated by semicolons, as
spreadsheets set to languages with decimal commas save it. An empty cell is a key left out. A file named after a
subdeck (`first.csv` for the subdeck `first`) puts its cards there unless a `subdeck` cell says
otherwise, as `subdeck:` heads a YAML file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterator

from deckgen.errors import DeckError, Location, ProblemCollector
from deckgen.source.keys import BooleanKey, Key, ListKey, did_you_mean
from deckgen.source.load import Mapping, Node, Scalar, Sequence

TABLE_DELIMITERS = {".csv": ",", ".tsv": "\t"}
_TRUE, _FALSE = ("true", "yes", "on"), ("false", "no", "off")


def compose_table(text: str, shown_as: str, suffix: str, subdeck: str | None, keys: Collection[Key]) -> Node | None:
    """The table as a card file's nodes (`subdeck:` when given, and `cards:`); None for an empty file. A header
    cell that names no key is a problem at its place, raised with the others of the header."""
    rows = list(_rows(text, shown_as, _delimiter(text, suffix)))
    if not rows:
        return None
    (_, header), body = rows[0], rows[1:]
    by_name = {key.name: key for key in keys}
    columns = _columns(header, by_name, shown_as)
    start = Location(shown_as, 1, 1)
    cards = tuple(_card(cells, line, columns, shown_as) for line, cells in body if any(cell.strip() for cell in cells))
    entries: list[tuple[Scalar, Node]] = []
    if subdeck is not None:
        entries.append((_text("subdeck", start), _text(subdeck, start)))
    entries.append((_text("cards", start), Sequence(cards, Location(shown_as, 2, 1))))
    return Mapping(tuple(entries), start)


def _delimiter(text: str, suffix: str) -> str:
    """The table's separator: a tab for .tsv; for .csv a comma, or the semicolon a spreadsheet set to
    a language that writes decimal commas saves "CSV" with (its header then holds no comma)."""
    header = text.removeprefix("\ufeff").split("\n", 1)[0]
    if suffix == ".csv" and "," not in header and ";" in header:
        return ";"
    return TABLE_DELIMITERS[suffix]


def _rows(text: str, shown_as: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Each row with the line it starts on; a malformed table is a located problem."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=delimiter, strict=True)
    line = 1
    try:
        for cells in reader:
            yield line, cells
            line = reader.line_num + 1
    except csv.Error as error:
        raise DeckError.at(Location(shown_as, line, 1), f"cannot read this row of the table ({error}): a cell "
                           "that holds a quote must be quoted as a whole, with the quote doubled (\"\")") from None


def _columns(header: list[str], keys: dict[str, Key], shown_as: str) -> dict[int, Key]:
    """The header's keys by column; a name that is no key, or a key named twice, is a problem."""
    problems = ProblemCollector()
    columns: dict[int, Key] = {}
    for index, name in enumerate(cell.strip() for cell in header):
        where = Location(shown_as, 1, index + 1)
        if any(key.name == name for key in columns.values()):
            problems.add(where, f"the header names '{name}' twice: keep one column of it")
        elif name not in keys:
            problems.add(where, f"the header cell '{name}' is not a card key{did_you_mean(name, keys)}: name a key "
                         f"in each column of the first row ({', '.join(keys)})")
        else:
            columns[index] = keys[name]
    problems.raise_if_any()
    return columns


def _card(cells: list[str], line: int, columns: dict[int, Key], shown_as: str) -> Mapping:
    entries = []
    for index, key in columns.items():
        cell = cells[index] if index < len(cells) else ""
        if not cell.strip():
            continue
        where = Location(shown_as, line, index + 1)
        entries.append((_text(key.name, where), _value(key, cell, where)))
    return Mapping(tuple(entries), Location(shown_as, line, 1))


def _value(key: Key, cell: str, where: Location) -> Node:
    if isinstance(key, ListKey):
        parts = cell.split() if key.name == "tags" else [part for part in cell.splitlines() if part.strip()]
        return Sequence(tuple(_text(part.strip(), where) for part in parts), where)
    if isinstance(key, BooleanKey) and cell.strip().lower() in _TRUE + _FALSE:
        return Scalar(cell.strip(), "true or false", where, plain=True)
    return _text(cell, where)


def _text(value: str, where: Location) -> Scalar:
    return Scalar(value, "text", where, plain=False)
