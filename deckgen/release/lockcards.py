"""The lock's card records read in one pass: a released deck of 100,000 cards is read on every build.

An entry written as deckgen writes it (nearly all of them) is checked value by value in one
function, without the lock entry, messages and helpers the careful reading (lockread.py) makes for
each value; anything unusual is left to that reading, which says what is wrong and where. Both
give the same record for the same entry (tests/test_fastpath.py holds them to it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from deckgen.release.lock import FINGERPRINT, LATEST_TIME, READABLE_FORMATS, CardRecord
from deckgen.release.positions import MAX_POSITION
from deckgen.release.subjects import LockEntry, card_entry
from deckgen.source.cardfile import GUID
from deckgen.source.deck import CARD_ID

# The keys a card's entry may have, by lock format, and those it must have (in the order the careful
# reading names a missing one).
CARD_KEYS = {
    lock_format: frozenset({"added", "modified", "changed_in", "content", "kind", "subdeck", "retired", "removed",
                            "deletions" if lock_format == 1 else "hides"}
                           | ({"guid", "position"} if lock_format >= 3 else set()))
    for lock_format in READABLE_FORMATS
}
REQUIRED_CARD_KEYS = ("added", "modified", "changed_in", "content", "kind", "subdeck")
_REQUIRED = frozenset(REQUIRED_CARD_KEYS)
# Values most cards share: one copy of each is kept, once the careful reading has accepted it.
_SHARED_NAMES = ("changed_in", "kind", "subdeck")

ReadEntry = Callable[[str, object, int], CardRecord]  # the careful reading of one entry
ReadHides = Callable[[dict[str, Any], LockEntry, int], tuple[tuple[int, str | None], ...]]


def plain_card_record(card_id: str, entry: object, lock_format: int, names: dict[str, dict[str, str]],
                      read_hides: ReadHides) -> CardRecord | None:
    """A card's record as the careful reading gives it, when every value is as deckgen writes it;
    None when anything is unusual. `names` holds, by key, the versions, kinds and subdecks the
    careful reading has accepted."""
    if type(entry) is not dict or not CARD_ID.match(card_id):
        return None
    keys = entry.keys()
    if not keys <= CARD_KEYS[lock_format] or not _REQUIRED <= keys:
        return None
    added, modified, content = entry["added"], entry["modified"], entry["content"]
    retired, removed = entry.get("retired", False), entry.get("removed", False)
    guid, position = entry.get("guid"), entry.get("position")
    if (type(added) is not int or type(modified) is not int or not 1 <= added <= modified <= LATEST_TIME
            or type(content) is not str or not FINGERPRINT.match(content)
            or type(retired) is not bool or type(removed) is not bool
            or ("guid" in keys and (type(guid) is not str or not GUID.match(guid)))
            or ("position" in keys and (type(position) is not int or not 0 <= position <= MAX_POSITION))):
        return None
    changed_in, kind, subdeck = (names[key].get(entry[key]) if type(entry[key]) is str else None
                                 for key in _SHARED_NAMES)
    if changed_in is None or kind is None or subdeck is None:  # not accepted yet: read carefully
        return None
    hides = read_hides(entry, card_entry(card_id), lock_format) if "hides" in keys or "deletions" in keys else ()
    return CardRecord(added, modified, changed_in, content, kind, subdeck, hides, retired, removed, guid, position)


def card_records(entries: dict[str, Any], lock_format: int, read_entry: ReadEntry,
                 read_hides: ReadHides) -> dict[str, CardRecord]:
    """Every card's record, in the order of the file (the first damaged one is reported)."""
    names: dict[str, dict[str, str]] = {key: {} for key in _SHARED_NAMES}
    records = {}
    for card_id, entry in entries.items():
        record = plain_card_record(card_id, entry, lock_format, names, read_hides)
        if record is None:
            record = read_entry(card_id, entry, lock_format)
            # Its names are accepted now: the next card naming the same ones takes the plain path.
            for key, name in zip(_SHARED_NAMES, (record.changed_in, record.kind, record.subdeck), strict=True):
                names[key].setdefault(name, name)
        records[card_id] = record
        entries[card_id] = None  # the parsed entry, freed as its record is made: a large lock's bulk
    return records
