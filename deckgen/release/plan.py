"""Release planning: every note's and note type's time, and the lock that records a release.

Anki updates a note only when the package's modification time is newer than its own copy, and
silently refuses updates after structural changes (ANKI-FACTS). So the plan compares the cards as
they are now with the lock of the last release: an unchanged card keeps its time (a student's own
edit of it survives), a changed card gets the release time (or, in a development build, the time
of the build, which the lock never records), and the guards (guards.py) refuse a change that would
hurt students unless it is allowed, in which case the lock acknowledges it. Each card's position in
the new-card queue (positions.py) is kept from the lock; a new card's is chosen here, and a release
records it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from deckgen.errors import DeckError, Location, Problem
from deckgen.release import guards, subjects
from deckgen.release.guards import Allowances
from deckgen.release.lock import UNRELEASED, CardRecord, Lock, NoteTypeRecord, Release
from deckgen.release.positions import MAX_POSITION, NoRoom, assign, legacy_positions
from deckgen.release.subjects import (
    ACKNOWLEDGED_ENTRY,
    DECK_ENTRY,
    CardSource,
    LockEntry,
    Place,
    Subject,
    card_entry,
    note_type_entry,
)
from deckgen.render.notetypes import RenderedNoteType
from deckgen.render.rendered import RenderedDeck, RenderedNote
from deckgen.text.markup import html_text


@dataclass(frozen=True)
class ReleasePlan:
    """The times of one build: per note (by card id) and per note type, and the lock to record."""

    note_times: Mapping[str, CardRecord]
    note_type_times: Mapping[str, int]
    lock: Lock | None  # the lock to record: the release, or new acknowledgements
    lock_changed: bool
    allowed_changes: tuple[str, ...] = field(default=())
    unreleased: bool = False  # the cards differ from the last release's
    # Every change the guards found since the last release, as (flag, subject): what a pending
    # acknowledgement may acknowledge.
    changes: frozenset[tuple[str | None, Subject]] = frozenset()
    positions: Mapping[str, int] = field(default_factory=dict)  # card id -> place in the new-card queue


@dataclass(frozen=True)
class ReleaseInput:
    deck: RenderedDeck
    version: str  # the deck version being built
    subdecks: dict[str, str]  # subdeck key -> name, from the settings
    retired: frozenset[str]  # ids of cards marked retired
    locate: Callable[[Place], Location]  # where a change shows to the educator


# One encoder for every fingerprint: json.dumps with an option makes a new one for each call.
_JSON = json.JSONEncoder(ensure_ascii=False)


def _fingerprint(payload: object) -> str:
    text = _JSON.encode(payload)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_fingerprint(note: RenderedNote, note_type_id: int) -> str:
    """What a student's Anki receives for this note: any change to it needs a newer time. Its report
    link counts with VERSION_MARK for the version, which changes with this time, not before it."""
    return _fingerprint([note_type_id, note.shown_fields(versioned=False), sorted(note.tags)])


def hidden_texts(note: RenderedNote) -> tuple[tuple[int, str], ...]:
    """What each cloze number hides (a list card's items are its deletions), as a student reads it."""
    if note.cloze is None:
        return ()
    hidden = note.cloze.hidden_by_number()
    named = {deletion.number: deletion.name for deletion in note.cloze.deletions if deletion.name is not None}
    return tuple((number, named.get(number) or " / ".join(html_text(body, images=True) for body in bodies))
                 for number, bodies in hidden.items())


def appearance_fingerprint(note_type: RenderedNoteType) -> str:
    return _fingerprint(
        [note_type.name, note_type.css, [[t.name, t.front, t.back] for t in note_type.templates]]
    )


def _later(old_time: int, release_time: int) -> int:
    """A time students' Anki takes as newer than the recorded one, even from a clock behind it."""
    return max(release_time, old_time + 1)


def _card_records(source: ReleaseInput, previous: Lock | None, release_time: int,
                  positions: Mapping[str, int] | None) -> dict[str, CardRecord]:
    """Every card's record; its position from `positions`, or none (a lock of format 2 kept as it is)."""
    deck = source.deck
    note_types = {note_type.kind: note_type for note_type in deck.note_types}
    old_cards = previous.cards if previous else {}
    cards: dict[str, CardRecord] = {}
    for note in deck.notes:
        content = content_fingerprint(note, note_types[note.kind].note_type_id)
        hides, retired = hidden_texts(note), note.card_id in source.retired
        position = positions[note.card_id] if positions is not None else None
        old = old_cards.get(note.card_id)
        if old is None:
            added, modified, changed_in = release_time, release_time, source.version
        elif old.content == content and not old.removed:
            if (old.kind, old.subdeck, old.hides, old.retired, old.guid, old.position) == (
                    note.kind, note.subdeck, hides, retired, note.guid, position):
                cards[note.card_id] = old  # unchanged: the lock's own record, not a copy of it
                continue
            added, modified, changed_in = old.added, old.modified, old.changed_in
        else:
            added, modified, changed_in = old.added, _later(old.modified, release_time), source.version
        cards[note.card_id] = CardRecord(added, modified, changed_in, content, note.kind, note.subdeck, hides,
                                         retired, False, note.guid, position)
    for card_id, old in old_cards.items():
        if card_id not in cards:  # removed now (if allowed) or earlier: keep the tombstone
            cards[card_id] = replace(old, removed=True)
    return cards


def _note_type_records(deck: RenderedDeck, previous: Lock | None, release_time: int) -> dict[str, NoteTypeRecord]:
    old_types = previous.note_types if previous else {}
    records = {}
    for note_type in deck.note_types:
        appearance = appearance_fingerprint(note_type)
        old = old_types.get(note_type.kind)
        if old is not None and old.appearance == appearance and old.note_type_id == note_type.note_type_id:
            modified = old.modified
        elif old is not None:
            modified = _later(old.modified, release_time)
        else:
            modified = release_time
        records[note_type.kind] = NoteTypeRecord(
            note_type.note_type_id, note_type.fields, tuple(t.name for t in note_type.templates), appearance, modified
        )
    return records


def plan_release(
    source: ReleaseInput, previous: Lock | None, time: int, allow: Allowances, releasing: bool = False
) -> ReleasePlan:
    """Every note's and note type's time, with the guards applied against the last release.

    A card changed since the last release (or new) gets `time`. In a release that is the release
    time, and the lock records the release; a development build records nothing in the lock but
    the acknowledgement of a change that hurts students, allowed by its flag (so that the pull
    request shows it, and CI and the next release honour it).
    """
    deck = source.deck
    legacy = previous is not None and previous.numbered_in_course_order
    # A lock of format 2 numbered the cards without gaps: with the flag (or its acknowledgement, pending
    # for the next release) they are spaced now, before a card inserted mid-course finds no room.
    # Only a release gives the new positions: a build of the released cards (`--frozen`, or `build`
    # writing the last release's file name) keeps the ones students have, and reports the spacing as
    # the change the next release makes, which the acknowledgement covers.
    space_out = legacy and previous is not None and (
        allow.repositioning or any(item.flag == guards.REPOSITIONING for item in previous.pending))
    positions, no_room = _positions(source, previous, legacy, space_out and releasing)
    if space_out and not releasing:
        no_room = _spaced_out()
    # A release records every position; a build keeps a lock of format 2 as it is.
    cards = _card_records(source, previous, time, positions if releasing or not legacy else None)
    candidate = Lock(deck.deck_id, deck.name, dict(source.subdecks), _note_type_records(deck, previous, time),
                     cards,
                     previous.acknowledged if previous else (), previous.releases if previous else (),
                     description=_fingerprint(deck.description))
    allowed: list[guards.Change] = []
    changes: list[guards.Change] = []
    if previous is not None:
        changes = guards.compare(previous, candidate)
        if no_room is not None:  # the renumbering itself, whatever the lock shows of it
            changes = [change for change in changes if change.subject != subjects.POSITIONS] + [no_room]
        problems, allowed = guards.decide(changes, allow, previous.pending, source.locate)
        if problems:
            raise DeckError(problems)
    acknowledged = candidate.acknowledged + guards.acknowledgements(allowed, UNRELEASED, candidate.acknowledged)
    if releasing:
        recorded: Lock | None = replace(
            candidate,
            acknowledged=tuple(replace(item, version=source.version) if item.version == UNRELEASED else item
                               for item in acknowledged),
            releases=candidate.releases + (Release(source.version, time),),
        )
    else:
        recorded = replace(previous, acknowledged=acknowledged) if previous else None
    note_times: Mapping[str, CardRecord] = candidate.cards
    if any(record.removed for record in note_times.values()):  # else the lock's own mapping, not a copy of it
        note_times = {card_id: record for card_id, record in note_times.items() if not record.removed}
    return ReleasePlan(
        note_times=MappingProxyType(note_times),
        note_type_times=MappingProxyType({kind: record.modified for kind, record in candidate.note_types.items()}),
        lock=recorded,
        lock_changed=recorded != previous,
        allowed_changes=tuple(change.summary for change in allowed),
        changes=frozenset((change.flag, change.subject) for change in changes),
        unreleased=previous is None or released_state(_as_recorded_by(candidate, previous)) != released_state(previous),
        positions=MappingProxyType(positions),
    )


def _positions(source: ReleaseInput, previous: Lock | None, legacy: bool,
               space_out: bool = False) -> tuple[dict[str, int], guards.Change | None]:
    """Every card's position: the lock's (or, from a lock of format 2, the one its releases gave),
    else a free one between its course neighbours'; when no room is left, or when `space_out` asks it
    of a lock of format 2, every card renumbered and the change that says so (the guards decide on it)."""
    course = [(note.card_id, note.subdeck) for note in source.deck.notes]
    if space_out:
        return assign(course, {}), _spaced_out()
    old = previous.cards if previous else {}
    if legacy:  # what students of those releases have
        recorded = legacy_positions([card_id for card_id, _ in course],
                                    (card_id for card_id, record in old.items() if not record.removed))
    else:
        recorded = {}
        for card_id, _ in course:
            record = old.get(card_id)
            if record is not None and record.position is not None:
                recorded[card_id] = record.position
    # Cards students keep that the course no longer has (removed) hold their positions too.
    occupied = (record.position for card_id, record in old.items()
                if record.position is not None and card_id not in recorded)
    try:
        return assign(course, recorded, occupied), None
    except NoRoom as full:
        change = _no_room(full, legacy)
    try:
        return assign(course, {}), change
    except NoRoom as full:
        raise DeckError([Problem(
            source.locate(CardSource(full.card_id)),
            f"the deck has more cards than Anki has positions ({full.before}) for new cards")]) from None


def _spaced_out() -> guards.Change:
    return guards.Change(
        DECK_ENTRY,
        "every card's position renumbered with room between them: releases before deckgen recorded positions "
        "numbered the cards without gaps, so a card inserted mid-course could not come in its place; students who "
        "have the deck keep the positions they have, so the cards added from this release on come after all of theirs",
        guards.REPOSITIONING,
        "every card's position renumbered with room between them (the releases before numbered them without gaps)",
        subjects.POSITIONS,
    )


def _no_room(full: NoRoom, legacy: bool) -> guards.Change:
    card_id = full.card_id
    why = " (releases before deckgen recorded positions numbered the cards without gaps)" if legacy else ""
    if full.after < 0:
        where = f"before the first card's position ({full.before})"
    elif full.before > MAX_POSITION:
        where = f"after position {full.after} (Anki keeps positions up to {MAX_POSITION})"
    else:
        where = f"between its neighbours' ({full.after} and {full.before})"
    return guards.Change(
        CardSource(card_id),
        f"card '{card_id}' has no free position left in students' new-card queue {where}{why}, so it cannot "
        "come in its place for students who have the deck: "
        "add it elsewhere in the course, or renumber every card's position (students who have the deck keep "
        "the positions they have, so the cards added from this release on come after all of theirs)",
        guards.REPOSITIONING,
        f"every card's position renumbered to make room for card '{card_id}'", subjects.POSITIONS,
    )


def _as_recorded_by(lock: Lock, older: Lock) -> Lock:
    """`lock` without what `older`, written by an earlier deckgen, did not record (GUIDs, the
    description): the cards are not unreleased for that alone; their next release records it."""
    cards = {card_id: replace(record, guid=None)
             if card_id in older.cards and older.cards[card_id].guid is None else record
             for card_id, record in lock.cards.items()}
    return replace(lock, cards=cards, description=lock.description if older.description is not None else None)


def released_state(lock: Lock) -> tuple[Any, ...]:
    """What students receive, as a lock records it: equal for two locks when nothing changed."""
    return (lock.deck_id, lock.deck_name, lock.description, dict(lock.subdecks), dict(lock.note_types),
            dict(lock.cards))


def lock_continuity(base: Lock, current: Lock, locate: Callable[[LockEntry], Location]) -> list[Problem]:
    """Problems that show `current` does not descend from `base` by deckgen builds: the guards
    compare with the committed lock, so a lock deleted, regenerated or edited by hand in a pull
    request would switch them off. CI compares the lock of a pull request with the base branch's."""
    problems = []

    def problem(entry: LockEntry, message: str) -> None:
        problems.append(Problem(locate(entry),
                                f"{message}; restore cards/deck.lock from the base branch and release again"))

    # A changed deck or note-type id is a change the guards refuse outright; here, what only a lock
    # that was not built from the base one can show.
    for kind in sorted(base.note_types):
        if kind not in current.note_types:
            problem(DECK_ENTRY, f"note type '{kind}' is missing from the lock")
    latest = current.last_release.time if current.last_release else None
    for card_id, record in sorted(current.cards.items()):
        if latest is not None and record.modified > latest:
            problem(card_entry(card_id), f"card '{card_id}' has a time in the lock later than the last release's")
    for kind, note_type in sorted(current.note_types.items()):
        was = base.note_types.get(kind)
        if (latest is not None and note_type.modified > latest) or (
                was is not None and was.appearance == note_type.appearance and was.modified != note_type.modified):
            problem(note_type_entry(kind), f"note type '{kind}' has a time in the lock that no release gave it")
    for card_id, record in sorted(base.cards.items()):
        now = current.cards.get(card_id)
        if now is None:
            problem(DECK_ENTRY, f"card '{card_id}' is missing from the lock (a removed card stays as a tombstone)")
        elif now.added != record.added:
            problem(card_entry(card_id), f"card '{card_id}' has another 'added' time in the lock")
        elif record.guid is not None and now.guid is None:
            problem(card_entry(card_id), f"card '{card_id}' lost its GUID in the lock")
        elif now.content == record.content and now.modified != record.modified:
            problem(card_entry(card_id), f"card '{card_id}' did not change but its time in the lock did")
        elif now.modified < record.modified:
            problem(card_entry(card_id), f"card '{card_id}' has an earlier time in the lock than on the base branch")
    if current.releases[: len(base.releases)] != base.releases:
        problem(DECK_ENTRY, "the lock's releases are not those of the base branch followed by new ones")
    carried = current.acknowledged[: len(base.acknowledged)]
    if len(carried) < len(base.acknowledged) or any(
        (before.flag, before.subject, before.change) != (after.flag, after.subject, after.change)
        or before.version not in (after.version, UNRELEASED)  # a release gives a pending one its version
        for before, after in zip(base.acknowledged, carried, strict=True)
    ):
        problem(ACKNOWLEDGED_ENTRY,
                "the lock's acknowledged changes are not those of the base branch followed by new ones")
    return problems
