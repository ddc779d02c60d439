"""The add-on's work, without a window: check a deck's release feed, download and verify the package,
import it with the options the deck needs, keep the student's own edits (edits.py), remove retired cards.

It runs inside a student's Anki, where deckgen is not installed: it imports only the standard library
and Anki's `anki` package, and never runs code from the feed or the package (the feed is JSON, the
package is read with sqlite3 and handed to Anki's own importer). deckgen's tests drive it with the
official `anki` package; glue.py puts it behind Anki's menu and start-up hook.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition
from anki.notes import NoteId

from .checks import DeckInfo, Refused, Release, read_feed, verify
from .edits import YOUR_VERSIONS, notes_by_guid, protect_edits, remember, state_of
from .network import Fetch, download
from .packageread import Package, read_package

MAX_FEED_BYTES = 1_000_000
_IF_NEWER = ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER


@dataclass(frozen=True)
class Outcome:
    """What one check did: `status` is updated, current, offline or refused; `message` is for the student."""

    status: str
    message: str
    release: Release | None = None
    details: tuple[str, ...] = field(default_factory=tuple)

    @property
    def changed_collection(self) -> bool:
        return self.status == "updated"


def _import(col: Collection, path: str, release: Release) -> Any:
    request = ImportAnkiPackageRequest(
        package_path=path,
        options=ImportAnkiPackageOptions(
            merge_notetypes=release.merge_note_types,  # only when the release says so: a full sync follows
            update_notes=_IF_NEWER,
            update_notetypes=_IF_NEWER,
            with_scheduling=False,
            with_deck_configs=True,
        ),
    )
    return col.import_anki_package(request).log


def _remove_retired(col: Collection, deck: DeckInfo, package: Package) -> int:
    """Delete the notes the package marks retired: only the deck's own, found by the package's GUIDs
    and kept only when every card of the note is in the deck or its subdecks (a package's GUID that
    matches a note of another deck must never delete it)."""
    tag = deck.retired_tag.lower()
    retired = [guid for guid, note in package.notes.items()
               if any(t.lower() == tag or t.lower().startswith(tag + "::") for t in note.tags)]
    ids = _in_deck(col, deck, list(notes_by_guid(col, retired).values()))
    if ids:
        col.remove_notes(ids)
    return len(ids)


def _in_deck(col: Collection, deck: DeckInfo, note_ids: list[NoteId]) -> list[NoteId]:
    """The notes whose every card is in the deck the add-on looks after, or in one of its subdecks."""
    deck_id = col.decks.id_for_name(deck.name)
    if deck_id is None or not note_ids:
        return []
    tree = set(col.decks.deck_and_child_ids(deck_id))
    assert col.db is not None  # an open collection
    elsewhere = {nid for nid, did in col.db.all(
        f"SELECT nid, did FROM cards WHERE nid IN ({','.join('?' * len(note_ids))})", *note_ids) if did not in tree}
    return [note_id for note_id in note_ids if note_id not in elsewhere]


@contextmanager
def _scratch_file(data: bytes) -> Iterator[str]:
    handle, path = tempfile.mkstemp(suffix=".apkg")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        yield path
    finally:
        os.unlink(path)


def update(col: Collection, deck: DeckInfo, remove_retired: bool, fetch: Fetch = download) -> Outcome:
    """Check the feed once and, when it offers a newer release of our deck, install it."""
    state = state_of(col, deck)
    installed = state.get("version")
    try:
        try:
            body = fetch(deck.feed_url, MAX_FEED_BYTES)
        except OSError as error:
            return Outcome("offline", f"Could not reach the {deck.name} release feed ({_reason(error)}). You seem to "
                                      "be offline: your cards are as they were, and the add-on tries again at the "
                                      "next start or from the Tools menu.")
        if len(body) > MAX_FEED_BYTES:
            raise Refused("the feed is larger than a release feed can be: nothing was imported")
        release = read_feed(body, deck, installed)
        if release is None:
            return Outcome("current", f"{deck.name} is up to date (version {installed}).")
        try:
            data = fetch(release.url, release.size)
        except OSError as error:
            return Outcome("offline", f"Could not download {deck.name} {release.version} ({_reason(error)}): your "
                                      "cards are as they were; the add-on tries again later.", release)
        verify(release, data)
        with _scratch_file(data) as path:
            package = read_package(path)
            return _install(col, deck, release, package, path, state, remove_retired)
    except Refused as refusal:
        return Outcome("refused", f"The {deck.name} update was refused: {refusal}.")


def _install(col: Collection, deck: DeckInfo, release: Release, package: Package, path: str,
             state: dict[str, Any], remove_retired: bool) -> Outcome:
    if not package.notes or not any(name == deck.name or name.startswith(deck.name + "::")
                                    for name in package.decks):
        raise Refused(f"the package holds no deck named {deck.name!r}: nothing was imported")
    shipped: dict[str, list[str]] = state.get("shipped", {})
    existing = notes_by_guid(col, list(package.notes))
    before = {guid: tuple(col.get_note(note_id).fields) for guid, note_id in existing.items()}
    log = _import(col, path, release)
    edits = protect_edits(col, deck, package, before, shipped, release.version)
    removed = _remove_retired(col, deck, package) if remove_retired else 0
    remember(col, deck, release.version, package)
    details = [f"{_count(len(log.new), 'new note')}, {_count(len(log.updated), 'note')} updated"]
    if removed:
        details.append(f"{_count(removed, 'retired note')} removed")
    if edits.kept:
        details.append(f"your edits kept in {_count(edits.kept, 'field')}")
    if edits.saved:
        details.append(f"{_count(edits.saved, 'field')} you had edited replaced by the release (your text is in the "
                       f"deck '{YOUR_VERSIONS.format(name=deck.name)}')")
    if log.conflicting:
        details.append(f"{_count(len(log.conflicting), 'note')} not updated: their note type changed (see the "
                       "release notes)")
    return Outcome("updated", f"{deck.name} updated to {release.version}: " + "; ".join(details) + ".",
                   release, tuple(details))


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _reason(error: BaseException) -> str:
    reason = getattr(error, "reason", None)
    return str(reason if reason is not None else error) or type(error).__name__
