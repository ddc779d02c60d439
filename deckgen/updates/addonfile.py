"""`deckgen addon`: the companion add-on of one deck, as the .ankiaddon file students install once.

The add-on's code is the package data in addon/ (the same files for every deck); what makes it one
deck's is deck.json (the deck's name and id, its feed, its retired tag and report address) and its
manifest.json (a folder name and a title of its own, so that two decks' add-ons live side by side).
The zip's entries have a fixed time and order: the same deck.yaml gives the same bytes.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from importlib import resources

from deckgen.updates.addon.version import ADDON_VERSION

ADDON_SUFFIX = "-updates.ankiaddon"
# The add-on's own files, as they are in the package (deck.json and manifest.json are written here).
CODE_FILES = ("__init__.py", "checks.py", "core.py", "edits.py", "glue.py", "network.py", "packageread.py",
              "version.py", "config.json", "config.md")
MIN_POINT_VERSION = 231200  # Anki 23.12: the first whose importer takes "Import deck presets"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class AddonDeck:
    name: str
    title: str
    deck_id: int
    slug: str
    feed_url: str
    retired_tag: str
    report_url: str | None  # the template, with {card}: the add-on finds each card's own link by its start


def package_name(deck: AddonDeck) -> str:
    """The add-on's folder in a student's addons21/: one per deck, a Python identifier."""
    return "deckgen_updates_" + "".join(c if c.isalnum() else "_" for c in deck.slug)


def addon_files(deck: AddonDeck) -> list[tuple[str, bytes]]:
    """The .ankiaddon's entries, in order."""
    code = resources.files("deckgen.updates.addon")
    manifest = {
        "package": package_name(deck),
        "name": f"{deck.title}: updates",
        "human_version": ADDON_VERSION,
        "min_point_version": MIN_POINT_VERSION,
    }
    info = {"name": deck.name, "id": deck.deck_id, "feed_url": deck.feed_url, "retired_tag": deck.retired_tag,
            "report_url": deck.report_url}
    entries = [(name, code.joinpath(name).read_bytes()) for name in CODE_FILES]
    return entries + [("deck.json", _json(info)), ("manifest.json", _json(manifest))]


def addon_bytes(deck: AddonDeck) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in addon_files(deck):
            entry = zipfile.ZipInfo(name, ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data)
    return buffer.getvalue()


def _json(value: object) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
