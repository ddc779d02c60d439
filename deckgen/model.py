"""The typed, frozen model of a deck: settings, references and cards, as validation produces them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from deckgen import cloze
from deckgen.errors import Location, Where, located

if TYPE_CHECKING:
    from deckgen.load import Pointer
    from deckgen.report import ReportUrl

@dataclass(frozen=True, slots=True)  # one per card: no __dict__ each
class Text:
    """Markup text as written by an educator, and where it was written (found when asked: see
    errors.Locatable)."""

    value: str
    where: Where
    # For a text of a fast-read card file, `where` is its card's place and these say where in the
    # card it stands: one place per card instead of one per text (a large deck has many texts).
    key: str | None = None
    item: int | None = None

    @property
    def location(self) -> Location:
        return located(self.where) if self.key is None else cast("Pointer", self.where).beside(self.key, self.item)


RETIRED_SUBDECK = "Retired"
CARD_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}\Z")


@dataclass(frozen=True)
class LintSettings:
    max_answer_words: int = 15


@dataclass(frozen=True)
class DeckSettings:
    name: str
    title: str
    description: Text | None
    version: str
    deck_id: int
    note_type_ids: Mapping[str, int]  # read-only, like every mapping of the model
    subdecks: Mapping[str, str]
    lint: LintSettings
    kinds: Mapping[str, Any]  # kind name -> kinds.Kind: the built-in kinds and the project's declared ones
    location: Location
    locations: Mapping[str, Location] = field(default_factory=dict)  # of keys: "id", "subdecks.<key>"
    report_url: ReportUrl | None = None  # where students report a problem with a card
    # `allow_template_script: true`: the deck's templates may hold <script> (said on every check and release)
    allow_template_script: bool = False
    feed_url: str | None = None  # the release feed (latest.json) the companion add-on checks

    def location_of(self, key: str) -> Location:
        return self.locations.get(key, self.location)

    @property
    def retired_tag(self) -> str:
        """The tag of retired cards: students find them all with one search and delete them."""
        return f"{self.slug}::retired"

    @property
    def slug(self) -> str:
        return "".join(c if c.isalnum() else "-" for c in self.name.lower()).strip("-") or "deck"

    @property
    def file_stem(self) -> str:
        """The output file name without extension: deck name and version, safe on every system."""
        return f"{self.slug}-{self.version}"

    def subdeck_path(self, subdeck_key: str) -> str:
        return f"{self.name}::{self.subdecks[subdeck_key]}"

    @property
    def retired_deck(self) -> str:
        """Where a retired card goes when a student's Anki adds it anew (after the student deleted
        it): a subdeck whose preset shows no cards."""
        return f"{self.name}::{RETIRED_SUBDECK}"


@dataclass(frozen=True)
class Reference:
    key: str
    authors: tuple[str, ...]
    year: int
    title: str
    journal: str | None
    volume: str | None
    issue: str | None
    pages: str | None
    publisher: str | None
    doi: str | None
    location: Location


@dataclass(frozen=True, slots=True)  # one per card: no __dict__ each
class MediaFile:
    name: str
    path: Path
    where: Where


@dataclass(frozen=True, slots=True)  # one per card: no __dict__ each
class Card:
    id: str
    kind: str
    subdeck: str
    where: Where  # of its id; `location` finds it
    question: Text | None = None
    answer: Text | None = None
    text: Text | None = None
    items: tuple[Text, ...] = ()
    ordered: bool = False
    extra: Text | None = None
    topic: Text | None = None  # plain text, shown above the question
    source: str | None = None
    corrects: Text | None = None  # for maintainers only: what the source material got wrong; never rendered
    tags: tuple[str, ...] = ()
    media: tuple[MediaFile, ...] = ()
    retired: bool = False
    parsed_cloze: cloze.ClozeText | None = None  # the cloze text as validation parsed it
    values: tuple[tuple[str, Text], ...] = ()  # a declared kind's fields, by YAML key, as given
    guid: str | None = None  # the note's GUID when it came from elsewhere (`deckgen import`)

    @property
    def location(self) -> Location:
        return located(self.where)

    def markup_fields(self) -> list[tuple[str, Text]]:
        """Every markup text of the card, with the YAML key it came from."""
        named = [("question", self.question), ("answer", self.answer), ("text", self.text)]
        named += [("items", item) for item in self.items]
        named += list(self.values)
        named.append(("extra", self.extra))
        return [(key, text) for key, text in named if text is not None]


@dataclass(frozen=True)
class Project:
    """Everything read from a project folder, validated and ready to render."""

    root: Path
    settings: DeckSettings
    references: Mapping[str, Reference]
    cards: tuple[Card, ...]
    card_files: tuple[str, ...] = field(default=())
