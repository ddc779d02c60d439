"""The line a deck's description ends with: the version students have, and a link to its release notes.

Anki shows a deck's description on the deck's overview screen and replaces it at every import (on
every client), so the line tells a student, with or without the add-on, which release they study.
It is added when the package is written, not to the description the lock fingerprints: a new
version alone is no change to the deck's content.
"""

from __future__ import annotations

import html
import re

# GitHub's address of the latest release's asset: the release page of a version is beside it.
_GITHUB_LATEST = re.compile(r"(https://github\.com/[^/]+/[^/]+)/releases/latest/download/[^/]+\Z")


def release_notes_url(feed_url: str, version: str) -> str | None:
    """Where the notes of `version` are: the GitHub release's page, for a feed published there."""
    found = _GITHUB_LATEST.match(feed_url)
    return f"{found.group(1)}/releases/tag/v{version}" if found else None


def release_line(version: str, feed_url: str | None) -> str:
    """HTML: "Version 1.2.0", with a link to what is new when the release notes have an address."""
    notes = release_notes_url(feed_url, version) if feed_url else None
    link = f' · <a href="{html.escape(notes)}">what is new</a>' if notes else ""
    return f'<p class="deckgen-release">Version {html.escape(version)}{link}</p>'
