"""What a package holds, as release notes compare it: notes by GUID, note types by id, presets.

Read from the package itself through the one reader (apkg/), or from a rendered deck without
writing one, so that both compare alike (changes/notes.py compares them).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from deckgen import apkg
from deckgen.errors import shortened
from deckgen.render.notes import RETIRED_CLASS
from deckgen.render.rendered import RenderedDeck
from deckgen.render.reportlink import report_address, without_report_link
from deckgen.text import cloze
from deckgen.text.markup import html_text

SNIPPET_CHARS = 80


@dataclass(frozen=True)
class PackagedNoteType:
    name: str
    fields: tuple[str, ...]
    templates: tuple[str, ...]
    appearance: str  # CSS and template text, to notice a change of look

    @property
    def template_texts(self) -> tuple[str, ...]:
        """Each card template's front and back, as the package holds them."""
        return tuple(side for pair in json.loads(self.appearance)[1] for side in pair if isinstance(side, str))


@dataclass(frozen=True)
class Carried:
    """What a rendered note carries that a package holds only inside its fields' HTML."""

    content: tuple[str, ...]  # the fields without the report link
    report_address: str | None  # where the report link leads; None: no link


@dataclass(frozen=True)
class PackagedNote:
    guid: str
    note_type_id: str
    fields: dict[str, str]
    tags: tuple[str, ...]
    deck: str
    cards: int = 1  # the Anki cards the note makes
    # Its cards' place in the new-card queue (`due`); None when not known (a rendered deck's). Not
    # part of what a note holds: two notes compare equal whatever their places.
    position: int | None = field(default=None, compare=False)
    # What the rendered deck knew of the note (deck_contents); None for a package read back, whose
    # fields' HTML is read instead. Not part of what a note holds either.
    carried: Carried | None = field(default=None, compare=False)

    @property
    def content(self) -> list[str]:
        """The note's fields without its report link, which changes with deck.yaml's report_url alone."""
        if self.carried is not None:
            return list(self.carried.content)
        return [without_report_link(value) for value in self.fields.values()]

    @property
    def report_address(self) -> str | None:
        """Where the note's report link leads, or None when it has none."""
        if self.carried is not None:
            return self.carried.report_address
        return next(filter(None, map(report_address, self.fields.values())), None)

    @property
    def label(self) -> str:
        first = next(iter(self.fields.values()), "")
        return snippet(first)


@dataclass(frozen=True)
class PackageContents:
    name: str
    notes: dict[str, PackagedNote]
    note_types: dict[str, PackagedNoteType]
    presets: frozenset[str] = frozenset()  # the deck options presets it carries, by name


def student_text(html: str) -> str:
    """What a student reads in a field, without the banner deckgen puts on a retired card: a cloze
    text as the back of its cards shows it, every deletion revealed (not Anki's {{c1::...}} syntax)."""
    html = without_report_link(html)
    if "{{c" in html:
        parsed = cloze.parse(html)
        if isinstance(parsed, cloze.ClozeText):
            html = parsed.card_side(0, answer=True)
    return html_text(html, leave_out=RETIRED_CLASS)


def snippet(html: str) -> str:
    return shortened(student_text(html), SNIPPET_CHARS)


class _Template(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def front(self) -> str: ...
    @property
    def back(self) -> str: ...


class _NoteType(Protocol):
    """A note type as a package holds it (apkg.NoteType) or as the renderer made it (RenderedNoteType)."""

    @property
    def name(self) -> str: ...
    @property
    def fields(self) -> tuple[str, ...]: ...
    @property
    def templates(self) -> Sequence[_Template]: ...
    @property
    def css(self) -> str: ...


def _packaged_type(note_type: _NoteType) -> PackagedNoteType:
    return PackagedNoteType(
        name=note_type.name, fields=note_type.fields,
        templates=tuple(template.name for template in note_type.templates),
        appearance=json.dumps([note_type.css, [[t.front, t.back] for t in note_type.templates]]),
    )


def read_package(path: Path) -> PackageContents:
    """The notes and note types of an .apkg or .colpkg of any Anki format (apkg/), or a DeckError
    saying why it cannot be read."""
    package = apkg.read_package(path)
    note_types = {str(note_type.note_type_id): _packaged_type(note_type) for note_type in package.note_types}
    notes = {
        note.guid: PackagedNote(
            guid=note.guid, note_type_id=str(note.note_type_id),
            fields=dict(zip(note_types[str(note.note_type_id)].fields, note.fields, strict=False)),
            tags=note.tags, deck=note.deck or "?", cards=note.cards, position=note.position,
        )
        for note in package.notes
    }
    return PackageContents(name=path.name, notes=notes, note_types=note_types, presets=package.presets)


def deck_contents(deck: RenderedDeck, name: str) -> PackageContents:
    """The notes and note types a package of `deck` holds, taken from the rendered deck without
    writing one (apkg/writer.py writes fields, tags and deck as rendered), so they compare with a
    package `read_package` read as the package itself would. Presets are left out: no note shows them."""
    note_types = {note_type.kind: note_type for note_type in deck.note_types}
    notes = {
        note.guid: PackagedNote(
            guid=note.guid, note_type_id=str(note_types[note.kind].note_type_id),
            fields=dict(zip(note_types[note.kind].fields, note.shown_fields(), strict=False)), tags=note.tags,
            deck=note.deck, cards=len(note.ordinals),
            carried=Carried(note.fields, note.report.address if note.report is not None else None),
        )
        for note in deck.notes
    }
    packaged_types = {str(note_type.note_type_id): _packaged_type(note_type) for note_type in deck.note_types}
    return PackageContents(name=name, notes=notes, note_types=packaged_types)
