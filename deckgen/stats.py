"""Coverage of a deck: notes and cards per subdeck and per kind, as a Markdown table.

The README's coverage table is this output, so it can never drift from the cards.
"""

from __future__ import annotations

from deckgen.errors import DeckError, Location
from deckgen.model import KINDS, Project

README_START = "<!-- deckgen stats: start -->"
README_END = "<!-- deckgen stats: end -->"


def coverage_table(project: Project) -> str:
    settings = project.settings
    header = "| subdeck | notes | cards | " + " | ".join(KINDS) + " |"
    lines = [header, "|" + "---|" * (3 + len(KINDS))]
    totals = [0] * (2 + len(KINDS))
    for key in settings.subdecks:
        cards = [card for card in project.cards if card.subdeck == key]
        row = [len(cards), sum(card.card_count for card in cards)]
        row += [sum(1 for card in cards if card.kind == kind) for kind in KINDS]
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
