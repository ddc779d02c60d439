"""What each YAML file may contain, and validation that turns nodes into the typed model.

Keys are declared once, here; `deckgen schema` and the did-you-mean hints read the same
declarations. Validation collects every problem in every file before it reports.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from deckgen import cloze
from deckgen.errors import Location, ProblemCollector
from deckgen.load import Mapping, Node, Scalar, Sequence
from deckgen.media import media_problem
from deckgen.model import (
    KINDS,
    Card,
    DeckSettings,
    LintSettings,
    MediaFile,
    Reference,
    Text,
)

MAX_FIELD_CHARS = 10_000
MAX_TOPIC_CHARS = 40
CARD_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}\Z")
TAG = re.compile(r"[\w][\w.\-]*(::[\w][\w.\-]*)*\Z")
SUBDECK_KEY = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")
UNSAFE_NAME_CHARACTERS = "<>&\"{}[]\\*/`"
# Control characters break Anki's field format (U+001F separates fields) or are invisible.
# C1 controls (U+0080-U+009F) too: U+009B, for one, starts an escape sequence on some terminals.
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
MAX_CLOZE_NUMBER = cloze.MAX_CLOZE_NUMBER
WHOLE_NUMBER = re.compile(r"-?[0-9]+\Z")
VERSION = re.compile(r"\d+\.\d+\.\d+\Z")


@dataclass(frozen=True)
class Key:
    """One key a YAML mapping may hold: its name, value type, whether it is required, its meaning."""

    name: str
    type: str
    required: bool
    doc: str


DECK_KEYS = (
    Key("name", "text", True, "Anki deck name; subdecks become NAME::subdeck. Never rename."),
    Key("title", "text", True, "Human title of the deck."),
    Key("description", "markup", False, "Shown on the deck's overview screen."),
    Key("version", "version", True, "Release version, MAJOR.MINOR.PATCH."),
    Key("id", "integer", True, "Stable Anki deck id."),
    Key("note_types", "mapping", True, "One stable Anki note-type id per card kind."),
    Key("subdecks", "mapping", True, "Subdeck key used by cards: subdeck name shown in Anki."),
    Key("lint", "mapping", False, "Limits for deckgen lint."),
)
LINT_KEYS = (Key("max_answer_words", "integer", False, "Longest answer lint accepts, in words."),)
REFERENCE_KEYS = (
    Key("authors", "list of text", True, "Authors as 'Family, I. I.', in publication order."),
    Key("year", "integer", True, "Year of publication."),
    Key("title", "text", True, "Title of the article, chapter or book."),
    Key("journal", "text", False, "Journal name, for articles."),
    Key("volume", "text", False, "Journal volume."),
    Key("issue", "text", False, "Journal issue."),
    Key("pages", "text", False, "Page range or article number."),
    Key("publisher", "text", False, "Publisher, for books."),
    Key("doi", "text", False, "DOI without https://doi.org/."),
)
CARD_FILE_KEYS = (
    Key("cards", "list of cards", True, "The cards of this file."),
    Key("subdeck", "subdeck key", False, "Default subdeck for the cards of this file."),
    Key("tags", "list of tags", False, "Tags added to every card of this file."),
)
COMMON_CARD_KEYS = (
    Key("id", "card id", True, "Stable, unique id; Anki recognises the student's copy by it."),
    Key("kind", "kind", True, "basic, reverse, cloze or list."),
    Key("subdeck", "subdeck key", False, "Subdeck (required here or as the file default)."),
    Key("topic", "text", False, "Short context label shown above the question."),
    Key("extra", "markup", False, "Explanation shown on the back."),
    Key("source", "reference key", False, "Key into cards/references.yaml."),
    Key("tags", "list of tags", False, "Tags of this card."),
    Key("media", "list of text", False, "Files in cards/media/ that the card's fields show."),
    Key("retired", "boolean", False, "true once the card is withdrawn; it stays in the deck, tagged retired."),
)
KIND_KEYS = {
    "basic": (
        Key("question", "markup", True, "The question."),
        Key("answer", "markup", True, "The answer."),
    ),
    "reverse": (
        Key("question", "markup", True, "The question (or term); also asked from the answer."),
        Key("answer", "markup", True, "The answer (or definition)."),
    ),
    "cloze": (Key("text", "markup", True, "Text with {{c1::...}} deletions."),),
    "list": (
        Key("question", "markup", True, "What the list is."),
        Key("items", "list of markup", True, "The items; one card per item."),
        Key("ordered", "boolean", False, "true when the order of the items is to be learnt."),
    ),
}


def card_keys(kind: str | None) -> tuple[Key, ...]:
    if kind in KIND_KEYS:
        return COMMON_CARD_KEYS + KIND_KEYS[kind]
    every_kind = {key.name: key for keys in KIND_KEYS.values() for key in keys}
    return COMMON_CARD_KEYS + tuple(every_kind.values())


def did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _one_of(names: list[str]) -> str:
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]


class _Reader:
    """Typed access to mapping values, recording a problem (and returning None) when a value is off."""

    def __init__(self, problems: ProblemCollector) -> None:
        self.problems = problems

    def mapping(self, node: Node | None, what: str, where: Location) -> Mapping | None:
        if isinstance(node, Mapping):
            return node
        location = node.location if node is not None else where
        got = node.describe() if node is not None else "an empty file"
        self.problems.add(location, f"{what} must be a mapping of keys to values, got {got}")
        return None

    def check_keys(self, node: Mapping, keys: tuple[Key, ...], what: str, required: bool = True) -> None:
        """Unknown keys (with a did-you-mean) and, when `required`, missing required keys."""
        allowed = [key.name for key in keys]
        suggested = set()
        for key in node.keys():
            if key.text not in allowed:
                close = difflib.get_close_matches(key.text, allowed, n=1, cutoff=0.6)
                if close:
                    suggested.add(close[0])
                    hint = f" (did you mean '{close[0]}'?)"
                else:
                    hint = f": {what} may have {_one_of(allowed)}"
                self.problems.add(key.location, f"unknown key '{key.text}'{hint}")
        if not required:
            return
        present = {key.text for key in node.keys()}
        for key in keys:
            # A misspelt key already has its message; "missing" would only repeat it.
            if key.required and key.name not in present and key.name not in suggested:
                doc = key.doc[0].lower() + key.doc[1:].rstrip(".")
                self.problems.add(node.location, f"{what} has no '{key.name}': add '{key.name}:' ({doc})")

    def scalar(self, node: Node, key: str, expected: str) -> Scalar | None:
        if isinstance(node, Scalar) and node.kind != "nothing":
            return node
        if isinstance(node, Scalar):
            self.problems.add(node.location, f"'{key}' is empty: write {expected}")
        else:
            self.problems.add(node.location, f"'{key}' must be {expected}, got {node.describe()}")
        return None

    def text(self, parent: Mapping, key: str, expected: str = "text") -> Scalar | None:
        node = parent.get(key)
        if node is None:
            return None
        value = self.scalar(node, key, expected)
        if value is None:
            return None
        return value if self.acceptable_text(value, f"'{key}'", expected) else None

    def acceptable_text(self, value: Scalar, label: str, expected: str) -> bool:
        """Text that is not blank, holds no control character and keeps to the length limit;
        `label` names the value as a message does ("'question'", "'items' item")."""
        if not value.text.strip():
            self.problems.add(value.location, f"{label} is empty: write {expected}")
            return False
        control = CONTROL_CHARACTER.search(value.text)
        if control:
            self.problems.add(
                value.location,
                f"{label} contains the control character U+{ord(control.group()):04X}: remove it "
                "(it is invisible, and Anki uses U+001F to separate fields)",
            )
            return False
        if len(value.text) > MAX_FIELD_CHARS:
            self.problems.add(
                value.location,
                f"{label} has {len(value.text):,} characters; the limit is {MAX_FIELD_CHARS:,}: "
                "shorten it or split the card",
            )
            return False
        return True

    def markup(self, parent: Mapping, key: str) -> Text | None:
        value = self.text(parent, key, f"the {key}")
        return Text(value.text.strip(), value.location) if value else None

    def identifier(self, parent: Mapping, key: str) -> int | None:
        """An Anki id: a whole number that fits Anki's 64-bit columns and is not 0."""
        number = self.integer(parent, key)
        if number is not None and not 1 <= number < 2**63:
            self.problems.add(
                parent.get(key).location, f"'{key}' must be a whole number from 1 to {2**63 - 1}, got {number}"
            )
            return None
        return number

    def integer(self, parent: Mapping, key: str) -> int | None:
        node = parent.get(key)
        if node is None:
            return None
        value = self.scalar(node, key, "a whole number")
        if value is None:
            return None
        if not value.plain or not WHOLE_NUMBER.match(value.text):
            self.problems.add(value.location, f"'{key}' must be a whole number, got {value.describe()}")
            return None
        return int(value.text)

    def boolean(self, parent: Mapping, key: str) -> bool | None:
        node = parent.get(key)
        if node is None:
            return None
        value = self.scalar(node, key, "true or false")
        if value is None:
            return None
        if value.kind != "true or false" or value.text.lower() not in ("true", "false"):
            self.problems.add(value.location, f"'{key}' must be true or false, got {value.describe()}")
            return None
        return value.text.lower() == "true"

    def sequence(self, parent: Mapping, key: str, expected: str) -> Sequence | None:
        node = parent.get(key)
        if node is None:
            return None
        if isinstance(node, Sequence):
            return node
        self.problems.add(node.location, f"'{key}' must be {expected}, got {node.describe()}")
        return None

    def text_items(self, parent: Mapping, key: str, expected: str, expected_list: str) -> list[Scalar]:
        sequence = self.sequence(parent, key, expected_list)
        if sequence is None:
            return []
        items = []
        for item in sequence.items:
            if isinstance(item, Scalar) and item.kind == "nothing":
                self.problems.add(item.location, f"'{key}' item is empty: write {expected}")
                continue
            value = self.scalar(item, f"{key} item", expected)
            if value is not None and self.acceptable_text(value, f"'{key}' item", expected):
                items.append(value)
        return items


# --- deck settings -------------------------------------------------------------------------------


def validate_settings(root: Node | None, where: Location, problems: ProblemCollector) -> DeckSettings | None:
    read = _Reader(problems)
    node = read.mapping(root, "deck settings", where)
    if node is None:
        return None
    read.check_keys(node, DECK_KEYS, "deck settings")
    name = read.text(node, "name", "the deck name")
    if name and "::" in name.text:
        problems.add(name.location, "'name' must not contain '::': subdecks go under 'subdecks'")
    elif name:
        _check_safe_name(name, "name", problems)
    title = read.text(node, "title", "the deck title")
    if title:
        _check_safe_name(title, "title", problems)
    version = read.text(node, "version", "a version like 1.0.0")
    if version and not VERSION.match(version.text):
        problems.add(version.location, f"'version' must look like 1.2.3, got '{version.text}'")
    deck_id = read.identifier(node, "id")
    note_types = _note_type_ids(node, read)
    subdecks = _subdecks(node, read)
    lint = _lint_settings(node, read)
    if None in (name, title, version, deck_id, note_types, subdecks) or problems.problems:
        return None
    locations = {key.text: key.location for key in node.keys()}
    subdecks_node = node.get("subdecks")
    if isinstance(subdecks_node, Mapping):
        locations.update({f"subdecks.{key.text}": key.location for key in subdecks_node.keys()})
    return DeckSettings(
        name=name.text.strip(),
        title=title.text.strip(),
        description=read.markup(node, "description"),
        version=version.text,
        deck_id=deck_id,
        note_type_ids=note_types,
        subdecks=subdecks,
        lint=lint,
        location=node.location,
        locations=locations,
    )


def _note_type_ids(node: Mapping, read: _Reader) -> dict[str, int] | None:
    value = node.get("note_types")
    if value is None:
        return None
    mapping = read.mapping(value, "'note_types'", node.location)
    if mapping is None:
        return None
    read.check_keys(mapping, tuple(Key(kind, "integer", True, f"note-type id for {kind} cards") for kind in KINDS), "'note_types'")
    ids = {kind: read.identifier(mapping, kind) for kind in KINDS}
    seen: dict[int, str] = {}
    for kind, number in ids.items():
        if number is None:
            continue
        if number in seen:
            read.problems.add(
                mapping.get(kind).location,
                f"note-type id {number} is used for both {seen[number]} and {kind}: give each kind its own id",
            )
        seen[number] = kind
    if any(value is None for value in ids.values()):
        return None
    return ids  # type: ignore[return-value]


def _subdecks(node: Mapping, read: _Reader) -> dict[str, str] | None:
    value = node.get("subdecks")
    if value is None:
        return None
    mapping = read.mapping(value, "'subdecks'", node.location)
    if mapping is None:
        return None
    if not mapping.entries:
        read.problems.add(mapping.location, "'subdecks' is empty: name at least one subdeck")
        return None
    subdecks = {}
    for key, _ in mapping.entries:
        if not SUBDECK_KEY.match(key.text):
            read.problems.add(
                key.location,
                f"subdeck key '{key.text}' must be lower-case letters, digits, '-' or '_'",
            )
        name = read.text(mapping, key.text, "the subdeck name")
        if name and "::" in name.text:
            read.problems.add(name.location, "a subdeck name must not contain '::'")
        elif name and _check_safe_name(name, f"subdeck '{key.text}'", read.problems):
            subdecks[key.text] = name.text.strip()
    return subdecks


def _check_safe_name(value: Scalar, what: str, problems: ProblemCollector) -> bool:
    """Deck, subdeck and title names reach every card unescaped (Anki's {{Subdeck}}, the CSS):
    only plain text is allowed in them."""
    unsafe = sorted(set(value.text) & set(UNSAFE_NAME_CHARACTERS))
    if unsafe:
        problems.add(
            value.location,
            f"{what} contains {' '.join(repr(c) for c in unsafe)}: names are shown on every card "
            f"as they are, so they may not use any of {' '.join(UNSAFE_NAME_CHARACTERS)}",
        )
        return False
    return True


def _lint_settings(node: Mapping, read: _Reader) -> LintSettings:
    value = node.get("lint")
    if value is None:
        return LintSettings()
    mapping = read.mapping(value, "'lint'", node.location)
    if mapping is None:
        return LintSettings()
    read.check_keys(mapping, LINT_KEYS, "'lint'")
    words = read.integer(mapping, "max_answer_words")
    if words is not None and words < 1:
        read.problems.add(mapping.get("max_answer_words").location, "'max_answer_words' must be at least 1")
        return LintSettings()
    return LintSettings(max_answer_words=words) if words else LintSettings()


# --- references ----------------------------------------------------------------------------------


def validate_references(root: Node | None, where: Location, problems: ProblemCollector) -> dict[str, Reference]:
    read = _Reader(problems)
    if root is None:
        return {}
    node = read.mapping(root, "the references file", where)
    if node is None:
        return {}
    references = {}
    for key, value in node.entries:
        entry = read.mapping(value, f"reference '{key.text}'", key.location)
        if entry is None:
            continue
        read.check_keys(entry, REFERENCE_KEYS, f"reference '{key.text}'")
        authors = [item.text.strip() for item in read.text_items(entry, "authors", "an author", "a list of authors")]
        year = read.integer(entry, "year")
        title = read.text(entry, "title", "the title")
        optional = {
            name: (value.text.strip() if (value := read.text(entry, name)) else None)
            for name in ("journal", "volume", "issue", "pages", "publisher", "doi")
        }
        if entry.get("authors") is not None and not authors:
            problems.add(entry.get("authors").location, "'authors' is empty: list at least one author")
        if authors and year and title:
            references[key.text] = Reference(
                key=key.text,
                authors=tuple(authors),
                year=year,
                title=title.text.strip(),
                location=entry.location,
                **optional,
            )
    return references


# --- cards ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardContext:
    """What a card file's cards are checked against."""

    settings: DeckSettings
    references: dict[str, Reference]
    media_dir: Path
    shown_media_dir: str


def validate_card_file(
    root: Node | None, where: Location, context: CardContext, problems: ProblemCollector
) -> list[Card]:
    read = _Reader(problems)
    if isinstance(root, Sequence):
        problems.add(
            root.location,
            "a card file must be a mapping with a 'cards:' list, got a list: "
            "put 'cards:' on the first line and indent the cards under it",
        )
        return []
    node = read.mapping(root, "a card file", where)
    if node is None:
        return []
    read.check_keys(node, CARD_FILE_KEYS, "a card file")
    default_subdeck = _subdeck_key(node, read, context.settings)
    file_tags = _tags(node, read, context.settings.retired_tag)
    cards_node = read.sequence(node, "cards", "a list of cards")
    if cards_node is None:
        return []
    if not cards_node.items:
        problems.add(cards_node.location, "'cards' is empty: add a card or delete the file")
    cards = []
    for card_node in cards_node.items:
        card = _card(card_node, read, context, default_subdeck, node.get("subdeck") is not None, file_tags)
        if card is not None:
            cards.append(card)
    return cards


def _subdeck_key(node: Mapping, read: _Reader, settings: DeckSettings) -> str | None:
    value = read.text(node, "subdeck", "a subdeck key")
    if value is None:
        return None
    if value.text not in settings.subdecks:
        keys = list(settings.subdecks)
        hint = did_you_mean(value.text, keys) or f": use {_one_of(keys)}"
        read.problems.add(value.location, f"unknown subdeck '{value.text}'{hint}")
        return None
    return value.text


def _tags(node: Mapping, read: _Reader, reserved: str) -> tuple[str, ...]:
    tags = []
    for value in read.text_items(node, "tags", "a tag", "a list of tags"):
        if value.text.lower() == reserved:
            read.problems.add(
                value.location,
                f"tag '{value.text}' is reserved for retired cards: mark the card 'retired: true' instead",
            )
        elif TAG.match(value.text):
            tags.append(value.text)
        else:
            read.problems.add(
                value.location,
                f"tag '{value.text}' is not valid: use letters, digits, '-', '_' and '::' for "
                "hierarchy, with no spaces (e.g. ipt::limitations)",
            )
    return tuple(tags)


def _card(
    node: Node,
    read: _Reader,
    context: CardContext,
    default_subdeck: str | None,
    file_subdeck_given: bool,
    file_tags: tuple[str, ...],
) -> Card | None:
    card = read.mapping(node, "a card", node.location)
    if card is None:
        return None
    problems_before = len(read.problems.problems)
    card_id = read.text(card, "id", "the card id")
    what = f"card '{card_id.text}'" if card_id else "a card"
    if card_id and not CARD_ID.match(card_id.text):
        read.problems.add(
            card_id.location,
            f"card id '{card_id.text}' must be lower-case letters, digits, '.', '-' or '_' "
            "(at most 64, starting with a letter or digit)",
        )
    kind = _kind(card, read)
    # With no known kind the required keys are unknown; only misspellings can be reported.
    read.check_keys(card, card_keys(kind), f"{kind} {what}" if kind else what, required=kind is not None)
    subdeck = _subdeck_key(card, read, context.settings) if card.get("subdeck") else default_subdeck
    if subdeck is None and card.get("subdeck") is None and not file_subdeck_given:
        read.problems.add(
            card.location,
            f"{what} has no subdeck: add 'subdeck:' to the card or to the top of the file",
        )
    source = read.text(card, "source", "a reference key")
    if source and source.text not in context.references:
        hint = did_you_mean(source.text, list(context.references))
        read.problems.add(
            source.location,
            f"unknown source '{source.text}'{hint}: add it to cards/references.yaml or fix the key",
        )
    topic = read.text(card, "topic", "a short topic label")
    if topic and len(topic.text.strip()) > MAX_TOPIC_CHARS:
        read.problems.add(
            topic.location,
            f"'topic' has {len(topic.text.strip())} characters; keep it to {MAX_TOPIC_CHARS}",
        )
    fields = _kind_fields(card, kind, read)
    extra = read.markup(card, "extra")
    retired = read.boolean(card, "retired")
    media = _media(card, read, context)
    tags = file_tags + tuple(
        tag for tag in _tags(card, read, context.settings.retired_tag) if tag not in file_tags
    )
    if len(read.problems.problems) > problems_before or kind is None or card_id is None or subdeck is None:
        return None
    return Card(
        id=card_id.text,
        kind=kind,
        subdeck=subdeck,
        location=card_id.location,
        topic=Text(topic.text.strip(), topic.location) if topic else None,
        extra=extra,
        source=source.text if source else None,
        source_location=source.location if source else None,
        tags=tags,
        media=media,
        retired=bool(retired),
        **fields,
    )


def _kind(card: Mapping, read: _Reader) -> str | None:
    kind = read.text(card, "kind", "the card kind")
    if kind is None:
        return None
    if kind.text not in KINDS:
        hint = did_you_mean(kind.text, list(KINDS))
        read.problems.add(
            kind.location, f"unknown kind '{kind.text}'{hint}: use {_one_of(list(KINDS))}"
        )
        return None
    return kind.text


def _kind_fields(card: Mapping, kind: str | None, read: _Reader) -> dict:
    if kind in ("basic", "reverse"):
        return {"question": read.markup(card, "question"), "answer": read.markup(card, "answer")}
    if kind == "cloze":
        text = read.markup(card, "text")
        if text is not None:
            check_cloze(text, read.problems)
        return {"text": text}
    if kind == "list":
        items = [Text(value.text.strip(), value.location) for value in read.text_items(card, "items", "an item", "a list of items")]
        items_node = card.get("items")
        if isinstance(items_node, Sequence) and len(items_node.items) > MAX_CLOZE_NUMBER:
            read.problems.add(
                items_node.location,
                f"a list card has at most {MAX_CLOZE_NUMBER} items (one Anki card each): split the list",
            )
        if isinstance(items_node, Sequence) and len(items_node.items) == 1:
            read.problems.add(
                items_node.location,
                "a list card needs at least 2 items: use a basic card for a single fact",
            )
        ordered = read.boolean(card, "ordered")
        return {
            "question": read.markup(card, "question"),
            "items": tuple(items),
            "ordered": bool(ordered),
        }
    return {}


def check_cloze(text: Text, problems: ProblemCollector) -> None:
    """A cloze text needs at least one well-formed {{cN::...}}, balanced braces and no nesting."""
    for message in cloze.problems(text.value):
        problems.add(text.location, message)


def _media(card: Mapping, read: _Reader, context: CardContext) -> tuple[MediaFile, ...]:
    files = []
    for value in read.text_items(card, "media", "a file name in cards/media/", "a list of file names"):
        name = value.text.strip()
        problem = media_problem(name, context.media_dir, context.shown_media_dir)
        if problem:
            read.problems.add(value.location, problem)
        else:
            files.append(MediaFile(name, (context.media_dir / name).resolve(), value.location))
    return tuple(files)


def check_unique_ids(cards: list[Card], problems: ProblemCollector) -> None:
    first: dict[str, Location] = {}
    for card in cards:
        if card.id in first:
            problems.add(
                card.location,
                f"duplicate card id '{card.id}' (first used at {first[card.id]}): "
                "give each card its own id",
            )
        else:
            first[card.id] = card.location
