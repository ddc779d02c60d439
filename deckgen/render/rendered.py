"""What rendering makes: a deck's notes, subdecks and media as the later stages take them, and a
file's rendered cards as the cache keeps them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from deckgen.errors import Problem
from deckgen.render.notetypes import RenderedNoteType
from deckgen.render.reportlink import ReportLink
from deckgen.source.deck import DeckOptions
from deckgen.text import cloze
from deckgen.text.markup import MarkupUsed


@dataclass(frozen=True, slots=True)  # one per card: no __dict__ each
class RenderedNote:
    card_id: str
    guid: str
    kind: str
    subdeck: str  # the key in deck.yaml
    deck: str  # the full Anki deck name
    fields: tuple[str, ...]  # in the note type's order
    tags: tuple[str, ...]
    ordinals: tuple[int, ...]  # the Anki cards the note makes (0-based template or cloze ordinals)
    cloze: cloze.ClozeText | None = None  # the cloze field's structure, for cloze kinds
    report: ReportLink | None = None  # the report link, which ends its field once joined (shown_fields)

    def shown_fields(self, versioned: bool = True) -> tuple[str, ...]:
        """The fields as the package holds them: the report link, if any, ends its field, naming the
        note's version (VERSION_MARK before `with_versions` gives one, or when not `versioned`)."""
        if self.report is None:
            return self.fields
        index = self.report.field
        link = self.report.html(versioned)
        return self.fields[:index] + (self.fields[index] + link,) + self.fields[index + 1:]


@dataclass(frozen=True)
class PackagedMedia:
    name: str  # flat, content-addressed name inside the package
    path: Path


@dataclass(frozen=True)
class RenderedSubdeck:
    name: str
    deck_id: int
    retired: bool = False  # the subdeck of retired cards, whose preset shows none


@dataclass(frozen=True)
class RenderedDeck:
    """Everything the package stage needs, and nothing it has to work out itself."""

    name: str
    deck_id: int
    description: str
    file_stem: str
    subdecks: tuple[RenderedSubdeck, ...]
    note_types: tuple[RenderedNoteType, ...]
    notes: tuple[RenderedNote, ...]
    media: tuple[PackagedMedia, ...]
    warnings: tuple[Problem, ...] = ()  # unsafe content found in cards and removed
    options: DeckOptions = DeckOptions()  # the course preset's settings from deck.yaml
    release_line: str = ""  # after the description in the package: the version (updates/description.py)


@dataclass(frozen=True)
class RenderedFile:
    """Some cards (one card file's) rendered, as the deck takes them in: what the cache keeps."""

    notes: tuple[RenderedNote, ...]  # of the cards that render without a problem, in their order
    problems: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    used: MarkupUsed
    media: tuple[PackagedMedia, ...]  # of every card, as a clean build's deck holds them


def with_versions(notes: tuple[RenderedNote, ...], version_of: Callable[[str], str]) -> tuple[RenderedNote, ...]:
    """The notes with each report link naming its note's version (`version_of` a card id)."""
    return tuple(replace(note, report=replace(note.report, version=version_of(note.card_id)))
                 if note.report is not None else note for note in notes)
