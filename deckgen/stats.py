"""Coverage of a deck: notes and cards per subdeck and per kind, as a Markdown table.

The README's coverage table is this output, so it can never drift from the cards.
"""

from __future__ import annotations

from deckgen.errors import DeckError, Location
from deckgen.kinds import KINDS
from deckgen.model import Project

README_START = "<!-- deckgen stats: start -->"
README_END = "<!-- deckgen stats: end -->"


def coverage_table(project: Project) -> str:
    """Notes and cards per subdeck, and notes per kind, for the kinds the deck names an id for."""
    settings = project.settings
    kinds = [kind for kind in KINDS if kind in settings.note_type_ids]
    header = "| subdeck | notes | cards | " + " | ".join(kinds) + " |"
    lines = [header, "|" + "---|" * (3 + len(kinds))]
    totals = [0] * (2 + len(kinds))
    for key in settings.subdecks:
        cards = [card for card in project.cards if card.subdeck == key]
        row = [len(cards), sum(KINDS[card.kind].card_count(card) for card in cards)]
        row += [sum(1 for card in cards if card.kind == kind) for kind in kinds]
        totals = [total + value for total, value in zip(totals, row)]
        lines.append(f"| {settings.subdeck_path(key)} | " + " | ".join(map(str, row)) + " |")
    lines.append("| **all** | " + " | ".join(f"**{value}**" for value in totals) + " |")
    return "\n".join(lines) + "\n"


def replace_marked_section(document: str, table: str, shown_as: str) -> str:
    """The document with the text between the stats markers replaced by `table`."""
    start, end = document.find(README_START), document.find(README_END)
    if start < 0 or end < start:
        raise DeckError.at(
            Location(shown_as),
            f"no coverage section: add the lines '{README_START}' and '{README_END}' where the table goes",
        )
    return document[: start + len(README_START)] + "\n" + table + document[end:]
