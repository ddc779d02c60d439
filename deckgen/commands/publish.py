"""`deckgen publish`: what a deck's release workflow does on a version tag, runnable anywhere.

In a checkout of the tag: check that the tag is the deck's release (`version:` in cards/deck.yaml),
rebuild it with `build --frozen --strict` (the lock's recorded times give the release's very bytes),
and write its notes against the previous release's package (for a first release, only the import
options students must choose, which `deckgen diff` gives every later release), followed by
the version's section of CHANGELOG.md. It lives in the package, not in a script of deckgen's
repository, so that every deck's repository (made by `deckgen init` or `deckgen import`) runs the
same tested steps with the deckgen its requirements.txt pins.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from deckgen.changes.notes import needs_merge, release_notes
from deckgen.changes.packaged import read_package
from deckgen.changes.students import import_options
from deckgen.commands.pipeline import build
from deckgen.errors import DeckError, Location, ProblemCollector, display_path
from deckgen.output import write_files
from deckgen.paths import ProjectPaths
from deckgen.render.templatepolicy import SCRIPT_IN_RELEASE
from deckgen.source.project import read_deck_files
from deckgen.updates.feed import FEED_FILE, FeedRelease, feed_json

NOTES_FILE = "RELEASE-NOTES.md"
FIRST_RELEASE = "First release of the deck.\n"


@dataclass(frozen=True)
class Published:
    package: Path
    sha256: str  # of the package: the log shows what was published
    notes: Path
    feed: Path | None = None  # latest.json, for the add-on: when deck.yaml names a feed_url


def changelog_section(changelog: Path, version: str) -> str:
    """The text under `## [version]` in a Keep a Changelog file; empty without one."""
    if not changelog.is_file():
        return ""
    text = changelog.read_text(encoding="utf-8")
    found = re.search(rf"^## \[{re.escape(version)}\][^\n]*\n(.*?)(?=^## \[|\Z)", text, re.MULTILINE | re.DOTALL)
    return found.group(1).strip() if found else ""


def publish(root: Path, tag: str, previous_dir: Path, out_dir: Path, release_time: int) -> Published:
    """Rebuild the release `tag` names into `out_dir`, with RELEASE-NOTES.md beside it."""
    paths = ProjectPaths(root)
    version = tag.removeprefix("v")
    settings, _ = read_deck_files(root, ProblemCollector())
    if settings.version != version:
        raise DeckError.at(
            Location(display_path(paths.settings, root)),
            f"tag {tag} does not match version: {settings.version} here: tag the commit of "
            f"'deckgen release {version}', whose cards/deck.yaml says version: {version}",
        )
    previous = sorted(previous_dir.glob("*.apkg")) if previous_dir.is_dir() else []
    if len(previous) > 1:
        raise DeckError.in_argument(
            "PREVIOUS_DIR", f"{previous_dir} holds {len(previous)} packages: give it the previous release's only")
    built = build(root, release_time, out_dir, frozen=True, strict=True, cache=False)  # a release's bytes, from scratch
    merge = False
    if previous:
        old, new = read_package(previous[0]), read_package(built.output)
        notes, merge = release_notes(old, new), needs_merge(old, new)
    else:  # the templates may run script: said first, as `deckgen diff` says it of a later release
        # and the import options students must choose, which `deckgen diff` gives every later release
        notes = ((f"{SCRIPT_IN_RELEASE}\n\n" if settings.allow_template_script else "") + FIRST_RELEASE
                 + f"\n## Import options\n\n{import_options(settings.name)}")
    section = changelog_section(root / "CHANGELOG.md", version)
    notes_path = out_dir / NOTES_FILE
    # Under a heading of its own: its ### headings are the changelog's, not sections of the notes above.
    changelog = f"\n## From the changelog\n\n{section}\n" if section else ""
    files = [(notes_path, (notes + changelog).encode("utf-8"))]
    package = built.output.read_bytes()
    feed_path = None
    if settings.feed_url:  # the add-on's feed, which the release workflow uploads beside the package
        feed_path = out_dir / FEED_FILE
        files.append((feed_path, feed_json(FeedRelease(
            settings.name, settings.deck_id, version, release_time, settings.feed_url, built.output.name, package,
            notes + changelog, merge))))
    write_files(files, root)
    return Published(built.output, hashlib.sha256(package).hexdigest(), notes_path, feed_path)
