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
from dataclasses import dataclass, field
from pathlib import Path

from deckgen.errors import DeckError, Location, Problem, display_path
from deckgen.render import RenderedDeck, RenderedNote, RenderedNoteType

LOCK_FILE = "deck.lock"
LOCK_FORMAT = 1


@dataclass(frozen=True)
class Allowances:
    """Changes that hurt students, released anyway because a maintainer said so."""

    note_type_change: bool = False
    deck_rename: bool = False
    card_removal: bool = False
    id_reuse: bool = False


@dataclass(frozen=True)
class CardRecord:
    added: int
    modified: int
    content: str
    retired: bool = False


@dataclass(frozen=True)
class NoteTypeRecord:
    note_type_id: int
    fields: tuple[str, ...]
    templates: tuple[str, ...]
    appearance: str
    modified: int


@dataclass(frozen=True)
class Lock:
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


def content_fingerprint(note: RenderedNote, note_type_id: int) -> str:
    """What a student's Anki receives for this note: any change to it needs a newer time."""
    payload = json.dumps([note_type_id, note.fields, sorted(note.tags)], ensure_ascii=False)
    return "sha256:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


def appearance_fingerprint(note_type: RenderedNoteType) -> str:
    payload = json.dumps(
        [note_type.name, note_type.css, [[t.name, t.front, t.back] for t in note_type.templates]],
        ensure_ascii=False,
    )
    return "sha256:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


# --- reading and writing the lock ----------------------------------------------------------------


def read_lock(path: Path, root: Path) -> Lock | None:
    if not path.is_file():
        return None
    shown = display_path(path, root)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != LOCK_FORMAT:
            raise ValueError(f"format {data.get('format')!r} is not {LOCK_FORMAT}")
        return Lock(
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
            cards={
                card_id: CardRecord(entry["added"], entry["modified"], entry["content"], entry.get("retired", False))
                for card_id, entry in data["cards"].items()
            },
        )
    except json.JSONDecodeError as error:
        raise DeckError.at(
            Location(shown, error.lineno, error.colno),
            f"the lock file is not valid JSON ({error.msg}): restore it from git; never edit it by hand",
        ) from None
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise DeckError.at(
            Location(shown),
            f"the lock file is damaged ({error}): restore it from git; never edit it by hand",
        ) from None


def lock_text(lock: Lock) -> str:
    """The lock as stable, diff-friendly JSON: one card per line, sorted."""
    header = {
        "format": LOCK_FORMAT,
        "about": "Written by deckgen build. Commit it with the cards; never edit it by hand.",
        "deck": {"name": lock.deck_name, "subdecks": lock.subdecks},
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
        entry = {"added": record.added, "modified": record.modified, "content": record.content}
        if record.retired:
            entry["retired"] = True
        entries.append(f"    {json.dumps(card_id)}: {json.dumps(entry)}")
    lines.append(",\n".join(entries))
    lines.append("  }")
    lines.append("}")
    return "\n".join(line for line in lines if line) + "\n"


def _lock_line(path_text: str, needle: str) -> int:
    for number, line in enumerate(path_text.splitlines(), start=1):
        if needle in line:
            return number
    return 1


# --- planning a release --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseInput:
    deck: RenderedDeck
    subdecks: dict[str, str]  # subdeck key -> name, from the settings
    retired: frozenset[str]  # ids of cards marked retired
    card_locations: dict[str, Location]
    lock_location: Location
    lock_source: str  # the lock file's text, to point at lines in it
    settings_location: Location


def plan_release(
    source: ReleaseInput, previous: Lock | None, release_time: int, allow: Allowances
) -> ReleasePlan:
    """Decide every note's and note type's time, and refuse changes that would hurt students."""
    deck = source.deck
    problems: list[Problem] = []
    allowed: list[str] = []
    note_type_ids = {note_type.kind: note_type.note_type_id for note_type in deck.note_types}

    def refuse_or_allow(allowed_by_flag: bool, location: Location, message: str, flag: str, note: str) -> None:
        if allowed_by_flag:
            allowed.append(note)
        else:
            problems.append(Problem(location, f"{message}; to release it anyway, build with {flag}"))

    if previous is not None:
        _guard_deck(source, previous, allow, refuse_or_allow)
        _guard_note_types(source, previous, allow, refuse_or_allow)
        _guard_cards(source, previous, allow, refuse_or_allow)
    if problems:
        raise DeckError(problems)

    old_cards = previous.cards if previous else {}
    note_times: dict[str, CardRecord] = {}
    for note in deck.notes:
        content = content_fingerprint(note, note_type_ids[note.kind])
        retired = note.card_id in source.retired
        old = old_cards.get(note.card_id)
        if old is not None and old.content == content and old.retired == retired:
            note_times[note.card_id] = old
        elif old is not None:
            note_times[note.card_id] = CardRecord(old.added, max(release_time, old.modified + 1), content, retired)
        else:
            note_times[note.card_id] = CardRecord(release_time, release_time, content, retired)

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

    lock = Lock(deck.name, dict(source.subdecks), note_types, note_times)
    return ReleasePlan(
        note_times=note_times,
        note_type_times={kind: record.modified for kind, record in note_types.items()},
        lock=lock,
        lock_changed=lock != previous,
        allowed_changes=tuple(allowed),
    )


def _guard_deck(source: ReleaseInput, previous: Lock, allow: Allowances, check) -> None:
    deck = source.deck
    if previous.deck_name != deck.name:
        check(
            allow.deck_rename, source.settings_location,
            f"deck renamed from '{previous.deck_name}' to '{deck.name}': students' existing cards would "
            "stay in the old deck while new cards go to the new one",
            "--allow-deck-rename", f"deck renamed from '{previous.deck_name}' to '{deck.name}'",
        )
    for key, old_name in sorted(previous.subdecks.items()):
        new_name = source.subdecks.get(key)
        if new_name is not None and new_name != old_name:
            check(
                allow.deck_rename, source.settings_location,
                f"subdeck '{key}' renamed from '{old_name}' to '{new_name}': students' existing cards would "
                "stay in the old subdeck while new cards go to the new one",
                "--allow-deck-rename", f"subdeck '{key}' renamed from '{old_name}' to '{new_name}'",
            )


def _guard_note_types(source: ReleaseInput, previous: Lock, allow: Allowances, check) -> None:
    for note_type in source.deck.note_types:
        old = previous.note_types.get(note_type.kind)
        if old is None:
            continue
        where = source.lock_location._replace(line=_lock_line(source.lock_source, f'"{note_type.kind}": {{'))
        changes = []
        if old.note_type_id != note_type.note_type_id:
            changes.append(f"id changed from {old.note_type_id} to {note_type.note_type_id}")
        if old.fields != note_type.fields:
            changes.append(f"fields changed from {', '.join(old.fields)} to {', '.join(note_type.fields)}")
        templates = tuple(template.name for template in note_type.templates)
        if old.templates != templates:
            changes.append(f"card templates changed from {', '.join(old.templates)} to {', '.join(templates)}")
        for change in changes:
            check(
                allow.note_type_change, where,
                f"note type '{note_type.kind}': {change}; Anki would stop updating every student's "
                f"{note_type.kind} notes without a word",
                "--allow-note-type-change", f"note type '{note_type.kind}': {change}",
            )


def _guard_cards(source: ReleaseInput, previous: Lock, allow: Allowances, check) -> None:
    current = {note.card_id for note in source.deck.notes}
    for card_id, record in sorted(previous.cards.items()):
        if card_id not in current:
            where = source.lock_location._replace(line=_lock_line(source.lock_source, json.dumps(card_id) + ":"))
            check(
                allow.card_removal, where,
                f"card '{card_id}' was released but is gone from the cards: Anki never deletes it from "
                "students' collections, and a renamed id makes a duplicate. Keep the card and mark it "
                "'retired: true' instead",
                "--allow-card-removal", f"card '{card_id}' removed",
            )
    for card_id in sorted(current):
        record = previous.cards.get(card_id)
        if record is not None and record.retired and card_id not in source.retired:
            check(
                allow.id_reuse, source.card_locations[card_id],
                f"card id '{card_id}' belongs to a retired card: students still have that card, so a new "
                "card needs a new id",
                "--allow-id-reuse", f"retired card id '{card_id}' reused",
            )
