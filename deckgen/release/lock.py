"""The lock file, `cards/deck.lock`: its format, written and read back strictly.

It records, for every card, when it was added and last changed (the times students' Anki compares),
what it holds (a fingerprint, its kind, subdeck and what each cloze number hides), and for the deck
its id, names and note types; also every change that hurts students and was released anyway.
Format 3 adds each card's position, its place in students' new-card queue (positions.py), which a
release assigns once and never changes; a lock of format 2 has none, and its cards keep the positions
the packages of that format gave them.
It is JSON with one card per line, so a pull request shows each changed card as one changed line.
lockread.py reads it back, strictly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

from deckgen.errors import Location
from deckgen.release.subjects import LockEntry, Subject

LOCK_FILE = "deck.lock"
LOCK_FORMAT = 3  # 3: GUIDs, positions and the deck description's fingerprint recorded
READABLE_FORMATS = (1, 2, 3)
ABOUT = "Written by deckgen. Commit it with the cards; never edit it by hand."
LATEST_TIME = 253_402_300_799  # the last second of the year 9999
MAX_CLOZE_NUMBER = 500
MAX_ID = 2**63 - 1
MAX_TEXT_CHARS = 100_000
# How far ahead of this machine's clock a recorded time may be (time zones, clock skew): a release
# time further ahead would have every later import overwrite students' edits, and block releases.
FUTURE_MARGIN = 86_400
FINGERPRINT = re.compile(r"sha256:[0-9a-f]{64}\Z")


@dataclass(frozen=True, slots=True)  # one per card: no __dict__ each
class CardRecord:
    added: int
    modified: int  # when the content as it is now was first built
    changed_in: str  # the deck version of that build
    content: str  # fingerprint of what students' Anki receives
    kind: str
    subdeck: str
    # What each cloze number hides (list items, cloze deletions), as a student reads it; None for a
    # number recorded by a lock of format 1, which kept only a fingerprint.
    hides: tuple[tuple[int, str | None], ...] = ()
    retired: bool = False
    removed: bool = False  # a tombstone: the card was released, then removed
    guid: str | None = None  # the note's GUID, as released; None: recorded by a lock before format 3
    position: int | None = None  # its place in the new-card queue; None in a lock of format 2


@dataclass(frozen=True)
class NoteTypeRecord:
    note_type_id: int
    fields: tuple[str, ...]
    templates: tuple[str, ...]
    appearance: str
    modified: int


@dataclass(frozen=True)
class Release:
    """One release: its version and the time its changed cards carry."""

    version: str
    time: int


UNRELEASED = "unreleased"  # the version of an acknowledged change that the next release will make


@dataclass(frozen=True)
class Acknowledged:
    """A change that hurts students, allowed with its --allow flag: kept for reviewers and CI."""

    version: str  # the release that made it, or UNRELEASED
    flag: str
    subject: Subject  # what changed; the lock writes it as text (str(subject))
    change: str


@dataclass(frozen=True)
class Lock:
    deck_id: int
    deck_name: str
    subdecks: Mapping[str, str]
    note_types: Mapping[str, NoteTypeRecord]
    cards: Mapping[str, CardRecord]
    acknowledged: tuple[Acknowledged, ...] = ()
    releases: tuple[Release, ...] = ()  # a lock from before they were recorded: see _releases_of_old_lock
    description: str | None = None  # fingerprint of the deck's description; None: not recorded (format < 3)

    @property
    def last_release(self) -> Release | None:
        return self.releases[-1] if self.releases else None

    @property
    def numbered_in_course_order(self) -> bool:
        """Whether no card has a recorded position: a lock of format 2, whose packages gave each card
        its place in the course (0, 1, 2, … without gaps) as its position."""
        return bool(self.cards) and all(record.position is None for record in self.cards.values())

    @property
    def pending(self) -> tuple[Acknowledged, ...]:
        """Acknowledged changes the next release will make."""
        return tuple(item for item in self.acknowledged if item.version == UNRELEASED)

    def __post_init__(self) -> None:
        for name in ("subdecks", "note_types", "cards"):  # read-only, as a frozen record should be
            value = getattr(self, name)
            if type(value) is not MappingProxyType:  # one already is (another lock's, `replace`d): shared, not copied
                object.__setattr__(self, name, MappingProxyType(dict(value)))


@dataclass(frozen=True)
class LockFile:
    """A lock as read from disk, with the line of each of its entries."""

    lock: Lock
    shown_as: str
    # Finds the line of each entry (the deck, each note type and card, sections) when a message first
    # needs one: a build with nothing to say about the lock never reads its lines.
    find_lines: Callable[[], Mapping[LockEntry, int]] = field(default=dict, compare=False)

    @cached_property
    def lines(self) -> Mapping[LockEntry, int]:
        return self.find_lines()

    def location(self, entry: LockEntry) -> Location:
        return Location(self.shown_as, self.lines.get(entry, 1), 1)


# --- writing -------------------------------------------------------------------------------------


def _card_entry(record: CardRecord) -> dict[str, object]:
    entry: dict[str, object] = {
        "added": record.added, "modified": record.modified, "changed_in": record.changed_in,
        "content": record.content, "kind": record.kind, "subdeck": record.subdeck,
    }
    if record.hides:
        entry["hides"] = {str(number): text for number, text in record.hides}
    if record.retired:
        entry["retired"] = True
    if record.removed:
        entry["removed"] = True
    if record.guid is not None:
        entry["guid"] = record.guid
    if record.position is not None:
        entry["position"] = record.position
    return entry


def _block(value: object) -> str:
    """A JSON value indented to sit under a top-level key."""
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")


def _one_per_line(entries: list[str], opening: str, closing: str) -> str:
    if not entries:
        return opening + closing
    return opening + "\n" + ",\n".join(f"    {entry}" for entry in entries) + "\n  " + closing


def lock_text(lock: Lock) -> str:
    """The lock as stable, diff-friendly JSON: one card (and one acknowledged change) per line."""
    deck: dict[str, object] = {"id": lock.deck_id, "name": lock.deck_name, "subdecks": dict(lock.subdecks)}
    if lock.description is not None:
        deck["description"] = lock.description
    note_types = {
        kind: {
            "id": record.note_type_id, "fields": list(record.fields), "templates": list(record.templates),
            "appearance": record.appearance, "modified": record.modified,
        }
        for kind, record in sorted(lock.note_types.items())
    }
    acknowledged = [
        json.dumps({"version": item.version, "flag": item.flag, "subject": str(item.subject), "change": item.change},
                   ensure_ascii=False)
        for item in lock.acknowledged
    ]
    releases = [json.dumps({"version": item.version, "time": item.time}) for item in lock.releases]
    cards = [
        f"{json.dumps(card_id, ensure_ascii=False)}: {json.dumps(_card_entry(record), ensure_ascii=False)}"
        for card_id, record in sorted(lock.cards.items())
    ]
    members = [
        f'"format": {LOCK_FORMAT}',
        f'"about": {json.dumps(ABOUT)}',
        f'"deck": {_block(deck)}',
        f'"note_types": {_block(note_types)}',
        f'"releases": {_one_per_line(releases, "[", "]")}',
        f'"acknowledged": {_one_per_line(acknowledged, "[", "]")}',
        f'"cards": {_one_per_line(cards, "{", "}")}',
    ]
    return "{\n" + ",\n".join(f"  {member}" for member in members) + "\n}\n"


def version_key(version: str) -> tuple[int, ...]:
    """A version (checked as one) as numbers, in the order releases follow."""
    return tuple(int(part) for part in version.split("."))
