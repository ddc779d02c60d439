"""What a change between releases is about, and where a message about it points, as typed values.

A `Subject` names what changed: a card, a note type, a subdeck, the deck's name or id, or every
card's position. The guards compare subjects and acknowledgements record them. The lock file keeps
a subject as text ("card:<id>", "note_type:<kind>", "subdecks.<key>", "name", "id", "positions"):
`str()` writes it and `read_subject` reads it, at the lock's boundary only (lock.py, lockread.py).

A `Place` is where a message points: a key of deck.yaml (`DeckKey`), a card in its YAML file
(`CardSource`) or an entry of the lock file (`LockEntry`); commands/pipeline.py finds its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class About(Enum):
    """What kind of thing a subject is; the value is how the lock file writes it (before its name)."""

    CARD = "card:"
    NOTE_TYPE = "note_type:"
    SUBDECK = "subdecks."
    DECK_NAME = "name"
    DECK_ID = "id"
    POSITIONS = "positions"


# The names deckgen writes after each prefix: a card id, a note-type kind, a subdeck key.
_NAMES = {
    About.CARD: re.compile(r"[a-z0-9][a-z0-9._-]{0,63}"),
    About.NOTE_TYPE: re.compile(r"[a-z0-9_-]{1,64}"),
    About.SUBDECK: re.compile(r"[^\s:]{1,64}"),
}


class Section(Enum):
    """The entries of the lock file a message can point at."""

    DECK = "deck"
    CARD = "card"
    NOTE_TYPE = "note_type"
    ACKNOWLEDGED = "acknowledged"
    RELEASES = "releases"


@dataclass(frozen=True)
class LockEntry:
    """An entry of the lock file: a card's or a note type's (`name` its id or kind), or a section's."""

    section: Section
    name: str = ""


@dataclass(frozen=True)
class DeckKey:
    """A key of deck.yaml, as its locations name it: "id", "name", "subdecks.<key>", "note_types"."""

    key: str


@dataclass(frozen=True)
class CardSource:
    """A card where the educator wrote it: its entry in its YAML file, or one of its masks (by id),
    when a change is about that mask of an occlusion card."""

    card_id: str
    mask: str | None = None


Place = DeckKey | CardSource | LockEntry

DECK_ENTRY = LockEntry(Section.DECK)
ACKNOWLEDGED_ENTRY = LockEntry(Section.ACKNOWLEDGED)
RELEASES_ENTRY = LockEntry(Section.RELEASES)


def card_entry(card_id: str) -> LockEntry:
    return LockEntry(Section.CARD, card_id)


def note_type_entry(kind: str) -> LockEntry:
    return LockEntry(Section.NOTE_TYPE, kind)


@dataclass(frozen=True)
class Subject:
    """What a change is about: `name` is the card id, note-type kind or subdeck key ("" for the rest)."""

    about: About
    name: str = ""

    def __str__(self) -> str:
        return self.about.value + self.name

    @property
    def lock_entry(self) -> LockEntry:
        """The lock entry that records the subject (deck-wide subjects: the deck entry)."""
        if self.about is About.CARD:
            return card_entry(self.name)
        if self.about is About.NOTE_TYPE:
            return note_type_entry(self.name)
        return DECK_ENTRY


def card(card_id: str) -> Subject:
    return Subject(About.CARD, card_id)


def note_type(kind: str) -> Subject:
    return Subject(About.NOTE_TYPE, kind)


def subdeck(key: str) -> Subject:
    return Subject(About.SUBDECK, key)


DECK_NAME = Subject(About.DECK_NAME)
DECK_ID = Subject(About.DECK_ID)
POSITIONS = Subject(About.POSITIONS)  # a renumbering: every card's position is one course order


def read_subject(text: str) -> Subject | None:
    """The subject a lock file's text names, or None when it is not one deckgen writes."""
    for about in About:
        pattern = _NAMES.get(about)
        if pattern is None and text == about.value:
            return Subject(about)
        if pattern is not None and text.startswith(about.value) and pattern.fullmatch(text, len(about.value)):
            return Subject(about, text[len(about.value):])
    return None
