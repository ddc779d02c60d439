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

What a table lacks is said in its own words (`TableReader`): a cell to fill in, at the cell, or a
column to add, never a YAML key to write. A misspelt header cell is reported and its column read
as the key it most likely names, so that the rows' own problems are reported in the same run.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from deckgen.errors import DeckError, Location, ProblemCollector
from deckgen.source.cardfile import CardContext, CardFileReader
from deckgen.source.keys import BooleanKey, Key, ListKey, closest, did_you_mean, one_of
from deckgen.source.load import Mapping, Node, Scalar, Sequence

TABLE_DELIMITERS = {".csv": ",", ".tsv": "\t"}
_TRUE, _FALSE = ("true", "yes", "on"), ("false", "no", "off")
_SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab"}


@dataclass(frozen=True)
class Table:
    """A table as a card file's nodes (`subdeck:` when the file is named after one, and `cards:`),
    and the column (from 1) of each key its header names."""

    node: Node
    columns: dict[str, int]


def compose_table(text: str, shown_as: str, suffix: str, subdeck: str | None, keys: Collection[Key],
                  problems: ProblemCollector) -> Table | None:
    """The table; None, its problem recorded, for an empty file or a header that names no key. A
    header cell that names no key is recorded at its place, and the rows are read all the same."""
    delimiter = _delimiter(text, suffix)
    rows = list(_rows(text, shown_as, delimiter))
    start = Location(shown_as, 1, 1)
    if not any(any(cell.strip() for cell in cells) for _, cells in rows):
        problems.add(start, "the table is empty: name the keys in its first row (id, kind, question, answer …) and "
                     "write one card in each row below it, or delete the file")
        return None
    (_, header), body = rows[0], rows[1:]
    filled = {index for _, cells in body for index, cell in enumerate(cells) if cell.strip()}
    columns = _columns(header, {key.name: key for key in keys}, filled, shown_as, problems)
    if not columns:
        return None
    width = len(header)
    cards = tuple(_card(cells, line, columns, width, delimiter, shown_as, problems)
                  for line, cells in body if any(cell.strip() for cell in cells))
    entries: list[tuple[Scalar, Node]] = []
    if subdeck is not None:
        entries.append((_text("subdeck", start), _text(subdeck, start)))
    entries.append((_text("cards", start), Sequence(cards, Location(shown_as, 2, 1))))
    return Table(Mapping(tuple(entries), start), {key.name: index + 1 for index, key in columns.items()})


def _delimiter(text: str, suffix: str) -> str:
    """The table's separator: a tab for .tsv; for .csv a comma, or the semicolon a spreadsheet set to
    a language that writes decimal commas saves "CSV" with (its header then holds no comma)."""
    header = text.removeprefix("\ufeff").split("\n", 1)[0]
    if suffix == ".csv" and "," not in header and ";" in header:
        return ";"
    return TABLE_DELIMITERS[suffix]


def _rows(text: str, shown_as: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Each row with the line it starts on; a malformed table is a problem at the cell it breaks in."""
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    line = 1
    try:
        for cells in reader:
            yield line, cells
            line = reader.line_num + 1
    except csv.Error as error:
        where = Location(shown_as, *_quoted_cell(text, line, delimiter))
        if "end of data" in str(error):
            raise DeckError.at(where, "the quote (\") that opens this cell is never closed, so the rest of the file "
                               "would be this one cell: end the cell with a quote") from None
        raise DeckError.at(where, f"cannot read this cell ({error}): a cell that holds a quote must be quoted as a "
                           "whole, with each quote inside it doubled (\"\")") from None


def _quoted_cell(text: str, line: int, delimiter: str) -> tuple[int, int]:
    """The line and column of the last quoted cell that opens from `line` on: where a quote breaks."""
    offset = sum(len(each) + 1 for each in text.split("\n")[:line - 1])
    column, quoted, cell_starts, opened = 1, False, True, (line, 1)
    position = offset
    while position < len(text):
        char = text[position]
        if quoted and char == '"':
            quoted = text[position + 1:position + 2] == '"'  # a doubled quote stays inside the cell
            position += 1 if quoted else 0
        elif not quoted and char == '"' and cell_starts:
            quoted, opened = True, (line, column)
        elif not quoted and char == delimiter:
            column += 1
        elif not quoted and char == "\n":
            column = 1
        line += char == "\n"
        cell_starts = not quoted and char in (delimiter, "\n")
        position += 1
    return opened


def _columns(header: list[str], keys: dict[str, Key], filled: set[int], shown_as: str,
             problems: ProblemCollector) -> dict[int, Key]:
    """The header's keys by column. A name that is no key, or a key named twice, is a problem; a
    misspelt key's column is read as the key it most likely names (when no other cell names it)."""
    columns: dict[int, Key] = {}
    names = [cell.strip() for cell in header]
    for index, name in enumerate(names):
        where = Location(shown_as, 1, index + 1)
        if name in keys and any(key.name == name for key in columns.values()):
            problems.add(where, f"the header names '{name}' twice: keep one column of it")
        elif name in keys:
            columns[index] = keys[name]
        elif not name:
            if index in filled:
                problems.add(where, f"the header cell of column {index + 1} is empty, but rows below fill the column: "
                             f"name its key in the first row ({', '.join(keys)}), or delete the column")
        elif "\t" in name:
            problems.add(where, "the first row is separated by tabs: save the file as .tsv (tab-separated), or "
                         "separated by commas")
        else:
            problems.add(where, f"the header cell '{name}' is not a card key{did_you_mean(name, keys)}: name a key "
                         f"in each column of the first row ({', '.join(keys)})")
            meant = closest(name, keys)
            if meant is not None and meant not in names:
                columns[index] = keys[meant]
    return columns


def _card(cells: list[str], line: int, columns: dict[int, Key], width: int, delimiter: str, shown_as: str,
          problems: ProblemCollector) -> Mapping:
    entries = []
    for index, key in columns.items():
        cell = cells[index] if index < len(cells) else ""
        if not cell.strip():
            continue
        where = Location(shown_as, line, index + 1)
        entries.append((_text(key.name, where), _value(key, cell, where)))
    beyond = [index for index in range(width, len(cells)) if cells[index].strip()]
    if beyond:
        separator = _SEPARATORS[delimiter]
        problems.add(Location(shown_as, line, beyond[0] + 1),
                     f"this row has a cell beyond the header's last column ({width}): a cell that holds a {separator} "
                     f"must be quoted as a whole (\"…{delimiter} …\"), or the column needs a key in the first row")
    return Mapping(tuple(entries), Location(shown_as, line, 1))


def _value(key: Key, cell: str, where: Location) -> Node:
    if isinstance(key, ListKey):
        parts = cell.split() if key.name == "tags" else [part for part in cell.splitlines() if part.strip()]
        return Sequence(tuple(_text(part.strip(), where) for part in parts), where)
    if isinstance(key, BooleanKey) and cell.strip().lower() in _TRUE + _FALSE:
        return Scalar(cell.strip(), "true or false", where, plain=True)
    return _text(cell, where)


def _a(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _text(value: str, where: Location) -> Scalar:
    return Scalar(value, "text", where, plain=False)


class TableReader(CardFileReader):
    """Says what a table's card lacks as a cell to fill in (at the cell) or a column to add (at the
    row), and a cell its kind does not take as a cell to empty."""

    def __init__(self, problems: ProblemCollector, context: CardContext, columns: dict[str, int]) -> None:
        super().__init__(problems, context)
        self.columns = columns

    def _cell(self, row: Mapping, name: str) -> Location | None:
        column = self.columns.get(name)
        return None if column is None else row.location._replace(col=column)

    def unknown_key(self, key: Scalar, what: str, allowed: list[str]) -> str | None:
        self.add(key.location, f"{what} takes no '{key.text}': empty this cell, or change the card's 'kind' "
                 f"(it may have {one_of(allowed)})")
        return None

    def missing_key(self, node: Mapping, key: Key, what: str) -> None:
        cell = self._cell(node, key.name)
        if cell is not None:
            self.add(cell, f"{what} has no '{key.name}': fill in its '{key.name}' cell ({key.meaning})")
        else:
            self.add(node.location, f"{what} has no '{key.name}': add {_a(key.name)} '{key.name}' column to the first "
                     f"row and fill in this row's cell ({key.meaning})")

    def no_subdeck(self, card: Mapping, what: str) -> None:
        subdecks = list(self.context.settings.subdecks)
        path = PurePosixPath(card.location.path)
        named = f"or name the file after a subdeck ({subdecks[0]}{path.suffix} puts its cards in '{subdecks[0]}')"
        cell = self._cell(card, "subdeck")
        if cell is not None:
            self.add(cell, f"{what} has no subdeck: fill in its 'subdeck' cell ({one_of(subdecks)}), {named}")
        else:
            self.add(card.location, f"{what} has no subdeck: add a 'subdeck' column to the first row and fill in "
                     f"this row's cell ({one_of(subdecks)}), {named}")

    def no_cards(self, cards: Sequence) -> None:
        self.add(cards.location, "the table has no cards: write one card in each row below the header, or delete "
                 "the file")
