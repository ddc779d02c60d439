"""The pipeline as one readable function per command: load → validate → render → package.

Callable from Python as well as from the command line; nothing here prints or exits.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from deckgen.errors import DeckError, Location
from deckgen.model import Project
from deckgen.package import PackageStats, package_bytes, write_atomically
from deckgen.project import TEMPLATES_DIR, load_project
from deckgen.render import RenderedDeck, render_deck

BUILD_DIR = "build"


@dataclass(frozen=True)
class CheckResult:
    project: Project
    deck: RenderedDeck


@dataclass(frozen=True)
class BuildResult:
    output: Path
    stats: PackageStats


def release_timestamp(environment: dict[str, str]) -> int:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else now."""
    value = environment.get("SOURCE_DATE_EPOCH")
    if value is None or value == "":
        return int(time.time())
    if not value.isdigit() or int(value) == 0:
        raise DeckError.at(
            Location("SOURCE_DATE_EPOCH"),
            f"must be a positive whole number of seconds since 1970, got '{value}'",
        )
    return int(value)


def check(root: Path) -> CheckResult:
    """Everything a build does except writing: load, validate and render every card."""
    project = load_project(root)
    deck = render_deck(project, root / TEMPLATES_DIR)
    return CheckResult(project, deck)


def build(root: Path, timestamp: int, output_dir: Path | None = None) -> BuildResult:
    """Check the project, then write build/<deck>-<version>.apkg; nothing is written on any problem."""
    checked = check(root)
    data, stats = package_bytes(checked.deck, timestamp)
    output = (output_dir or root / BUILD_DIR) / f"{checked.deck.file_stem}.apkg"
    write_atomically(output, data)
    return BuildResult(output, stats)
