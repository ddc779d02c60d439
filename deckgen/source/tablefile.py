"""Card files kept as spreadsheets: `cards/*.csv` (comma-separated) and `cards/*.tsv` (tab-separated).

The first row names the keys, as a YAML card file spells them (`id`, `kind`, `question`, `answer`,
`extra`, `source`, `tags` …); every other row is one card. The table becomes the same
position-keeping nodes a YAML file composes to (load.py), so one validation (cardfile.py) reads
both and says every problem at `file:row:column`, the row as the spreadsheet numbers it (the
header is row 1) and the column counted from 1 (A = 1), which editors jump to; the message itself
names the column as the spreadsheet shows it: its letter and its header cell ("column D ('question')").
A header cell names its key whatever its case and surrounding spaces (`Question`, ` Answer `). A
list key's cell holds one item per line; `tags` may also be separated by spaces; `masks` holds one
mask a line, each written as YAML (maskcell.py reads it). A .csv file may be separated by semicolons,
as spreadsheets set to languages with decimal commas save it. An empty cell is a key left out. A
file named after a subdeck (`first.csv` for the subdeck `first`) puts its cards there unless a `subdeck` cell says
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
    the column (from 1) of each key its header names, and the header's cells as written."""

    node: Node
    columns: dict[str, int]
    header: tuple[str, ...]


class RowPlace(Location):
    """A row's place (its first cell's): told apart from the place of the cell in column A, so that a
    message about a whole row does not name a column."""

    __slots__ = ()


def column_letter(column: int) -> str:
    """A column (from 1) as a spreadsheet names it: A … Z, AA, AB …"""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


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
    entries.append((_text("cards", start), Sequence(cards, RowPlace(shown_as, 2, 1))))
    return Table(Mapping(tuple(entries), start), {key.name: index + 1 for index, key in columns.items()},
                 tuple(cell.strip() for cell in header))


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
        column = column_letter(where.col)
        if "end of data" in str(error):
            raise DeckError.at(where, f"the quote (\") that opens the cell in column {column} is never closed, so the "
                               "rest of the file would be this one cell: end the cell with a quote") from None
        raise DeckError.at(where, f"cannot read the cell in column {column} ({error}): a cell that holds a quote "
                           "must be quoted as a whole, with each quote inside it doubled (\"\")") from None


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
    """The header's keys by column, each cell read whatever its case and surrounding spaces (`Question`).
    A name that is no key, or a key named twice, is a problem; a misspelt key's column is read as the
    key it most likely names (when no other cell names it)."""
    columns: dict[int, Key] = {}
    names = [cell.strip() for cell in header]
    spelt = {name.lower(): key for name, key in keys.items()}
    first: dict[str, int] = {}  # the column that names each key first
    for index, name in enumerate(names):
        where, key = Location(shown_as, 1, index + 1), spelt.get(name.lower())
        if key is not None and key.name in first:
            problems.add(where, f"columns {_named(first[key.name], names)} and {_named(index, names)} both name the "
                         f"key '{key.name}': keep one of them")
        elif key is not None:
            columns[index], first[key.name] = key, index
        elif not name:
            if index in filled:
                problems.add(where, f"the header cell of column {column_letter(index + 1)} is empty, but rows "
                             f"below fill the column: name its key in the first row ({', '.join(keys)}), or delete "
                             "the column")
        elif "\t" in name:
            problems.add(where, "the first row is separated by tabs: save the file as .tsv (tab-separated), or "
                         "separated by commas")
        else:
            problems.add(where, f"the header cell '{name}' in column {column_letter(index + 1)} is not a card key"
                         f"{did_you_mean(name.lower(), keys)}: name a key in each column of the first row "
                         f"({', '.join(keys)})")
            meant = closest(name.lower(), keys)
            if meant is not None and meant not in {each.lower() for each in names}:
                columns[index] = keys[meant]
    return columns


def _named(index: int, names: list[str] | tuple[str, ...]) -> str:
    """A column as a message names it: its letter and, when it has one, its header cell."""
    letter = column_letter(index + 1)
    return f"{letter} ('{names[index]}')" if index < len(names) and names[index] else letter


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
                     f"this row has a cell in column {column_letter(beyond[0] + 1)}, beyond the header's last column "
                     f"({column_letter(width)}): a cell that holds a {separator} must be quoted as a whole "
                     f"(\"…{delimiter} …\"), or the column needs a key in the first row")
    return Mapping(tuple(entries), RowPlace(shown_as, line, 1))


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
    row), and a cell its kind does not take as a cell to empty. Every message about a cell names its
    column as the spreadsheet shows it: its letter and its header cell."""

    def __init__(self, problems: ProblemCollector, context: CardContext, columns: dict[str, int],
                 header: tuple[str, ...]) -> None:
        super().__init__(problems, context)
        self.columns = columns
        self.header = header

    def add(self, location: Location, message: str) -> None:
        """`message` at `location`, led by the cell's column when the place is a cell of a card's row."""
        if type(location) is Location and location.line > 1:
            message = f"in column {_named(location.col - 1, self.header)}, {message}"
        super().add(location, message)

    def _say(self, location: Location, message: str) -> None:
        """`message` as it is: it names its cell's column itself."""
        super().add(location, message)

    def _cell(self, row: Mapping, name: str) -> Location | None:
        column = self.columns.get(name)
        return None if column is None else Location(row.location.path, row.location.line, column)

    def unknown_key(self, key: Scalar, what: str, allowed: list[str]) -> str | None:
        self._say(key.location, f"{what} takes no '{key.text}': empty its cell in column "
                  f"{column_letter(key.location.col)}, or change the card's 'kind' (it may have {one_of(allowed)})")
        return None

    def missing_key(self, node: Mapping, key: Key, what: str) -> None:
        cell = self._cell(node, key.name)
        if cell is not None:
            self._say(cell, f"{what} has no '{key.name}': fill in its '{key.name}' cell in column "
                      f"{column_letter(cell.col)} ({key.meaning})")
        else:
            self.add(node.location, f"{what} has no '{key.name}': add {_a(key.name)} '{key.name}' column to the first "
                     f"row and fill in this row's cell ({key.meaning})")

    def no_subdeck(self, card: Mapping, what: str) -> None:
        subdecks = list(self.context.settings.subdecks)
        path = PurePosixPath(card.location.path)
        named = f"or name the file after a subdeck ({subdecks[0]}{path.suffix} puts its cards in '{subdecks[0]}')"
        cell = self._cell(card, "subdeck")
        if cell is not None:
            self._say(cell, f"{what} has no subdeck: fill in its 'subdeck' cell in column {column_letter(cell.col)} "
                      f"({one_of(subdecks)}), {named}")
        else:
            self.add(card.location, f"{what} has no subdeck: add a 'subdeck' column to the first row and fill in "
                     f"this row's cell ({one_of(subdecks)}), {named}")

    def no_cards(self, cards: Sequence) -> None:
        self.add(cards.location, "the table has no cards: write one card in each row below the header, or delete "
                 "the file")
