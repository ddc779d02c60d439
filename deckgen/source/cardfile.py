"""What a card file may hold, and its validation into the model's cards.

The keys every card may have are declared here; the keys of each kind's content are declared with
the kind (kinds.py). Validation collects every problem of every card before any is reported.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection
from collections.abc import Mapping as Lookup
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deckgen.errors import Location, ProblemCollector
from deckgen.ids import note_guid
from deckgen.source.deck import CARD_ID, Card, DeckSettings, MediaFile, Reference
from deckgen.source.keys import (
    BooleanKey,
    ChoiceKey,
    Complaints,
    Key,
    ListKey,
    MarkupKey,
    PatternKey,
    PlainTextKey,
    Reader,
    TextKey,
    case_insensitive,
    complain,
    did_you_mean,
    one_of,
)
from deckgen.source.kinds import CITATION_KEYS, KINDS, Kind
from deckgen.source.load import MAX_EXPANDED_VALUES, Mapping, Node, Positions, Sequence
from deckgen.source.quickread import EXPLAIN, QuickReader
from deckgen.text.media import MEDIA_TYPES, media_problem

MAX_TOPIC_CHARS = 40
TAG = re.compile(r"[\w][\w.\-]*(::[\w][\w.\-]*)*\Z")
GUID = re.compile(r"[!-~]{1,64}\Z")


@dataclass(frozen=True)
class CardContext:
    """What a card file's cards are checked against."""

    settings: DeckSettings
    references: dict[str, Reference]
    media_dir: Path
    shown_media_dir: str


def _unknown_subdeck(key: str, subdecks: Collection[str]) -> str:
    hint = did_you_mean(key, subdecks) or (
        f": use {one_of(list(subdecks))}, or add '{key}' under 'subdecks:' in cards/deck.yaml")
    return f"unknown subdeck '{key}'{hint}"


def _unknown_kind(kind: str, kinds: Collection[str]) -> str:
    return f"unknown kind '{kind}'{did_you_mean(kind, kinds)}: use {one_of(list(kinds))}"


def _unknown_source(key: str, references: Collection[str]) -> str:
    return f"unknown source '{key}'{did_you_mean(key, references)}: add it to cards/references.yaml or fix the key"


def _tag_problem(tag: str) -> str:
    return (f"tag '{tag}' is not valid: use letters, digits, '-', '_' and '::' for hierarchy, with no spaces "
            "(e.g. ipt::limitations)")


def _folded(tag: str) -> str:
    return unicodedata.normalize("NFKC", tag).casefold()


def _prefixes(tag: str) -> list[str]:
    """A tag's ancestors, folded: ipt::retired::x has ipt and ipt::retired."""
    parts = _folded(tag).split("::")
    return ["::".join(parts[:end]) for end in range(1, len(parts))]


class TagKey(PatternKey):
    """A tag; the deck's retired tag is reserved for the cards marked retired."""

    def __init__(self) -> None:
        super().__init__("tags", "", TAG, _tag_problem, expected="a tag")

    def rules(self, text: str, context: CardContext | None) -> Any:
        checked = super().rules(text, context)
        if type(checked) is str and context and _reserved(text, context):
            return complain(f"tag '{text}' is reserved for retired cards: set the card's 'retired' to true instead")
        return checked

    made = Key.made  # the tag's text

    def json_schema(self, context: CardContext | None) -> dict[str, Any]:
        schema = super().json_schema(context)
        if context is not None:  # the retired tag and its children (lookalike letters are check's to find)
            schema["not"] = {"pattern": f"^{case_insensitive(context.settings.retired_tag)}(::|$)"}
        return schema


def _reserved(tag: str, context: CardContext) -> bool:
    """Whether `tag` is the deck's retired tag or one of its children. Anki's search
    `tag:ipt::retired`, which students use to delete retired cards, also finds its child tags,
    ignores case and folds lookalike letters: none of those may be set by hand."""
    reserved = _folded(context.settings.retired_tag)
    return reserved in (_folded(tag), *_prefixes(tag))


class MediaKey(TextKey):
    """A file in cards/media/ that is a real image or sound."""

    def __init__(self) -> None:
        super().__init__("media", "", expected="a file name in cards/media/")

    def rules(self, text: str, context: CardContext) -> Any:
        """The file's name, or what is wrong with the file."""
        name = text.strip()
        problem = media_problem(name, context.media_dir, context.shown_media_dir)
        return complain(problem) if problem else name

    def made(self, value: Any, reader: Any, at: Any) -> MediaFile:
        return MediaFile(value, (reader.context.media_dir / value).resolve(), reader.place(at))

    def json_schema(self, context: CardContext | None) -> dict[str, Any]:
        suffixes = "|".join(case_insensitive(suffix.removeprefix(".")) for suffix in MEDIA_TYPES)
        plain_name = {"pattern": rf"^[^./\\][^/\\]*\.({suffixes})$"}
        return {**super().json_schema(context), "allOf": [plain_name]}


def _kinds(context: CardContext | None) -> list[str]:
    return list(context.settings.kinds) if context else list(KINDS)


def _subdecks(context: CardContext | None) -> list[str]:
    return list(context.settings.subdecks) if context else []


def _references(context: CardContext | None) -> list[str]:
    return sorted(context.references) if context else []


_SUBDECK = ChoiceKey("subdeck", "Default subdeck for the cards of this file.", _subdecks, _unknown_subdeck,
                     expected="a subdeck key")
_TAGS = ListKey("tags", "Tags added to every card of this file.", TagKey(), "a tag", "a list of tags")

CARD_FILE_KEYS = (Key("cards", "The cards of this file.", True), _SUBDECK, _TAGS)
COMMON_CARD_KEYS = (
    PatternKey("id", "Stable, unique id; Anki recognises the student's copy by it.", CARD_ID,
               lambda text: f"card id '{text}' must be lower-case letters, digits, '.', '-' or '_' "
                            "(at most 64, starting with a letter or digit)", True, "the card id"),
    ChoiceKey("kind", ", ".join(KINDS) + ", or a note type deck.yaml declares.", _kinds, _unknown_kind, True,
              "the card kind"),
    ChoiceKey("subdeck", "Subdeck (required here or as the file default).", _subdecks, _unknown_subdeck,
              expected="a subdeck key"),
    PlainTextKey("topic", "Short context label shown above the question.", "a short topic label", MAX_TOPIC_CHARS),
    MarkupKey("extra", "Explanation shown on the back."),
    ChoiceKey("source", "Key into cards/references.yaml.", _references, _unknown_source, expected="a reference key"),
    MarkupKey("corrects", "For maintainers, never shown to students: what the source material got wrong that this "
              "card teaches correctly, and the source that says so (docs/content-review.md lists them)."),
    ListKey("tags", "Tags of this card.", TagKey(), "a tag", "a list of tags"),
    ListKey("media", "Files in cards/media/ that the card's fields show.", MediaKey(), "a file name in cards/media/",
            "a list of file names"),
    BooleanKey("retired", "true once the card is withdrawn; it stays in the deck, tagged retired."),
    PatternKey("guid", "The note's Anki GUID, for a note that came from elsewhere (deckgen import); never change it.",
               GUID,
               lambda text: f"'guid' must be printable ASCII without spaces (at most 64 characters), got '{text}'",
               expected="the note's GUID"),
)
# A declared note type has exactly its own fields: no topic, explanation or citation of deckgen's.
DECLARED_COMMON_KEYS = tuple(key for key in COMMON_CARD_KEYS if key.name not in CITATION_KEYS)


def common_keys(kind: Kind) -> tuple[Key, ...]:
    """The keys every card of `kind` may have: the common ones, of the citation keys those it cites with."""
    if kind.citation_keys == CITATION_KEYS:
        return COMMON_CARD_KEYS
    return tuple(key for key in COMMON_CARD_KEYS if key.name not in CITATION_KEYS or key.name in kind.citation_keys)


def card_keys(kind: str | None, kinds: Lookup[str, Kind] = KINDS) -> tuple[Key, ...]:
    """The keys a card of `kind` may have; with no known kind, every kind's, for did-you-mean."""
    if kind is not None and kind in kinds:
        declared = kinds[kind]
        return common_keys(declared) + declared.keys
    every_kind = {key.name: key for each in kinds.values() for key in each.keys}
    return COMMON_CARD_KEYS + tuple(key for name, key in every_kind.items() if name not in _COMMON_NAMES)


class CardFileReader(Reader):
    """A card file's reader, which says what a card file lacks in a YAML file's words (a key to
    add); a table's (tablefile.py) says it of its rows, columns and cells."""

    def no_subdeck(self, card: Mapping, what: str) -> None:
        self.add(card.location, f"{what} has no subdeck: add 'subdeck:' to the card or to the top of the file")

    def no_cards(self, cards: Sequence) -> None:
        self.add(cards.location, "'cards' is empty: add a card or delete the file")


def validate_card_file(
    root: Node | None, where: Location, context: CardContext, problems: ProblemCollector,
    read: CardFileReader | None = None,
) -> list[Card]:
    read = read or CardFileReader(problems, context)
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
    default_subdeck = read.read(node, _SUBDECK)
    file_tags = tuple(read.read(node, _TAGS) or ())
    cards_node = node.get("cards")
    if cards_node is not None and not isinstance(cards_node, Sequence):
        problems.add(cards_node.location, f"'cards' must be a list of cards, got {cards_node.describe()}")
    if not isinstance(cards_node, Sequence):
        return []
    if not cards_node.items:
        read.no_cards(cards_node)
    defaults = _FileDefaults(default_subdeck, node.get("subdeck") is not None, file_tags)
    cards = [_card(card_node, read, defaults) for card_node in cards_node.items]
    return [card for card in cards if card is not None]


@dataclass(frozen=True)
class _FileDefaults:
    subdeck: str | None
    subdeck_given: bool  # even when it was wrong: then a card is not also "missing" one
    tags: tuple[str, ...]


def _card(node: Node, read: CardFileReader, defaults: _FileDefaults) -> Card | None:
    card = read.mapping(node, "a card", node.location)
    if card is None:
        return None
    problems_before = len(read.problems.problems)
    kinds = read.context.settings.kinds if read.context else KINDS
    kind = read.read(card, _KIND)
    keys = common_keys(kinds[kind]) if kind is not None else COMMON_CARD_KEYS
    common = {key.name: read.read(card, key) for key in keys if key is not _KIND}
    common["kind"] = kind
    card_id = common["id"]
    what = f"card '{card_id.text}'" if card_id else "a card"
    # With no known kind the required keys are unknown; only misspellings can be reported.
    article = "an" if kind and kind[0] in "aeiou" else "a"
    kind_what = (f"{kind} {what}" if card_id else f"{article} {kind} card") if kind else what
    read.check_keys(card, card_keys(kind, kinds), kind_what, required=kind is not None)
    if card.get("kind") is None:  # else its value was refused, and said so
        read.missing_key(card, _KIND, what)
    subdeck = common["subdeck"] if card.get("subdeck") else defaults.subdeck
    if subdeck is None and card.get("subdeck") is None and not defaults.subdeck_given:
        read.no_subdeck(card, what)
    content = {}
    if kind is not None:
        content = {key.name: read.read(card, key) for key in kinds[kind].keys}
        check = kinds[kind].check
        checked = check(content) if check else content
        if type(checked) is Complaints:
            read.report(checked, card)
        else:
            content = checked
        content = _content(kinds[kind], content)
        if kind not in read.context.settings.note_type_ids:
            read.add(card.located("kind"),
                     f"{what} is a {kind} card, but cards/deck.yaml gives no note-type id for {kind} cards: "
                     f"add '{kind}:' with a new number under 'note_types'")
    tags = defaults.tags + tuple(tag for tag in common["tags"] or () if tag not in defaults.tags)
    if len(read.problems.problems) > problems_before or kind is None or card_id is None or subdeck is None:
        return None
    return Card(
        id=card_id.text, kind=kind, subdeck=subdeck, where=card_id.location, topic=common.get("topic"),
        extra=common.get("extra"), source=common.get("source"), corrects=common.get("corrects"), tags=tags,
        media=tuple(common["media"] or ()),
        retired=bool(common["retired"]), guid=common["guid"].text if common["guid"] else None, **content,
    )


def _content(kind: Kind, content: dict[str, Any]) -> dict[str, Any]:
    """A kind's values as the Card holds them, for every kind alike: by YAML key, in its keys' order."""
    values = tuple((key.name, content[key.name]) for key in kind.keys if content.get(key.name) is not None)
    packed: dict[str, Any] = {"values": values}
    if "parsed_cloze" in content:
        packed["parsed_cloze"] = content["parsed_cloze"]
    return packed


def quick_card_file(document: Any, context: CardContext, positions: Positions) -> list[Card] | None:
    """A card file's cards from its plain values (plainload.py), exactly as `validate_card_file`
    would give them; None when that reading has something to report, or might have."""
    if type(document) is not dict or not document.keys() <= _FILE_KEY_NAMES or type(document.get("cards")) is not list:
        return None
    read = QuickReader(context, positions)
    top = {key.name: key.quick(document[key.name], read, (key.name,)) for key in CARD_FILE_KEYS[1:]
           if key.name in document}
    cards = document["cards"]
    if not cards or any(value is EXPLAIN for value in top.values()):
        return None
    values = 1 + 2 * len(document) + len(cards) + len(top.get("tags", ()))
    defaults = _FileDefaults(top.get("subdeck"), "subdeck" in top, tuple(top.get("tags") or ()))
    made: list[Card] = []
    for index, card in enumerate(cards):
        quick = _quick_card(card, index, read, defaults)
        if quick is None:
            return None
        made.append(quick)
        values += 2 * len(card) + sum(len(value) for value in card.values() if type(value) is list)
    # load.py counts values to stop alias bombs; a file without aliases could still pass its limit.
    return made if values <= MAX_EXPANDED_VALUES else None


def _quick_card(card: Any, index: int, read: QuickReader, defaults: _FileDefaults) -> Card | None:
    kind_name = card.get("kind") if type(card) is dict else None
    kind = read.context.settings.kinds.get(kind_name) if type(kind_name) is str else None
    if kind is None:
        return None
    built_in = KINDS.get(kind.name) is kind  # not a declared kind of the same name
    keys, required = _KEYS[kind.name] if built_in else _keys_of(kind)
    if not card.keys() <= keys.keys() or not required <= card.keys():
        return None
    if kind.name not in read.context.settings.note_type_ids:
        return None
    values: Any = {}
    for name, value in card.items():
        key = keys[name]
        # The key's own name, not the file's copy of it: texts keep it, and one copy serves them all.
        values[key.name] = key.quick(value, read, ("cards", index, key.name))
        if values[key.name] is EXPLAIN:
            return None
    subdeck = values.pop("subdeck", defaults.subdeck)
    if kind.check:
        values = kind.check(values)
    if subdeck is None or type(values) is Complaints:
        return None
    tags = defaults.tags + tuple(tag for tag in values.pop("tags", ()) if tag not in defaults.tags)
    content = _content(kind, values)
    values = {name: value for name, value in values.items()
              if name not in kind.key_names and name != "parsed_cloze"} | content
    return Card(
        id=values.pop("id"), kind=values.pop("kind"), subdeck=subdeck, where=read.pointer(("cards", index, "id")),
        tags=tags, media=tuple(values.pop("media", ())), retired=values.pop("retired", False), **values,
    )


_FILE_KEY_NAMES = frozenset(key.name for key in CARD_FILE_KEYS)
_KIND = COMMON_CARD_KEYS[1]
_COMMON_NAMES = frozenset(key.name for key in COMMON_CARD_KEYS)


def _keys_of(kind: Kind) -> tuple[dict[str, Key], frozenset[str]]:
    """A kind's card keys by name, and the names of the required ones."""
    keys = card_keys(kind.name, {kind.name: kind})
    return {key.name: key for key in keys}, frozenset(key.name for key in keys if key.required)


# Worked out once for the built-in kinds; a declared kind's, once per card (a few keys).
_KEYS = {name: _keys_of(kind) for name, kind in KINDS.items()}


def check_unique_ids(cards: list[Card], problems: ProblemCollector) -> None:
    first: dict[str, Card] = {}
    for card in cards:
        if card.id in first:
            problems.add(
                card.where,
                f"duplicate card id '{card.id}' (first used at {first[card.id].location}): give each card its own id",
            )
        else:
            first[card.id] = card


def check_unique_guids(cards: list[Card], deck_id: int, problems: ProblemCollector,
                       derive: Callable[[int, str], str] = note_guid) -> dict[str, str]:
    """Two cards of one build with one GUID (written as `guid:` or derived from the id) would both
    be imported by students' Anki, and later updates would reach only one of them. `derive` gives
    a card's GUID from the deck id and card id (note_guid, or one remembered). Returns each card's
    GUID by its id (the first card's, of an id used twice), which rendering uses again."""
    first: dict[str, Card] = {}
    guids: dict[str, str] = {}
    for card in cards:
        guid = card.guid or derive(deck_id, card.id)
        guids.setdefault(card.id, guid)
        other = first.setdefault(guid, card)
        if other.id != card.id:  # the same id twice is check_unique_ids' message
            problems.add(
                card.where,
                f"card '{card.id}' has the GUID '{guid}', as card '{other.id}' ({other.location}) does: students' "
                "Anki would import both and update only one of them afterwards; remove the 'guid:' that is not "
                "the card's own (a card without one gets a GUID of its own from its id)",
            )
    return guids
