"""What an Anki package holds, as deckgen reads it: frozen, whatever the package's format.

Fields stay Anki's HTML and templates Anki's syntax: interpreting them is the reader's caller's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path


class Version(IntEnum):
    """The package versions of Anki's `meta` entry, and the collection each one reads."""

    LEGACY_1 = 1  # collection.anki2 (Anki 2.0, genanki)
    LEGACY_2 = 2  # collection.anki21 ("Support older Anki versions")
    LATEST = 3  # collection.anki21b, zstd (Anki 23.10+), with a dummy collection.anki2 beside it

    @property
    def collection(self) -> str:
        return {1: "collection.anki2", 2: "collection.anki21", 3: "collection.anki21b"}[self.value]

    @property
    def compressed(self) -> bool:
        """Whether the collection, the media map and the media files are zstd-compressed."""
        return self is Version.LATEST


@dataclass(frozen=True)
class Template:
    name: str
    front: str  # Anki's template syntax, as the package holds it
    back: str


@dataclass(frozen=True)
class NoteType:
    note_type_id: int
    name: str
    fields: tuple[str, ...]  # in Anki's order of the fields
    templates: tuple[Template, ...]
    css: str
    is_cloze: bool
    sort_field: int
    modified: int  # seconds, as the package says: students' Anki updates the note type only when newer


@dataclass(frozen=True)
class Note:
    note_id: int  # milliseconds of the time it was added (Anki shows it as "Added")
    guid: str
    note_type_id: int
    fields: tuple[str, ...]  # HTML, in its note type's field order
    tags: tuple[str, ...]
    modified: int  # seconds, as the package says (not checked against any clock)
    deck: str  # the full name ("A::B") of the deck its first card is in; "" when it names none
    cards: int  # the Anki cards the note makes
    position: int | None = None  # its new cards' place in the new-card queue; None when none is new


@dataclass(frozen=True)
class Media:
    name: str  # as the fields name it
    data: bytes


@dataclass(frozen=True)
class AnkiPackage:
    path: Path
    version: Version
    note_types: tuple[NoteType, ...]  # every one the collection holds, used or not
    notes: tuple[Note, ...]  # in the order of their ids
    deck_ids: dict[str, int]  # full deck name -> id
    presets: frozenset[str]  # the names of the deck options presets it carries, the default left out
    media: tuple[Media, ...] = ()  # read only when asked for
