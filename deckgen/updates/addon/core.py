"""The add-on's work, without a window: check a deck's release feed, download and verify the package,
import it with the options the deck needs, protect the student's own edits, remove retired cards.

It runs inside a student's Anki, where deckgen is not installed: it imports only the standard library
and Anki's `anki` package, and never runs code from the feed or the package (the feed is JSON, the
package is read with sqlite3 and handed to Anki's own importer). deckgen's tests drive it with the
official `anki` package; glue.py puts it behind Anki's menu and start-up hook.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import re
import sqlite3
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition
from anki.notes import NoteId

from .version import ADDON_VERSION, FEED_FORMAT

TIMEOUT_SECONDS = 20.0
MAX_FEED_BYTES = 1_000_000
STATE_KEY = "deckgen_updates_{deck_id}"  # collection config: synced with AnkiWeb, like the notes it describes
YOUR_VERSIONS = "{name} (your versions)"  # the deck where a student's text a release replaced is kept
YOUR_VERSION_TYPE = "deckgen: your version"
_IF_NEWER = ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER
_VERSION = re.compile(r"[0-9]{1,6}\.[0-9]{1,6}\.[0-9]{1,6}\Z")
_SHA256 = re.compile(r"[0-9a-f]{64}\Z")

Fetch = Callable[[str, int], bytes]  # (url, most bytes wanted) -> body; raises OSError when unreachable


@dataclass(frozen=True)
class DeckInfo:
    """What `deckgen addon` wrote into deck.json: the one deck this add-on looks after."""

    name: str
    deck_id: int
    feed_url: str
    retired_tag: str
    report_url: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DeckInfo:
        return cls(str(data["name"]), int(data["id"]), str(data["feed_url"]), str(data["retired_tag"]),
                   data.get("report_url"))


@dataclass(frozen=True)
class Release:
    """A checked feed: a newer release of our deck, at an address we may download from."""

    version: str
    released: str
    url: str
    size: int
    sha256: str
    notes_markdown: str
    notes_text: str
    merge_note_types: bool


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


class Refused(Exception):
    """The feed or the package is not one to import; the message says why, in the student's words."""


# --- the network ------------------------------------------------------------------------------------


def allowed_url(url: str) -> bool:
    """HTTPS anywhere; plain HTTP only to this computer (a test or a local server), never over a network."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect (GitHub's latest-release address redirects) only to an allowed address."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if not allowed_url(newurl):
            raise urllib.error.URLError(f"redirected to {newurl}, which is not an https:// address")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def download(url: str, limit: int) -> bytes:
    """The body at `url`, at most `limit` + 1 bytes (one more shows a body longer than expected)."""
    if not allowed_url(url):
        raise Refused(f"the address {url} is not an https:// address: nothing was downloaded")
    opener = urllib.request.build_opener(_CheckedRedirects())
    request = urllib.request.Request(url, headers={"User-Agent": f"deckgen-updates/{ADDON_VERSION}"})
    with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
        return bytes(response.read(limit + 1))


# --- the feed ---------------------------------------------------------------------------------------


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def read_feed(body: bytes, deck: DeckInfo, installed: str | None) -> Release | None:
    """The release a feed offers, checked; None when it is the version the student has."""
    try:
        feed = json.loads(body.decode("utf-8"))
        if feed.get("format") != FEED_FORMAT:
            raise Refused(f"the feed is in format {feed.get('format')!r}, which this add-on does not read: "
                          "update the add-on")
        package, notes = feed["package"], feed["notes"]
        release = Release(
            version=str(feed["version"]), released=str(feed.get("released", "")), url=str(package["url"]),
            size=int(package["size"]), sha256=str(package["sha256"]).lower(),
            notes_markdown=str(notes.get("markdown", "")), notes_text=str(notes.get("text", "")),
            merge_note_types=feed.get("merge_note_types") is True,
        )
        feed_deck = (str(feed["deck"]["name"]), int(feed["deck"]["id"]))
        minimum = str(feed.get("min_addon_version", "0.0.0"))
    except Refused:
        raise
    except (ValueError, KeyError, TypeError, AttributeError):
        raise Refused("the feed is not a deck release feed (its JSON lacks a key or has a wrong value)") from None
    if feed_deck != (deck.name, deck.deck_id):
        raise Refused(f"the feed is for the deck {feed_deck[0]!r} (id {feed_deck[1]}), not {deck.name!r} "
                      f"(id {deck.deck_id}): nothing was imported")
    if not _VERSION.match(release.version) or not _VERSION.match(minimum):
        raise Refused(f"the feed's version {release.version!r} is not a version like 1.2.3")
    if version_key(minimum) > version_key(ADDON_VERSION):
        raise Refused(f"this release needs version {minimum} of the add-on, and you have {ADDON_VERSION}: "
                      "update the add-on (Tools → Add-ons → Check for Updates)")
    if not allowed_url(release.url):
        raise Refused(f"the feed points at {release.url}, which is not an https:// address: nothing was downloaded")
    if not _SHA256.match(release.sha256) or release.size <= 0:
        raise Refused("the feed's size or sha256 of the package is missing or malformed")
    if installed is not None:
        if release.version == installed:
            return None
        if version_key(release.version) < version_key(installed):
            raise Refused(f"the feed offers {release.version}, older than the {installed} you have: "
                          "a deck is never downgraded")
    return release


def verify(release: Release, data: bytes) -> None:
    """Refuse a package whose size or sha256 is not the feed's: truncated, corrupted or replaced."""
    if len(data) != release.size:
        raise Refused(f"the download has {len(data)} bytes, and the feed says {release.size}: it was cut short "
                      "or replaced, so nothing was imported; try again later")
    digest = hashlib.sha256(data).hexdigest()
    if digest != release.sha256:
        raise Refused(f"the download's sha256 is {digest}, and the feed says {release.sha256}: it was damaged "
                      "or replaced, so nothing was imported; try again later")


# --- the package ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PackagedNote:
    guid: str
    fields: tuple[str, ...]
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Package:
    notes: dict[str, PackagedNote]  # by GUID
    decks: frozenset[str]  # the names of the package's decks


def read_package(path: str) -> Package:
    """The notes and deck names of a legacy .apkg, read with sqlite3 (never executed)."""
    try:
        with zipfile.ZipFile(path) as archive, tempfile.TemporaryDirectory() as scratch:
            name = next((entry for entry in ("collection.anki21", "collection.anki2")
                         if entry in archive.namelist()), None)
            if name is None:
                raise Refused("the package holds no collection: nothing was imported")
            database = os.path.join(scratch, "collection")
            with open(database, "wb") as out:
                out.write(archive.read(name))
            connection = sqlite3.connect(database)
            try:
                notes = {guid: PackagedNote(guid, tuple(flds.split("\x1f")), tuple(tags.split()))
                         for guid, flds, tags in connection.execute("SELECT guid, flds, tags FROM notes")}
                decks = json.loads(connection.execute("SELECT decks FROM col").fetchone()[0])
            finally:
                connection.close()
    except (zipfile.BadZipFile, sqlite3.Error, ValueError, KeyError) as error:
        raise Refused(f"the package cannot be read ({error}): nothing was imported") from None
    return Package(notes, frozenset(str(entry["name"]) for entry in decks.values()))


# --- the student's collection -----------------------------------------------------------------------


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def state_of(col: Collection, deck: DeckInfo) -> dict[str, Any]:
    """What the add-on remembers of a deck: the version installed and each field's text as shipped
    (digests), kept in the collection's config so that it syncs with the notes it describes."""
    state = col.get_config(STATE_KEY.format(deck_id=deck.deck_id), None)
    return state if isinstance(state, dict) else {}


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


def _notes_by_guid(col: Collection, guids: list[str]) -> dict[str, NoteId]:
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


def _protect_edits(col: Collection, deck: DeckInfo, package: Package, before: dict[str, tuple[str, ...]],
                   shipped: dict[str, list[str]], version: str) -> _Edits:
    """After the import, field by field: a field the release changed gets the release's text (also
    where Anki skipped the note because the student's edit made it newer), and the student's text,
    if they had changed it too, is saved (`_save_your_version`); a field only the student changed
    keeps the student's text (Anki replaces every field of a note it updates)."""
    edits = _Edits()
    ids = _notes_by_guid(col, list(before))
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
            student_changed = shipped_digest is None or _digest(mine) != shipped_digest
            release_changed = shipped_digest is None or _digest(release) != shipped_digest
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


def _remove_retired(col: Collection, deck: DeckInfo, package: Package) -> int:
    """Delete the notes the package marks retired: only the deck's own (found by the package's GUIDs)."""
    tag = deck.retired_tag.lower()
    retired = [guid for guid, note in package.notes.items()
               if any(t.lower() == tag or t.lower().startswith(tag + "::") for t in note.tags)]
    ids = list(_notes_by_guid(col, retired).values())
    if ids:
        col.remove_notes(ids)
    return len(ids)


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
    existing = _notes_by_guid(col, list(package.notes))
    before = {guid: tuple(col.get_note(note_id).fields) for guid, note_id in existing.items()}
    log = _import(col, path, release)
    edits = _protect_edits(col, deck, package, before, shipped, release.version)
    removed = _remove_retired(col, deck, package) if remove_retired else 0
    col.set_config(STATE_KEY.format(deck_id=deck.deck_id), {
        "version": release.version,
        "shipped": {guid: [_digest(text) for text in note.fields] for guid, note in package.notes.items()},
    })
    details = [f"{len(log.new)} new notes, {len(log.updated)} updated"]
    if removed:
        details.append(f"{removed} retired notes removed")
    if edits.kept:
        details.append(f"your edits kept on {edits.kept} fields")
    if edits.saved:
        details.append(f"{edits.saved} of your edits replaced by the release and saved in the deck "
                       f"'{YOUR_VERSIONS.format(name=deck.name)}'")
    if log.conflicting:
        details.append(f"{len(log.conflicting)} notes not updated: their note type changed (see the release notes)")
    return Outcome("updated", f"{deck.name} updated to {release.version}: " + "; ".join(details) + ".",
                   release, tuple(details))


def _reason(error: BaseException) -> str:
    reason = getattr(error, "reason", None)
    return str(reason if reason is not None else error) or type(error).__name__
