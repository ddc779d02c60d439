"""Releases that students can re-import for years: the lock file, note times and the guards.

Anki updates a note only when the package's modification time is newer than its own copy, and
silently refuses updates after structural changes (ANKI-FACTS). So every card's content
fingerprint and the time it last changed are recorded in `cards/deck.lock`, committed with the
cards: an unchanged card keeps its old time (a student's own edit of it survives), a changed card
gets the release time, and a change that would hurt students is refused unless allowed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from deckgen.errors import DeckError, Location, Problem, display_path
from deckgen import cloze
from deckgen.render import RenderedDeck, RenderedNote, RenderedNoteType

LOCK_FILE = "deck.lock"
LOCK_FORMAT = 1


@dataclass(frozen=True)
class Allowances:
    """Changes that hurt students, released anyway because a maintainer said so."""

    note_type_change: bool = False
    deck_change: bool = False
    card_removal: bool = False
    id_reuse: bool = False
    renumbering: bool = False


@dataclass(frozen=True)
class CardRecord:
    added: int
    modified: int  # when a build first saw the content as it is now
    changed_in: str  # the deck version of that build
    content: str
    kind: str
    subdeck: str
    deletions: tuple[str, ...] = ()  # "N:fingerprint" per cloze number (list items, cloze deletions)
    retired: bool = False
    removed: bool = False  # a tombstone: the card was released, then removed


@dataclass(frozen=True)
class NoteTypeRecord:
    note_type_id: int
    fields: tuple[str, ...]
    templates: tuple[str, ...]
    appearance: str
    modified: int


@dataclass(frozen=True)
class Lock:
    deck_id: int
    deck_name: str
    subdecks: dict[str, str]
    note_types: dict[str, NoteTypeRecord]
    cards: dict[str, CardRecord]


@dataclass(frozen=True)
class ReleasePlan:
    """The times of one build: per note (by card id) and per note type, and the lock to record."""

    note_times: dict[str, CardRecord]
    note_type_times: dict[str, int]
    lock: Lock
    lock_changed: bool
    allowed_changes: tuple[str, ...] = field(default=())


def _fingerprint(payload: object) -> str:
    text = json.dumps(payload, ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_fingerprint(note: RenderedNote, note_type_id: int) -> str:
    """What a student's Anki receives for this note: any change to it needs a newer time."""
    return _fingerprint([note_type_id, note.fields, sorted(note.tags)])


def deletion_fingerprints(note: RenderedNote, note_type: RenderedNoteType) -> tuple[str, ...]:
    """What each cloze number hides (a list card's items are its deletions), as "N:fingerprint"."""
    if note_type.cloze_field_index is None:
        return ()
    hidden = cloze.parsed(note.fields[note_type.cloze_field_index]).hidden_by_number()
    return tuple(f"{number}:{_fingerprint(list(bodies))[7:23]}" for number, bodies in hidden.items())


def appearance_fingerprint(note_type: RenderedNoteType) -> str:
    return _fingerprint(
        [note_type.name, note_type.css, [[t.name, t.front, t.back] for t in note_type.templates]]
    )


# --- reading and writing the lock ----------------------------------------------------------------


def _expect(value: object, kind: type, what: str) -> object:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"{what} should be {kind.__name__}, is {value!r}")
    return value


def _card_record(entry: dict) -> CardRecord:
    for key in ("added", "modified"):
        _expect(entry[key], int, key)
    for key in ("changed_in", "content", "kind", "subdeck"):
        _expect(entry[key], str, key)
    return CardRecord(
        added=entry["added"],
        modified=entry["modified"],
        changed_in=entry["changed_in"],
        content=entry["content"],
        kind=entry["kind"],
        subdeck=entry["subdeck"],
        deletions=tuple(entry.get("deletions", ())),
        retired=entry.get("retired", False),
        removed=entry.get("removed", False),
    )


def read_lock(path: Path, root: Path) -> tuple[Lock | None, str]:
    """The lock and its text (to point at lines in it), or (None, "") before the first build."""
    if not path.is_file():
        return None, ""
    shown = display_path(path, root)
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
        if data.get("format") != LOCK_FORMAT:
            raise ValueError(f"format {data.get('format')!r} is not {LOCK_FORMAT}")
        _expect(data["deck"]["id"], int, "the deck id")
        lock = Lock(
            deck_id=data["deck"]["id"],
            deck_name=data["deck"]["name"],
            subdecks=dict(data["deck"]["subdecks"]),
            note_types={
                kind: NoteTypeRecord(
                    note_type_id=entry["id"],
                    fields=tuple(entry["fields"]),
                    templates=tuple(entry["templates"]),
                    appearance=entry["appearance"],
                    modified=entry["modified"],
                )
                for kind, entry in data["note_types"].items()
            },
            cards={card_id: _card_record(entry) for card_id, entry in data["cards"].items()},
        )
    except json.JSONDecodeError as error:
        raise DeckError.at(
            Location(shown, error.lineno, error.colno),
            f"the lock file is not valid JSON ({error.msg}): restore it from git; never edit it by hand",
        ) from None
    except (OSError, UnicodeDecodeError, KeyError, TypeError, ValueError, AttributeError) as error:
        raise DeckError.at(
            Location(shown),
            f"the lock file is damaged ({error}): restore it from git; never edit it by hand",
        ) from None
    return lock, text


def lock_text(lock: Lock) -> str:
    """The lock as stable, diff-friendly JSON: one card per line, sorted."""
    header = {
        "format": LOCK_FORMAT,
        "about": "Written by deckgen build. Commit it with the cards; never edit it by hand.",
        "deck": {"id": lock.deck_id, "name": lock.deck_name, "subdecks": lock.subdecks},
        "note_types": {
            kind: {
                "id": record.note_type_id,
                "fields": list(record.fields),
                "templates": list(record.templates),
                "appearance": record.appearance,
                "modified": record.modified,
            }
            for kind, record in sorted(lock.note_types.items())
        },
    }
    lines = json.dumps(header, indent=2, ensure_ascii=False)[:-2].splitlines()
    lines[-1] += ","
    lines.append('  "cards": {')
    entries = []
    for card_id, record in sorted(lock.cards.items()):
        entry: dict[str, object] = {
            "added": record.added, "modified": record.modified, "changed_in": record.changed_in,
            "content": record.content,
            "kind": record.kind, "subdeck": record.subdeck,
        }
        if record.deletions:
            entry["deletions"] = list(record.deletions)
        if record.retired:
            entry["retired"] = True
        if record.removed:
            entry["removed"] = True
        entries.append(f"    {json.dumps(card_id)}: {json.dumps(entry, ensure_ascii=False)}")
    lines.append(",\n".join(entries))
    lines.append("  }")
    lines.append("}")
    return "\n".join(line for line in lines if line) + "\n"


def _lock_line(lock_source: str, needle: str) -> int:
    for number, line in enumerate(lock_source.splitlines(), start=1):
        if needle in line:
            return number
    return 1


# --- planning a release --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseInput:
    deck: RenderedDeck
    version: str  # the deck version being built
    subdecks: dict[str, str]  # subdeck key -> name, from the settings
    retired: frozenset[str]  # ids of cards marked retired
    card_locations: dict[str, Location]
    settings_locations: Callable[[str], Location]  # deck.yaml key -> where it is
    lock_location: Location
    lock_source: str  # the lock file's text, to point at lines in it


Refusal = Callable[[bool, Location, str, str, str], None]


def plan_release(
    source: ReleaseInput, previous: Lock | None, release_time: int, allow: Allowances
) -> ReleasePlan:
    """Decide every note's and note type's time, and refuse changes that would hurt students."""
    deck = source.deck
    problems: list[Problem] = []
    allowed: list[str] = []

    def refuse_unless(allowed_by_flag: bool, location: Location, message: str, flag: str, note: str) -> None:
        if allowed_by_flag:
            allowed.append(note)
        elif flag:
            problems.append(Problem(location, f"{message}; to release it anyway, build with {flag}"))
        else:
            problems.append(Problem(location, message))

    if previous is not None:
        _guard_deck(source, previous, allow, refuse_unless)
        _guard_note_types(source, previous, allow, refuse_unless)
        _guard_cards(source, previous, allow, refuse_unless)
    if problems:
        raise DeckError(problems)

    note_types_by_kind = {note_type.kind: note_type for note_type in deck.note_types}
    old_cards = previous.cards if previous else {}
    cards: dict[str, CardRecord] = {}
    for note in deck.notes:
        new = CardRecord(
            added=release_time, modified=release_time, changed_in=source.version,
            content=content_fingerprint(note, note_types_by_kind[note.kind].note_type_id),
            kind=note.kind, subdeck=note.subdeck,
            deletions=deletion_fingerprints(note, note_types_by_kind[note.kind]),
            retired=note.card_id in source.retired,
        )
        old = old_cards.get(note.card_id)
        if old is not None and old.content == new.content and not old.removed:
            new = replace(new, added=old.added, modified=old.modified, changed_in=old.changed_in)
        elif old is not None:
            new = replace(new, added=old.added, modified=max(release_time, old.modified + 1))
        cards[note.card_id] = new
    # What the package gets: a card changed in this version carries the release time, so that
    # the correction also reaches a student who edited the card after the change was first built.
    note_times = {
        card_id: replace(record, modified=max(record.modified, release_time))
        if record.changed_in == source.version else record
        for card_id, record in cards.items()
    }
    for card_id, old in old_cards.items():
        if card_id not in cards:  # removed now (allowed) or earlier: keep the tombstone
            cards[card_id] = replace(old, removed=True)

    old_types = previous.note_types if previous else {}
    note_types: dict[str, NoteTypeRecord] = {}
    for note_type in deck.note_types:
        appearance = appearance_fingerprint(note_type)
        old_type = old_types.get(note_type.kind)
        if old_type is not None and old_type.appearance == appearance and old_type.note_type_id == note_type.note_type_id:
            modified = old_type.modified
        elif old_type is not None:
            modified = max(release_time, old_type.modified + 1)
        else:
            modified = release_time
        note_types[note_type.kind] = NoteTypeRecord(
            note_type.note_type_id, note_type.fields, tuple(t.name for t in note_type.templates), appearance, modified
        )

    lock = Lock(deck.deck_id, deck.name, dict(source.subdecks), note_types, cards)
    return ReleasePlan(
        note_times=note_times,
        note_type_times={kind: record.modified for kind, record in note_types.items()},
        lock=lock,
        lock_changed=lock != previous,
        allowed_changes=tuple(allowed),
    )


def _guard_deck(source: ReleaseInput, previous: Lock, allow: Allowances, refuse_unless: Refusal) -> None:
    deck = source.deck
    if previous.deck_id != deck.deck_id:
        refuse_unless(
            False, source.settings_locations("id"),
            f"deck id changed from {previous.deck_id} to {deck.deck_id}: students' Anki knows every card "
            f"by an identity made from it, so every card would arrive twice; restore id: {previous.deck_id}",
            "", "",
        )
    if previous.deck_name != deck.name:
        refuse_unless(
            allow.deck_change, source.settings_locations("name"),
            f"deck renamed from '{previous.deck_name}' to '{deck.name}': students' existing cards would "
            "stay in the old deck while new cards go to the new one",
            "--allow-deck-change", f"deck renamed from '{previous.deck_name}' to '{deck.name}'",
        )
    used = {record.subdeck for record in previous.cards.values() if not record.removed}
    for key, old_name in sorted(previous.subdecks.items()):
        new_name = source.subdecks.get(key)
        if key in used and new_name is not None and new_name != old_name:
            refuse_unless(
                allow.deck_change, source.settings_locations(f"subdecks.{key}"),
                f"subdeck '{key}' renamed from '{old_name}' to '{new_name}': students' existing cards would "
                "stay in the old subdeck while new cards go to the new one",
                "--allow-deck-change", f"subdeck '{key}' renamed from '{old_name}' to '{new_name}'",
            )


def _guard_note_types(source: ReleaseInput, previous: Lock, allow: Allowances, refuse_unless: Refusal) -> None:
    for note_type in source.deck.note_types:
        old = previous.note_types.get(note_type.kind)
        if old is None:
            continue
        where = source.lock_location._replace(line=_lock_line(source.lock_source, f'"{note_type.kind}": {{'))
        if old.note_type_id != note_type.note_type_id:
            refuse_unless(
                False, source.settings_locations("note_types"),
                f"note type '{note_type.kind}': id changed from {old.note_type_id} to {note_type.note_type_id}; "
                f"students' notes belong to the old id, so none of them would update again; restore "
                f"{note_type.kind}: {old.note_type_id}",
                "", "",
            )
        changes = []
        if old.fields != note_type.fields:
            changes.append(f"fields changed from {', '.join(old.fields)} to {', '.join(note_type.fields)}")
        templates = tuple(template.name for template in note_type.templates)
        if old.templates != templates:
            changes.append(f"card templates changed from {', '.join(old.templates)} to {', '.join(templates)}")
        for change in changes:
            refuse_unless(
                allow.note_type_change, where,
                f"note type '{note_type.kind}': {change}; Anki would stop updating every student's "
                f"{note_type.kind} notes without a word",
                "--allow-note-type-change", f"note type '{note_type.kind}': {change}",
            )


def _guard_cards(source: ReleaseInput, previous: Lock, allow: Allowances, refuse_unless: Refusal) -> None:
    notes = {note.card_id: note for note in source.deck.notes}
    note_types = {note_type.kind: note_type for note_type in source.deck.note_types}
    for card_id, record in sorted(previous.cards.items()):
        if card_id not in notes and not record.removed:
            where = source.lock_location._replace(line=_lock_line(source.lock_source, json.dumps(card_id) + ":"))
            refuse_unless(
                allow.card_removal, where,
                f"card '{card_id}' was released but is gone from the cards: Anki never deletes it from "
                "students' collections, and a renamed id makes a duplicate. Keep the card and mark it "
                "'retired: true' instead",
                "--allow-card-removal", f"card '{card_id}' removed",
            )
    for card_id, note in sorted(notes.items()):
        record = previous.cards.get(card_id)
        if record is None:
            continue
        where = source.card_locations[card_id]
        if record.removed:
            refuse_unless(
                allow.id_reuse, where,
                f"card id '{card_id}' belonged to a card removed in an earlier release, which students "
                "still have: give this card a new id",
                "--allow-id-reuse", f"id of removed card '{card_id}' used again",
            )
        elif record.retired and card_id not in source.retired:
            refuse_unless(
                allow.id_reuse, where,
                f"card '{card_id}' was retired and students were told to delete it: give a new card a new id",
                "--allow-id-reuse", f"retired card '{card_id}' brought back",
            )
        if record.kind != note.kind:
            refuse_unless(
                False, where,
                f"card '{card_id}' changed kind from {record.kind} to {note.kind}: Anki cannot move a "
                "student's note to another note type, so it would keep the old card; retire this card "
                "and add the new one under a new id (if the card was never released, restore "
                "cards/deck.lock from git instead)",
                "", "",
            )
        old_subdeck = previous.subdecks.get(record.subdeck, record.subdeck)
        new_subdeck = source.subdecks[note.subdeck]
        if record.subdeck != note.subdeck and old_subdeck != new_subdeck:
            refuse_unless(
                allow.deck_change, where,
                f"card '{card_id}' moved from subdeck '{old_subdeck}' to '{new_subdeck}': students' "
                "copies would stay where they are",
                "--allow-deck-change", f"card '{card_id}' moved from '{old_subdeck}' to '{new_subdeck}'",
            )
        if record.kind == note.kind:
            new_deletions = deletion_fingerprints(note, note_types[note.kind])
            _guard_deletions(card_id, note.kind, record.deletions, new_deletions, where, allow, refuse_unless)


def _guard_deletions(
    card_id: str, kind: str, old: tuple[str, ...], new: tuple[str, ...], where: Location, allow: Allowances,
    refuse_unless: Refusal,
) -> None:
    """A cloze or list card's review history belongs to its numbers (c1, c2, ...). Adding numbers
    and editing what one hides are safe; removing or renumbering moves history to other facts."""
    before = dict(entry.split(":", 1) for entry in old)
    after = dict(entry.split(":", 1) for entry in new)
    removed = [number for number in before if number not in after]
    moved = [number for number, hidden in before.items()
             if after.get(number) != hidden and hidden in after.values()]
    if not removed and not moved:
        return
    if kind == "list":
        message = (f"list card '{card_id}' had items removed or reordered: students' reviews belong to item "
                   "positions, so they would move to other items. Only add items at the end, or edit an item "
                   "in place")
    else:
        message = (f"cloze card '{card_id}' had deletions removed or renumbered: students' reviews belong to "
                   "deletion numbers (c1, c2, ...), so they would move to other deletions. Only add new numbers, "
                   "or edit a deletion in place")
    refuse_unless(allow.renumbering, where, message, "--allow-renumbering",
                  f"deletions of card '{card_id}' removed or renumbered")


def lock_continuity(base: Lock, current: Lock, where: Location) -> list[Problem]:
    """Problems that show `current` does not descend from `base` by deckgen builds: the guards
    compare with the committed lock, so a lock deleted, regenerated or edited by hand in a pull
    request would switch them off. CI compares the lock of the pull request with the base branch's."""
    problems = []

    def problem(message: str) -> None:
        problems.append(Problem(where, f"{message}; restore cards/deck.lock from the base branch and build again"))

    if base.deck_id != current.deck_id:
        problem(f"the deck id in the lock changed from {base.deck_id} to {current.deck_id}")
    for kind, record in sorted(base.note_types.items()):
        now = current.note_types.get(kind)
        if now is None or now.note_type_id != record.note_type_id:
            problem(f"note type '{kind}' lost its id {record.note_type_id} in the lock")
    for card_id, record in sorted(base.cards.items()):
        now = current.cards.get(card_id)
        if now is None:
            problem(f"card '{card_id}' is missing from the lock (a removed card stays as a tombstone)")
        elif now.added != record.added:
            problem(f"card '{card_id}' has another 'added' time in the lock")
        elif now.content == record.content and now.modified != record.modified:
            problem(f"card '{card_id}' did not change but its time in the lock did")
    return problems
