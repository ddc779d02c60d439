"""Reading `cards/deck.lock` back strictly (lock.py says what it holds and writes it).

Reading records the line of every entry, so that a problem can be shown where it is; every value is
checked against the format deckgen writes it in (versions as versions, fingerprints as fingerprints,
times no later than the release that gave them and never in the future), because a hand-edited lock
must end in a message, never in a package Anki refuses nor in markup on students' cards.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from deckgen.errors import DeckError, Location, shortened
from deckgen.names import name_problem
from deckgen.release.lock import (
    FINGERPRINT,
    FUTURE_MARGIN,
    LATEST_TIME,
    LOCK_FORMAT,
    MAX_CLOZE_NUMBER,
    MAX_ID,
    MAX_TEXT_CHARS,
    READABLE_FORMATS,
    UNRELEASED,
    Acknowledged,
    CardRecord,
    Lock,
    LockFile,
    NoteTypeRecord,
    Release,
    version_key,
)
from deckgen.release.lockcards import CARD_KEYS, REQUIRED_CARD_KEYS, card_records
from deckgen.release.positions import MAX_POSITION
from deckgen.release.subjects import (
    ACKNOWLEDGED_ENTRY,
    DECK_ENTRY,
    RELEASES_ENTRY,
    LockEntry,
    Subject,
    card_entry,
    note_type_entry,
    read_subject,
)
from deckgen.source.cardfile import GUID
from deckgen.source.deck import CARD_ID
from deckgen.source.deckfile import VERSION
from deckgen.source.keys import CONTROL_CHARACTER

_T = TypeVar("_T")


class _Damaged(ValueError):
    """A value of the lock that deckgen never writes; `at` is the entry it is in, or, for what the
    json reader reports without a position, `found_by` finds its line."""

    def __init__(self, at: LockEntry, message: str, found_by: re.Pattern[str] | None = None) -> None:
        super().__init__(message)
        self.at = at
        self.found_by = found_by


def _of_type(value: object, expected: type[_T], at: LockEntry, what: str) -> _T:
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise _Damaged(at, f"{what} should be {_TYPE_NAMES[expected]}, is {_shown(value)}")
    return value


_TYPE_NAMES = {int: "a whole number", str: "text", bool: "true or false", dict: "an object", list: "a list"}


def _shown(value: object) -> str:
    return shortened(json.dumps(value, ensure_ascii=True), 40)


def _whole(value: object, at: LockEntry, what: str, highest: int) -> int:
    number = _of_type(value, int, at, what)
    if not 1 <= number <= highest:
        raise _Damaged(at, f"{what} should be from 1 to {highest}, is {number}")
    return number


def _time(value: object, at: LockEntry, what: str) -> int:
    return _whole(value, at, what, LATEST_TIME)


def _text(value: object, at: LockEntry, what: str) -> str:
    text = _of_type(value, str, at, what)
    control = CONTROL_CHARACTER.search(text)
    if control:
        raise _Damaged(at, f"{what} contains the control character U+{ord(control.group()):04X}")
    if len(text) > MAX_TEXT_CHARS:
        raise _Damaged(at, f"{what} is longer than the {MAX_TEXT_CHARS:,} characters deckgen writes")
    return text


def _name(value: object, at: LockEntry, what: str) -> str:
    """A deck or subdeck name: plain text, as deck.yaml's names are (`stats --released` shows them)."""
    text = _text(value, at, what)
    problem = name_problem(text)
    if problem:
        raise _Damaged(at, f"{what} {problem}")
    return text


def _formatted(value: object, pattern: re.Pattern[str], at: LockEntry, what: str, expected: str) -> str:
    text = _of_type(value, str, at, what)
    if not pattern.match(text):
        raise _Damaged(at, f"{what} should be {expected}, is {_shown(text)}")
    return text


def _version(value: object, at: LockEntry, what: str) -> str:
    return _formatted(value, VERSION, at, what, "a version such as 1.2.0")


def _fingerprint(value: object, at: LockEntry, what: str) -> str:
    return _formatted(value, FINGERPRINT, at, what, "a fingerprint deckgen writes (sha256:…)")


def _guid(entry: dict[str, Any], at: LockEntry) -> str | None:
    """The card's recorded GUID: printable ASCII, as a card file's `guid:` is; None if not recorded."""
    if "guid" not in entry:
        return None
    return _formatted(entry["guid"], GUID, at, "'guid'", "printable ASCII without spaces (at most 64 characters)")


def _texts(value: object, at: LockEntry, what: str) -> tuple[str, ...]:
    items = _of_type(value, list, at, what)
    return tuple(_text(item, at, what) for item in items)


def _object(value: object, at: LockEntry, what: str) -> dict[str, Any]:
    return _of_type(value, dict, at, what)


def _hides(entry: dict[str, Any], at: LockEntry, card_format: int) -> tuple[tuple[int, str | None], ...]:
    if card_format == 1:  # "N:fingerprint" strings: the numbers are known, the texts are not
        numbers = []
        for item in _texts(entry.get("deletions", []), at, "'deletions'"):
            number, _, _ = item.partition(":")
            if not re.fullmatch(r"[0-9]{1,3}", number):
                raise _Damaged(at, f"'deletions' should hold \"number:fingerprint\", holds {_shown(item)}")
            numbers.append((_whole(int(number), at, "a cloze number", MAX_CLOZE_NUMBER), None))
        return tuple(numbers)
    hides = []
    for number, text in _object(entry.get("hides", {}), at, "'hides'").items():
        if not re.fullmatch(r"[0-9]{1,3}", number):
            raise _Damaged(at, f"'hides' keys should be cloze numbers, one is {_shown(number)}")
        hides.append((_whole(int(number), at, "a cloze number", MAX_CLOZE_NUMBER),
                      _text(text, at, f"what c{number} hides")))
    return tuple(sorted(hides))


def _card_record(card_id: str, entry: object, lock_format: int) -> CardRecord:
    at = card_entry(card_id)
    if not CARD_ID.match(card_id):
        raise _Damaged(DECK_ENTRY, f"{_shown(card_id)} is not a card id deckgen writes")
    entry = _object(entry, at, f"card '{card_id}'")
    unknown = sorted(set(entry) - CARD_KEYS[lock_format])
    if unknown:
        raise _Damaged(at, f"card '{card_id}' has the unknown key {_shown(unknown[0])}")
    missing = [key for key in REQUIRED_CARD_KEYS if key not in entry]
    if missing:
        raise _Damaged(at, f"card '{card_id}' has no '{missing[0]}'")
    added = _time(entry["added"], at, "'added'")
    modified = _time(entry["modified"], at, "'modified'")
    if modified < added:
        raise _Damaged(at, f"card '{card_id}' was modified ({modified}) before it was added ({added})")
    return CardRecord(
        added=added,
        modified=modified,
        changed_in=_version(entry["changed_in"], at, "'changed_in'"),
        content=_fingerprint(entry["content"], at, "'content'"),
        kind=_text(entry["kind"], at, "'kind'"),
        subdeck=_text(entry["subdeck"], at, "'subdeck'"),
        hides=_hides(entry, at, lock_format),
        retired=_of_type(entry.get("retired", False), bool, at, "'retired'"),
        removed=_of_type(entry.get("removed", False), bool, at, "'removed'"),
        guid=_guid(entry, at),
        position=_position(entry, at),
    )


def _position(entry: dict[str, Any], at: LockEntry) -> int | None:
    """A card's position: a whole number Anki keeps as it is (its Check Database moves a new card at
    1,000,000 or more), or None when the lock has none yet."""
    if "position" not in entry:
        return None
    position = _of_type(entry["position"], int, at, "'position'")
    if not 0 <= position <= MAX_POSITION:
        raise _Damaged(at, f"'position' should be from 0 to {MAX_POSITION}, is {position}")
    return position


def _note_type(kind: str, entry: object) -> NoteTypeRecord:
    at = note_type_entry(kind)
    entry = _object(entry, at, f"note type '{kind}'")
    for key in ("id", "fields", "templates", "appearance", "modified"):
        if key not in entry:
            raise _Damaged(at, f"note type '{kind}' has no '{key}'")
    return NoteTypeRecord(
        note_type_id=_whole(entry["id"], at, "the note-type id", MAX_ID),
        fields=_texts(entry["fields"], at, "'fields'"),
        templates=_texts(entry["templates"], at, "'templates'"),
        appearance=_fingerprint(entry["appearance"], at, "'appearance'"),
        modified=_time(entry["modified"], at, "'modified'"),
    )


_FLAG = re.compile(r"--allow(-[a-z]+)+\Z")
_ACKNOWLEDGED_VERSION = re.compile(f"{UNRELEASED}\\Z|{VERSION.pattern}")


def _only_keys(entry: dict[str, Any], keys: tuple[str, ...], at: LockEntry, what: str) -> None:
    unknown = sorted(set(entry) - set(keys))
    if unknown:
        raise _Damaged(at, f"{what} has the unknown key {_shown(unknown[0])}")


def _acknowledged(entry: object) -> Acknowledged:
    at = ACKNOWLEDGED_ENTRY
    entry = _object(entry, at, "an acknowledged change")
    _only_keys(entry, ("version", "flag", "subject", "change"), at, "an acknowledged change")
    return Acknowledged(
        version=_formatted(entry.get("version"), _ACKNOWLEDGED_VERSION, at, "'version'",
                           f"a version such as 1.2.0 or \"{UNRELEASED}\""),
        flag=_formatted(entry.get("flag"), _FLAG, at, "'flag'", "an --allow-… flag"),
        subject=_subject(entry.get("subject"), at),
        change=_text(entry.get("change"), at, "'change'"),
    )


def _subject(value: object, at: LockEntry) -> Subject:
    text = _of_type(value, str, at, "'subject'")
    subject = read_subject(text)
    if subject is None:
        raise _Damaged(at, f"'subject' should be what changed (card:ID, name, …), is {_shown(text)}")
    return subject


def _release(entry: object) -> Release:
    entry = _object(entry, RELEASES_ENTRY, "a release")
    _only_keys(entry, ("version", "time"), RELEASES_ENTRY, "a release")
    return Release(_version(entry.get("version"), RELEASES_ENTRY, "'version'"),
                   _time(entry.get("time"), RELEASES_ENTRY, "'time'"))


def _consistent(lock: Lock, now: float) -> None:
    """The times and versions of the lock agree with one another and with the clock, as deckgen
    writes them: releases one after the other, none ahead of the clock by more than a day, and no
    card or note type with a time later than the release that gave it."""
    latest = now + FUTURE_MARGIN
    for before, after in itertools.pairwise(lock.releases):
        if version_key(after.version) <= version_key(before.version) or after.time <= before.time:
            raise _Damaged(RELEASES_ENTRY, f"release {after.version} ({after.time}) does not follow release "
                                       f"{before.version} ({before.time})")
    times = {release.version: release.time for release in lock.releases}
    last = lock.last_release
    if last is not None and last.time > latest:
        raise _Damaged(RELEASES_ENTRY, f"release {last.version} has the time {last.time}, more than a day ahead of "
                                   "this computer's clock: no later release could follow it")
    for card_id, record in lock.cards.items():
        if not record.removed and record.kind not in lock.note_types:
            raise _Damaged(card_entry(card_id), f"card '{card_id}' is of kind {_shown(record.kind)}, for which the "
                                                "lock records no note type")
        given_by = times.get(record.changed_in, last.time if last else latest)
        if record.modified > min(given_by, latest):
            raise _Damaged(card_entry(card_id), f"card '{card_id}' has the time {record.modified}, later than "
                                              f"release {record.changed_in} that gave it")
    for kind, note_type in lock.note_types.items():
        if note_type.modified > min(last.time if last else latest, latest):
            raise _Damaged(note_type_entry(kind), f"note type '{kind}' has the time {note_type.modified}, later than "
                                                "the last release")
    for item in lock.acknowledged:
        if item.version != UNRELEASED and lock.releases and item.version not in times:
            raise _Damaged(ACKNOWLEDGED_ENTRY, f"an acknowledged change names release {item.version}, which the lock "
                                           "does not record")


def _releases_of_old_lock(cards: Mapping[str, CardRecord]) -> tuple[Release, ...]:
    """A lock written before releases were recorded counted every build as a release: its cards'
    versions are the releases, each at the latest time a card of it carries."""
    times: dict[str, int] = {}
    for record in cards.values():
        times[record.changed_in] = max(times.get(record.changed_in, 0), record.modified)
    return tuple(Release(version, time) for version, time in sorted(times.items(), key=lambda item: item[1]))


def _lock(data: object) -> Lock:
    data = _object(data, DECK_ENTRY, "the lock")
    lock_format = data.get("format")
    if isinstance(lock_format, bool) or lock_format not in READABLE_FORMATS:
        raise _Damaged(DECK_ENTRY, f"format {_shown(lock_format)} is not one this deckgen reads ({LOCK_FORMAT})")
    deck = _object(data.get("deck"), DECK_ENTRY, "'deck'")
    subdecks = _object(deck.get("subdecks"), DECK_ENTRY, "'subdecks'")
    description = deck.get("description") if lock_format >= 3 else None
    # Read in the order of the file, so that of two damaged values the first is reported.
    deck_id = _whole(deck.get("id"), DECK_ENTRY, "the deck id", MAX_ID)
    deck_name = _name(deck.get("name"), DECK_ENTRY, "the deck name")
    subdeck_names = {_text(key, DECK_ENTRY, "a subdeck key"): _name(name, DECK_ENTRY, "a subdeck name")
                     for key, name in subdecks.items()}
    note_types = {kind: _note_type(kind, entry)
                  for kind, entry in _object(data.get("note_types"), DECK_ENTRY, "'note_types'").items()}
    cards = card_records(_object(data.get("cards"), DECK_ENTRY, "'cards'"), lock_format, _card_record, _hides)
    acknowledged = tuple(_acknowledged(entry) for entry in
                         _of_type(data.get("acknowledged", []), list, ACKNOWLEDGED_ENTRY, "'acknowledged'"))
    releases = (tuple(_release(entry) for entry in _of_type(data["releases"], list, RELEASES_ENTRY, "'releases'"))
                if "releases" in data else _releases_of_old_lock(cards))
    return Lock(
        deck_id=deck_id, deck_name=deck_name, subdecks=subdeck_names, note_types=note_types, cards=cards,
        acknowledged=acknowledged, releases=releases,
        description=None if description is None else _fingerprint(description, DECK_ENTRY, "the description"),
    )


_ENTRY_LINE = re.compile(r'\s*("(?:[^"\\]|\\.)*")\s*:')


_SECTIONS = {"deck": DECK_ENTRY, "acknowledged": ACKNOWLEDGED_ENTRY, "releases": RELEASES_ENTRY}


def _entry_lines(text: str) -> dict[LockEntry, int]:
    """The line of every deck, note-type and card entry, from the layout `lock_text` writes."""
    lines: dict[LockEntry, int] = {}
    section = ""
    for number, line in enumerate(text.splitlines(), start=1):
        entry = _ENTRY_LINE.match(line)
        if entry is None:
            continue
        quoted = entry.group(1)
        try:  # a key without escapes is its text between the quotes (card ids are)
            key = json.loads(quoted) if "\\" in quoted else quoted[1:-1]
        except ValueError:
            continue
        indent = len(line) - len(line.lstrip())
        if indent == 2:
            section = key
            if key in _SECTIONS:
                lines.setdefault(_SECTIONS[key], number)
        elif indent == 4 and section in ("note_types", "cards"):
            lines.setdefault(note_type_entry(key) if section == "note_types" else card_entry(key), number)
    return lines


_CONSTANT = re.compile(r"[:\[,]\s*(NaN|-?Infinity)\s*[,}\]]")


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, Any]:
    read = dict(pairs)
    if len(read) == len(pairs):  # no key twice: the common case, without counting
        return read
    counts = Counter(key for key, _ in pairs)  # once over the keys: a lock has thousands of cards
    twice = next((key for key, count in counts.items() if count > 1), None)
    if twice is not None:
        shown = re.escape(_shown(twice))
        raise _Damaged(DECK_ENTRY, f"the key {_shown(twice)} is written twice",
                       re.compile(f"{shown}\\s*:.*{shown}\\s*:"))
    return dict(pairs)


def _no_constants(name: str) -> float:
    raise _Damaged(DECK_ENTRY, f"'{name}' is not a number deckgen writes", _CONSTANT)


def read_lock(path: Path, shown_as: str, now: float | None = None) -> LockFile | None:
    """The lock at `path`, or None before the first release. A damaged lock, or one whose times lie
    ahead of `now` (the clock), is a DeckError at the line of the entry that is wrong."""
    if not path.is_file() and not path.is_symlink():
        return None
    if path.is_symlink():
        raise DeckError.at(Location(shown_as), "the lock file is a link: restore the file itself from git")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DeckError.at(Location(shown_as), f"cannot read the lock file ({error}): restore it from git") from None
    where = LockFile(Lock(0, "", {}, {}, {}), shown_as, lambda: _entry_lines(text))
    try:
        lock = _lock(json.loads(text, parse_constant=_no_constants, object_pairs_hook=_no_duplicates))
        _consistent(lock, time.time() if now is None else now)
    except json.JSONDecodeError as error:
        raise DeckError.at(
            Location(shown_as, error.lineno, error.colno),
            f"the lock file is not valid JSON ({error.msg}): restore it from git; never edit it by hand",
        ) from None
    except _Damaged as error:
        found_by = error.found_by
        location = where.location(error.at) if found_by is None else Location(shown_as, next(
            (number for number, line in enumerate(text.splitlines(), start=1) if found_by.search(line)), 1), 1)
        raise DeckError.at(
            location,
            f"the lock file is damaged: {error}; restore it from git, never edit it by hand",
        ) from None
    except RecursionError:
        raise DeckError.at(
            Location(shown_as), "the lock file is nested too deeply to be one deckgen wrote: restore it from git"
        ) from None
    except ValueError as error:  # a number of thousands of digits, which Python refuses to read
        raise DeckError.at(
            Location(shown_as), f"the lock file is damaged ({error}): restore it from git, never edit it by hand"
        ) from None
    # The lines are found again from the file when a message needs them, rather than for every
    # entry of every build; the file does not change meanwhile (a build and a release hold the project).
    return LockFile(lock, shown_as, lambda: _lines_in(path))


def _lines_in(path: Path) -> dict[LockEntry, int]:
    try:
        return _entry_lines(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):  # gone since: the messages name the file, at its first line
        return {}
