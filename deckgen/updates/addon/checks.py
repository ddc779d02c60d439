"""What the add-on trusts, and why: the deck it looks after (deck.json), the feed's release of it, and
the downloaded bytes. Everything refused here is refused before the collection is touched.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
import urllib.parse
from dataclasses import dataclass
from typing import Any

from .version import ADDON_VERSION, FEED_FORMAT

_VERSION = re.compile(r"[0-9]{1,6}\.[0-9]{1,6}\.[0-9]{1,6}\Z")
_SHA256 = re.compile(r"[0-9a-f]{64}\Z")


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


class Refused(Exception):
    """The feed or the package is not one to import; the message says why, in the student's words."""


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
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):  # RecursionError: JSON nested deep
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
