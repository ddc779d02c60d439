"""A student's own edits, kept across releases: what each field held as shipped (digests, remembered
in the collection's config, which syncs), compared after each import with the student's text and
the release's. The README's student section says what happens to each field and why.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from anki.collection import Collection
from anki.notes import NoteId

from .checks import DeckInfo
from .packageread import Package

STATE_KEY = "deckgen_updates_{deck_id}"  # collection config: synced with AnkiWeb, like the notes it describes
YOUR_VERSIONS = "{name} (your versions)"  # the deck where a student's text a release replaced is kept
YOUR_VERSION_TYPE = "deckgen: your version"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def state_of(col: Collection, deck: DeckInfo) -> dict[str, Any]:
    """What the add-on remembers of a deck: the version installed and each field's text as shipped
    (digests), kept in the collection's config so that it syncs with the notes it describes."""
    state = col.get_config(STATE_KEY.format(deck_id=deck.deck_id), None)
    return state if isinstance(state, dict) else {}


def remember(col: Collection, deck: DeckInfo, version: str, package: Package) -> None:
    """After an update: the version installed, and every field of the package as shipped."""
    col.set_config(STATE_KEY.format(deck_id=deck.deck_id), {
        "version": version,
        "shipped": {guid: [digest(text) for text in note.fields] for guid, note in package.notes.items()},
    })


def notes_by_guid(col: Collection, guids: list[str]) -> dict[str, NoteId]:
    wanted = list(guids)
    found: dict[str, NoteId] = {}
    assert col.db is not None  # an open collection
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        marks = ",".join("?" * len(chunk))
        found.update((guid, NoteId(note_id)) for guid, note_id in
                     col.db.all(f"SELECT guid, id FROM notes WHERE guid IN ({marks})", *chunk))
    return found


def _your_versions_note_type(col: Collection) -> Any:
    existing = col.models.by_name(YOUR_VERSION_TYPE)
    if existing:
        return existing
    note_type = col.models.new(YOUR_VERSION_TYPE)
    for name in ("Card", "Field", "Your text", "Release text"):
        col.models.add_field(note_type, col.models.new_field(name))
    template = col.models.new_template("Your version")
    template["qfmt"] = "{{Card}} · {{Field}}<hr>{{Your text}}"
    template["afmt"] = "{{FrontSide}}<hr>Release text:<br>{{Release text}}"
    col.models.add_template(note_type, template)
    col.models.add(note_type)
    return col.models.by_name(YOUR_VERSION_TYPE)


def _save_your_version(col: Collection, deck: DeckInfo, card: str, field_name: str, yours: str,
                       theirs: str, version: str) -> None:
    """Keep the student's text a release replaced as a note of its own, suspended, in a deck named
    after the course: visible in the browser on every device, studied never, and never touched by a
    release (its GUID is no release's)."""
    note_type = _your_versions_note_type(col)
    deck_id = col.decks.id(YOUR_VERSIONS.format(name=deck.name), create=True)
    assert deck_id is not None  # created when missing
    note = col.new_note(note_type)
    note["Card"], note["Field"] = card, f"{field_name} (replaced by release {version})"
    note["Your text"], note["Release text"] = yours, theirs
    note.tags = [f"{deck.retired_tag.rsplit('::', 1)[0]}::your-version"]
    col.add_note(note, deck_id)
    col.sched.suspend_cards([card.id for card in note.cards()])


@dataclass
class _Edits:
    kept: int = 0
    saved: int = 0


def protect_edits(col: Collection, deck: DeckInfo, package: Package, before: dict[str, tuple[str, ...]],
                   shipped: dict[str, list[str]], version: str) -> _Edits:
    """After the import, field by field: a field the release changed gets the release's text (also
    where Anki skipped the note because the student's edit made it newer), and the student's text,
    if they had changed it too, is saved (`_save_your_version`); a field only the student changed
    keeps the student's text (Anki replaces every field of a note it updates)."""
    edits = _Edits()
    ids = notes_by_guid(col, list(before))
    for guid, old in before.items():
        packaged = package.notes.get(guid)
        if packaged is None or guid not in ids:
            continue
        note = col.get_note(ids[guid])
        if len(note.fields) != len(packaged.fields) or len(old) != len(packaged.fields):
            continue  # its note type changed shape and Anki did not update it: the release notes say what to do
        known = shipped.get(guid) or []
        wanted = list(note.fields)
        for index, (mine, release) in enumerate(zip(old, packaged.fields, strict=True)):
            shipped_digest = known[index] if index < len(known) else None
            # Without a record (the deck was imported by hand) neither side can be told apart: the
            # release's text wins and a different text of the student's is saved, so nothing is lost.
            student_changed = shipped_digest is None or digest(mine) != shipped_digest
            release_changed = shipped_digest is None or digest(release) != shipped_digest
            if release_changed:
                wanted[index] = release
                if student_changed and mine != release:
                    card = re.sub(r"<[^>]*>", "", packaged.fields[0])[:80] or guid
                    _save_your_version(col, deck, card, list(note.keys())[index], mine, release, version)
                    edits.saved += 1
            elif student_changed:
                wanted[index] = mine
                edits.kept += mine != note.fields[index]
        missing_tags = [tag for tag in packaged.tags if not note.has_tag(tag)]
        if wanted != list(note.fields) or missing_tags:
            note.fields[:] = wanted
            note.tags += missing_tags
            col.update_note(note)
    return edits
