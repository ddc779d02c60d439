"""The release feed: `latest.json`, published beside each release's .apkg, which the add-on reads.

The feed names the deck (name and id, so that a feed of another deck is refused), the version and
its release time, where the package is with its size and sha256 (checked before anything is
imported), the release notes in Markdown and in plain text, the oldest add-on that can install it,
and whether students must merge note types. Its format is `FEED_FORMAT` of addon/core.py, which reads it.
"""

from __future__ import annotations

import hashlib
import json
import re
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime

from deckgen.updates.addon.version import FEED_FORMAT

FEED_FILE = "latest.json"
MIN_ADDON_VERSION = "1.0.0"  # the oldest add-on that reads FEED_FORMAT 1


@dataclass(frozen=True)
class FeedRelease:
    deck_name: str
    deck_id: int
    version: str
    release_time: int  # seconds since the epoch
    feed_url: str  # where the feed is published: the package's address is resolved against it
    package_name: str
    package: bytes
    notes_markdown: str
    merge_note_types: bool


def package_url(feed_url: str, package_name: str) -> str:
    """The package's address, beside the feed: with GitHub's latest-release address
    (https://github.com/OWNER/REPO/releases/latest/download/latest.json) the latest release's asset."""
    return urllib.parse.urljoin(feed_url, urllib.parse.quote(package_name))


def plain_text(markdown: str) -> str:
    """Release notes for a plain-text dialog: Markdown's emphasis, code fences and heading marks dropped."""
    text = re.sub(r"^#{1,6}\s*", "", markdown, flags=re.MULTILINE)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    return re.sub(r"(`+)\s?(.+?)\s?\1", r"\2", text)


def feed_json(release: FeedRelease) -> bytes:
    """The feed's bytes: JSON with sorted keys, so that one release always gives one feed."""
    feed = {
        "format": FEED_FORMAT,
        "deck": {"name": release.deck_name, "id": release.deck_id},
        "version": release.version,
        "released": datetime.fromtimestamp(release.release_time, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "package": {
            "url": package_url(release.feed_url, release.package_name),
            "size": len(release.package),
            "sha256": hashlib.sha256(release.package).hexdigest(),
        },
        "notes": {"markdown": release.notes_markdown, "text": plain_text(release.notes_markdown)},
        "min_addon_version": MIN_ADDON_VERSION,
        "merge_note_types": release.merge_note_types,
    }
    return (json.dumps(feed, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
