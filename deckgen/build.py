"""The pipeline as one readable function per command: load → validate → render → plan → package.

Callable from Python as well as from the command line; nothing here prints or exits.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from deckgen.errors import DeckError, Location, Problem, display_path
from deckgen.model import Project
from deckgen import guards
from deckgen.guards import Allowances, Place
from deckgen.lockfile import LockFile, lock_text, read_lock
from deckgen.output import one_at_a_time, write_files
from deckgen.package import PackageStats, package_bytes
from deckgen.paths import ProjectPaths
from deckgen.project import load_project
from deckgen.release import ReleaseInput, ReleasePlan, lock_continuity, plan_release
from deckgen.render import RenderedDeck, render_deck

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


def check(root: Path, strict: bool = False) -> CheckResult:
    """Everything a build does except writing: load, validate and render every card.

    Unsafe content in a card is removed and reported as a warning; with `strict` it is an error.
    """
    project = load_project(root)
    deck = render_deck(project, ProjectPaths(root).templates)
    if strict and deck.warnings:
        raise DeckError(deck.warnings)
    return CheckResult(project, deck)


def _read_lock(root: Path, path: Path) -> LockFile | None:
    return read_lock(path, display_path(path, root))


def plan(checked: CheckResult, release_time: int, allow: Allowances) -> tuple[ReleasePlan, Path]:
    """The release plan against the committed lock file: times for every note, guards applied."""
    root = checked.project.root
    lock_path = ProjectPaths(root).lock
    lock_file = _read_lock(root, lock_path)
    settings = checked.project.settings
    card_locations = {card.id: card.location for card in checked.project.cards}
    lock_location = Location(display_path(lock_path, root))

    def locate(place: Place) -> Location:
        subject = place.subject
        if subject.startswith("lock:"):
            return lock_file.location(subject.removeprefix("lock:")) if lock_file else lock_location
        if subject.startswith("card:"):
            return card_locations.get(subject.removeprefix("card:"), lock_location)
        return settings.location_of(subject)

    source = ReleaseInput(
        deck=checked.deck,
        version=settings.version,
        subdecks=dict(settings.subdecks),
        retired=frozenset(card.id for card in checked.project.cards if card.retired),
        locate=locate,
    )
    return plan_release(source, lock_file.lock if lock_file else None, release_time, allow), lock_path


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
    paths = ProjectPaths(root)
    with one_at_a_time(paths.cards):
        release, lock_path = plan(checked, release_time, allow)
        if frozen and release.lock_changed:
            raise DeckError.at(
                Location(display_path(lock_path, root)),
                "the lock file is out of date with the cards: run 'deckgen build' and commit "
                f"{display_path(lock_path, root)} with the cards",
            )
        data, stats = package_bytes(checked.deck, release)
        output = paths.package(checked.deck.file_stem, output_dir)
        files = [(output, data)]
        if release.lock_changed:  # last: the lock never records a build whose package is missing
            files.append((lock_path, lock_text(release.lock).encode("utf-8")))
        write_files(files, root)
    return BuildResult(checked, output, stats, release, lock_path, release.lock_changed)


@dataclass(frozen=True)
class LockReview:
    """What a pull request's lock releases that affects students: acknowledged with its flag."""

    released: tuple[str, ...]


def review_lock(checked: CheckResult, base_lock: Path) -> LockReview:
    """Hold cards/deck.lock against the base branch's lock (CI, on a pull request).

    The lock must be up to date with the cards, must descend from the base lock by deckgen builds
    (ids, added times, unchanged cards' times and tombstones carry over), and every change between
    the two that the guards know must be one they allow and that the lock acknowledges: a flag
    given on an educator's machine is then visible in the pull request's diff and in CI's output.
    """
    root = checked.project.root
    lock_path = ProjectPaths(root).lock
    base = read_lock(base_lock, display_path(base_lock, root))
    current = _read_lock(root, lock_path)
    if base is None:
        raise DeckError.at(Location(str(base_lock)), "the base lock file does not exist")
    if current is None:
        raise DeckError.at(
            Location(display_path(lock_path, root)),
            "cards/deck.lock is missing; restore it from the base branch and build again",
        )
    release, _ = plan(checked, LATEST_RELEASE_TIME, Allowances(**{name: True for name in guards.FLAGS.values()}))
    if release.lock_changed:
        raise DeckError.at(
            current.location("deck"),
            "the lock file is out of date with the cards: run 'deckgen build' and commit "
            f"{display_path(lock_path, root)} with the cards",
        )
    problems = lock_continuity(base.lock, current.lock, current.location)
    new_acknowledged = {(item.flag, item.subject) for item in current.lock.acknowledged[len(base.lock.acknowledged):]}
    released = []
    for change in guards.compare(base.lock, current.lock):
        where = current.location(_lock_subject(change.subject))
        if change.flag is None:
            problems.append(Problem(where, f"{change.message}; restore cards/deck.lock from the base branch"))
        elif (change.flag, change.subject) not in new_acknowledged:
            problems.append(Problem(
                where,
                f"{change.summary} since the base branch, but the lock does not acknowledge it: only a build "
                f"with {change.flag} releases it, and records it for reviewers; restore cards/deck.lock from "
                "the base branch and build again",
            ))
        else:
            released.append(f"{change.summary} ({change.flag})")
    if problems:
        raise DeckError(problems)
    return LockReview(tuple(released))


def _lock_subject(subject: str) -> str:
    """The lock entry a change's subject is recorded at (deck-wide changes: the deck entry)."""
    return subject if subject.startswith(("card:", "note_type:")) else "deck"
