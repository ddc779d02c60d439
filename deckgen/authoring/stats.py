"""Coverage of a deck: notes and cards per subdeck and per kind, as a Markdown table.

Of the cards as they are (`deckgen stats`), or of the last release, from the lock file that
records it (`deckgen stats --released`): the README's table is the last release's, written by
`deckgen release`, so an educator's pull request, which changes no release, leaves it current.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from deckgen.errors import DeckError, Location
from deckgen.release.lock import Lock
from deckgen.render.rendered import RenderedDeck
from deckgen.source.deck import Project
from deckgen.source.kinds import KINDS

README_START = "<!-- deckgen stats: start -->"
README_END = "<!-- deckgen stats: end -->"

# One note: its subdeck key, its kind, how many Anki cards it makes, and whether it is retired.
Counted = tuple[str, str, int, bool]


def coverage_table(project: Project, deck: RenderedDeck) -> str:
    """The table of the cards as they are, each counted by the Anki cards its rendered note makes
    (a declared note type makes only those whose front shows a field the note fills)."""
    settings = project.settings
    cards_of = {note.card_id: len(note.ordinals) for note in deck.notes}
    notes = [(card.subdeck, card.kind, cards_of[card.id], card.retired)
             for card in project.cards if card.id in cards_of]
    # Declared kinds by name, as the released table orders them: a release writes this table into the
    # README and CI compares it with `stats --released`.
    return _table(notes, settings.name, settings.subdecks, sorted(settings.note_type_ids))


def released_coverage_table(lock: Lock) -> str:
    """The table of the last release, as the lock records it (a removed card is not counted)."""
    notes = [(record.subdeck, record.kind, _cards_made(lock, record.kind, len(record.hides)), record.retired)
             for record in lock.cards.values() if not record.removed]
    # Kinds by name: the same table from a lock just made (note types in the order they were
    # rendered) and from that lock read back from its file.
    return _table(notes, lock.deck_name, lock.subdecks, sorted(lock.note_types))


def _cards_made(lock: Lock, kind: str, deletions: int) -> int:
    """A released note's cards: a declared note type is known from the lock's record of it."""
    if kind in KINDS:
        return KINDS[kind].cards_made(deletions)
    return deletions or len(lock.note_types[kind].templates)


def _table(notes: Iterable[Counted], deck: str, subdecks: Mapping[str, str], kinds_named: list[str]) -> str:
    """Notes and cards per subdeck, notes per kind (for the kinds the deck names an id for), and how
    many of the notes are retired (still in the deck, no longer studied)."""
    kinds = [kind for kind in KINDS if kind in kinds_named] + [kind for kind in kinds_named if kind not in KINDS]
    notes = list(notes)
    header = "| subdeck | notes | cards | " + " | ".join(kinds) + " | retired |"
    lines = [header, "|" + "---|" * (4 + len(kinds))]
    totals = [0] * (3 + len(kinds))
    for key, name in subdecks.items():
        rows = [note for note in notes if note[0] == key]
        row = [len(rows), sum(count for _, _, count, _ in rows)]
        row += [sum(1 for _, kind, _, _ in rows if kind == each) for each in kinds]
        row += [sum(1 for *_, retired in rows if retired)]
        totals = [total + value for total, value in zip(totals, row, strict=True)]
        lines.append(f"| {deck}::{name} | " + " | ".join(map(str, row)) + " |")
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
