"""The pipeline as one readable function per command: load → validate → render → plan → package.

Callable from Python as well as from the command line; nothing here prints or exits.
"""

from __future__ import annotations

import gc
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from deckgen.errors import DeckError, Location, display_path
from deckgen.model import Project
from deckgen.output import write_atomically
from deckgen.package import PackageStats, package_bytes
from deckgen.project import CARDS_DIR, TEMPLATES_DIR, load_project
from deckgen.release import (
    LOCK_FILE,
    Allowances,
    ReleaseInput,
    ReleasePlan,
    lock_continuity,
    lock_text,
    plan_release,
    read_lock,
)
from deckgen.render import RenderedDeck, render_deck

BUILD_DIR = "build"
LATEST_RELEASE_TIME = 253_402_300_799


@dataclass(frozen=True)
class CheckResult:
    project: Project
    deck: RenderedDeck


@dataclass(frozen=True)
class BuildResult:
    checked: CheckResult
    output: Path
    stats: PackageStats
    plan: ReleasePlan
    lock_path: Path
    lock_written: bool


def release_timestamp(environment: dict[str, str]) -> int:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else now."""
    value = environment.get("SOURCE_DATE_EPOCH")
    if value is None or value == "":
        return int(time.time())
    if not re.fullmatch(r"[0-9]+", value) or not 0 < int(value) <= LATEST_RELEASE_TIME:
        raise DeckError.at(
            Location("SOURCE_DATE_EPOCH"),
            f"must be a positive whole number of seconds since 1970, at most {LATEST_RELEASE_TIME} "
            f"(the year 9999), got '{value}'",
        )
    return int(value)


@contextmanager
def _no_cyclic_garbage_collection():
    """A build makes millions of small objects that live until it ends; Python's cycle collector
    would scan them again and again (half the time of a 20,000-card build). Reference counting
    still frees everything else, and the collector is back on when the build is over."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _write(path: Path, data: bytes, root: Path) -> None:
    try:
        write_atomically(path, data)
    except OSError as error:
        raise DeckError.at(
            Location(display_path(path, root)),
            f"cannot write the file: {error.strerror or error}; check that its folder exists and is writable",
        ) from None


def check(root: Path, strict: bool = False) -> CheckResult:
    """Everything a build does except writing: load, validate and render every card.

    Unsafe content in a card is removed and reported as a warning; with `strict` it is an error.
    """
    with _no_cyclic_garbage_collection():
        project = load_project(root)
        deck = render_deck(project, root / TEMPLATES_DIR)
    if strict and deck.warnings:
        raise DeckError(deck.warnings)
    return CheckResult(project, deck)


def plan(checked: CheckResult, release_time: int, allow: Allowances) -> tuple[ReleasePlan, Path]:
    """The release plan against the committed lock file: times for every note, guards applied."""
    root = checked.project.root
    lock_path = root / CARDS_DIR / LOCK_FILE
    previous, lock_source = read_lock(lock_path, root)
    settings = checked.project.settings
    source = ReleaseInput(
        deck=checked.deck,
        version=settings.version,
        subdecks=dict(settings.subdecks),
        retired=frozenset(card.id for card in checked.project.cards if card.retired),
        card_locations={card.id: card.location for card in checked.project.cards},
        settings_locations=settings.location_of,
        lock_location=Location(display_path(lock_path, root)),
        lock_source=lock_source,
    )
    return plan_release(source, previous, release_time, allow), lock_path


def build(
    root: Path,
    release_time: int,
    output_dir: Path | None = None,
    allow: Allowances = Allowances(),
    frozen: bool = False,
    strict: bool = False,
) -> BuildResult:
    """Check the project, plan the release, write build/<deck>-<version>.apkg and the lock file.

    Nothing is written when anything is wrong. With `frozen` (CI releases) the lock file must
    already describe the cards exactly; it is never written.
    """
    checked = check(root, strict)
    with _no_cyclic_garbage_collection():
        release, lock_path = plan(checked, release_time, allow)
    if frozen and release.lock_changed:
        raise DeckError.at(
            Location(display_path(lock_path, root)),
            "the lock file is out of date with the cards: run 'deckgen build' and commit "
            f"{display_path(lock_path, root)} with the cards",
        )
    with _no_cyclic_garbage_collection():
        data, stats = package_bytes(checked.deck, release)
    output = (output_dir or root / BUILD_DIR) / f"{checked.deck.file_stem}.apkg"
    # The lock first: a package in build/ is then always one whose times are recorded.
    if release.lock_changed:
        _write(lock_path, lock_text(release.lock).encode("utf-8"), root)
    _write(output, data, root)
    return BuildResult(checked, output, stats, release, lock_path, release.lock_changed)


def check_lock_descends(root: Path, base_lock: Path) -> None:
    """Refuse a cards/deck.lock that does not descend from `base_lock` by deckgen builds."""
    lock_path = root / CARDS_DIR / LOCK_FILE
    base, _ = read_lock(base_lock, root)
    current, _ = read_lock(lock_path, root)
    where = Location(display_path(lock_path, root))
    if base is None:
        raise DeckError.at(Location(str(base_lock)), "the base lock file does not exist")
    if current is None:
        raise DeckError.at(where, "cards/deck.lock is missing; restore it from the base branch and build again")
    problems = lock_continuity(base, current, where)
    if problems:
        raise DeckError(problems)
