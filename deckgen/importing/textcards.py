"""`deckgen import-cards`: cards someone keeps as text, written as a card file of a project.

Two sources, told apart by Anki's file headers: Anki's own text export ("Notes in Plain Text",
headed by `#separator:…`, `#html:…` and the columns of GUID, note type, deck and tags, as Anki
writes them), and Quizlet's export (term, a tab, definition, a line a card; no header). Anki's
stock note types become deckgen's kinds (Basic → basic, Basic (and reversed card) → reverse,
Basic (type in the answer) → typed, Cloze → cloze); a note keeps its GUID, so students who have
it keep their reviews. HTML fields become markup as `deckgen import` converts them (fields.py);
plain text is escaped, so that no `*` or `_` of it turns into Markdown.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from deckgen.errors import DeckError, Location
from deckgen.importing.fields import convert, shown_text
from deckgen.importing.yamlout import slug, unique

SEPARATORS = {"tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " ", "colon": ":"}
# Anki's stock note types, their fields in order, and the kind and keys each becomes.
STOCK_TYPES = {
    "Basic": ("basic", ("question", "answer")),
    "Basic (and reversed card)": ("reverse", ("question", "answer")),
    "Basic (type in the answer)": ("typed", ("question", "answer")),
    "Cloze": ("cloze", ("text", "extra")),
}
_QUIZLET = ("basic", ("question", "answer"))
_COLUMN_HEADERS = {"guid column": "guid", "notetype column": "notetype", "deck column": "deck", "tags column": "tags"}


@dataclass(frozen=True)
class _Layout:
    separator: str
    html: bool
    columns: dict[str, int]  # "guid", "notetype", "deck", "tags": 0-based column
    notetype: str | None  # `#notetype:NAME`, for every row, when the file names no column
    first_row: int  # the line after the headers


def cards_from_text(text: str, shown_as: str, taken_ids: Collection[str]) -> list[dict[str, object]]:
    """Each row as a card's keys, in the order a card file writes them; a row deckgen cannot take
    is a DeckError at its line, saying why."""
    layout = _layout(text.removeprefix("\ufeff"))
    body = "\n".join(text.removeprefix("\ufeff").split("\n")[layout.first_row - 1:])
    taken = set(taken_ids)
    cards = []
    for line, cells in _rows(body, layout, shown_as):
        card = _card(cells, layout, Location(shown_as, line, 1), taken)
        if card is not None:
            cards.append(card)
    if not cards:
        raise DeckError.at(Location(shown_as), "no cards found: export the notes as text (tab-separated) and try again")
    return cards


def _layout(text: str) -> _Layout:
    headers: dict[str, str] = {}
    lines = text.split("\n")
    count = 0
    for line in lines:
        if not line.startswith("#") or ":" not in line:
            break
        name, _, value = line[1:].partition(":")
        headers[name.strip().lower()] = value.strip()
        count += 1
    separator = headers.get("separator", "tab")
    columns = {key: int(headers[name]) - 1 for name, key in _COLUMN_HEADERS.items()
               if headers.get(name, "").isdigit()}
    return _Layout(SEPARATORS.get(separator.lower(), separator[:1] or "\t"), headers.get("html", "") == "true",
                   columns, headers.get("notetype"), count + 1)


def _rows(body: str, layout: _Layout, shown_as: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=layout.separator)
    line = layout.first_row
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield line, cells
            line = layout.first_row + reader.line_num
    except csv.Error as error:
        raise DeckError.at(Location(shown_as, line, 1), f"cannot read this row ({error})") from None


def _card(cells: list[str], layout: _Layout, where: Location, taken: set[str]) -> dict[str, object] | None:
    special = set(layout.columns.values())
    fields = [cell for index, cell in enumerate(cells) if index not in special]
    notetype = _cell(cells, layout.columns.get("notetype")) or layout.notetype
    if notetype is None and not layout.columns:
        kind, keys = _QUIZLET
    elif (notetype or "Basic") in STOCK_TYPES:
        kind, keys = STOCK_TYPES[notetype or "Basic"]
    else:
        stock = ", ".join(STOCK_TYPES)
        raise DeckError.at(where, f"note type '{notetype}' is not one of Anki's stock types ({stock}): "
                           "import the deck as a package instead (deckgen import DECK.apkg DIR), which keeps its "
                           "note types")
    sources = {key: _html(field, layout.html) for key, field in zip(keys, fields, strict=False) if field.strip()}
    if keys[0] not in sources:
        return None  # an empty note: nothing to ask
    # The id from the words a student reads (a cloze's answers, no markup), never from its syntax.
    card: dict[str, object] = {"id": unique(slug(shown_text(sources[keys[0]])) or "card", taken), "kind": kind}
    values = {key: convert(source, {}).markup.strip() for key, source in sources.items()}
    card.update(values)
    guid = _cell(cells, layout.columns.get("guid"))
    if guid:
        card["guid"] = guid
    tags = (_cell(cells, layout.columns.get("tags")) or "").split()
    if tags:
        card["tags"] = tags
    return card


def _cell(cells: list[str], index: int | None) -> str | None:
    return cells[index].strip() if index is not None and index < len(cells) and cells[index].strip() else None


def _html(field: str, is_html: bool) -> str:
    """A field as HTML: plain text (a Quizlet export, `#html:false`) escaped, its lines kept."""
    return field if is_html else html.escape(field).replace("\n", "<br>")
