"""The typed, frozen model of a deck: settings, references and cards, as validation produces them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from deckgen.errors import Location, Where, located
from deckgen.source.load import Text
from deckgen.text import cloze

if TYPE_CHECKING:
    from deckgen.source.reporturl import ReportUrl

RETIRED_SUBDECK = "Retired"
CARD_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}\Z")


@dataclass(frozen=True)
class LintSettings:
    max_answer_words: int = 15
    max_extra_words: int = 40


@dataclass(frozen=True)
class DeckOptions:
    """The deck options `options:` in deck.yaml sets in the course preset; None: not set, the preset
    keeps deckgen's default (README, "Deck options"). Steps are in minutes, as Anki keeps them."""

    new_per_day: int | None = None
    reviews_per_day: int | None = None
    learning_steps: tuple[float, ...] | None = None
    relearning_steps: tuple[float, ...] | None = None
    desired_retention: float | None = None
    bury_new_siblings: bool | None = None
    bury_review_siblings: bool | None = None
    bury_interday_learning_siblings: bool | None = None


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
    options: DeckOptions = DeckOptions()  # the course preset's settings, from `options:`
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


# One value of a kind's content key: a markup text, a list of them (a list card's items), a
# yes/no (whether a list is ordered), a name (an occlusion card's mode), or an occlusion card's
# picture (masks.Picture) and masks (a tuple of masks.Mask), which only masks.py and the modules
# that ask for them by type know (masks.py builds on this module: it cannot be named here).
Content: TypeAlias = Text | tuple[Text, ...] | bool | str | object


@dataclass(frozen=True, slots=True)  # one per card: no __dict__ each
class Card:
    id: str
    kind: str
    subdeck: str
    where: Where  # of its id; `location` finds it
    # Its kind's content, one way for every kind, built in or declared: by YAML key, in the order
    # of the kind's keys, the keys given only. The kind (kinds.py) says what each key is.
    values: tuple[tuple[str, Content], ...] = ()
    extra: Text | None = None
    topic: Text | None = None  # plain text, shown above the question
    source: str | None = None
    corrects: Text | None = None  # for maintainers only: what the source material got wrong; never rendered
    tags: tuple[str, ...] = ()
    media: tuple[MediaFile, ...] = ()
    retired: bool = False
    parsed_cloze: cloze.ClozeText | None = None  # the cloze text as validation parsed it
    guid: str | None = None  # the note's GUID when it came from elsewhere (`deckgen import`)

    @property
    def location(self) -> Location:
        return located(self.where)

    def value(self, key: str) -> Content | None:
        """The value of a content key, None when the card does not give it."""
        for name, value in self.values:
            if name == key:
                return value
        return None

    def text_of(self, key: str) -> Text | None:
        value = self.value(key)
        return value if isinstance(value, Text) else None

    def texts_of(self, key: str) -> tuple[Text, ...]:
        """A list of texts (a list card's items); only `masks` holds a tuple of anything else."""
        value = self.value(key)
        return cast("tuple[Text, ...]", value) if isinstance(value, tuple) else ()

    def flag_of(self, key: str) -> bool:
        return self.value(key) is True

    # The built-in kinds' keys, read from `values`: for the lint rules written for those kinds.
    @property
    def question(self) -> Text | None:
        return self.text_of("question")

    @property
    def answer(self) -> Text | None:
        return self.text_of("answer")

    @property
    def text(self) -> Text | None:
        return self.text_of("text")

    @property
    def items(self) -> tuple[Text, ...]:
        return self.texts_of("items")

    def markup_fields(self) -> list[tuple[str, Text]]:
        """Every markup text of the card, with the YAML key it came from."""
        named: list[tuple[str, Text]] = []
        for key, value in self.values:
            if isinstance(value, Text):
                named.append((key, value))
            elif isinstance(value, tuple):
                named += [(key, item) for item in value if isinstance(item, Text)]
        if self.extra is not None:
            named.append(("extra", self.extra))
        return named


@dataclass(frozen=True)
class Project:
    """Everything read from a project folder, validated and ready to render."""

    root: Path
    settings: DeckSettings
    references: Mapping[str, Reference]
    cards: tuple[Card, ...]
    card_files: tuple[str, ...] = field(default=())
    # Each card's note GUID by card id, as validation worked it out (rendering takes it from here);
    # empty for a project made otherwise, whose GUIDs rendering works out itself.
    guids: Mapping[str, str] = field(default_factory=dict)
