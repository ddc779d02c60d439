"""The pipeline as one readable function per command: load → validate → render → plan → package.

Callable from Python as well as from the command line; nothing here prints or exits.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, cast

from deckgen.errors import DeckError, Location, Problem, ProblemCollector, display_path, located
from deckgen.output import one_at_a_time, write_files
from deckgen.paths import ProjectPaths
from deckgen.release import guards
from deckgen.release.guards import Allowances
from deckgen.release.lock import FUTURE_MARGIN, Acknowledged, Lock, LockFile, lock_text, version_key
from deckgen.release.lockread import read_lock
from deckgen.release.subjects import ACKNOWLEDGED_ENTRY, DECK_ENTRY, CardSource, LockEntry, Place, Subject
from deckgen.render.notes import Progress, render_deck
from deckgen.render.rendered import RenderedDeck, with_versions
from deckgen.source.deck import Card, DeckSettings, Project
from deckgen.source.deckfile import VERSION
from deckgen.source.project import load_project, read_project

# The packager (genanki) and the release planner are imported where they are used: `lint`, which
# runs `check` alone, loads neither, and `deckgen check` no packager (tests/test_import_budget.py).
if TYPE_CHECKING:
    from deckgen.apkg.writer import PackageStats
    from deckgen.release.plan import ReleasePlan
    from deckgen.source.masks import Mask

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
    readme_updated: bool = False  # a release's coverage table, when README.md has its markers


def release_timestamp(environment: dict[str, str]) -> int:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else now."""
    value = environment.get("SOURCE_DATE_EPOCH")
    if value is None or value == "":
        return int(time.time())
    if not re.fullmatch(r"[0-9]{1,12}", value) or not 0 < int(value) <= LATEST_RELEASE_TIME:
        raise DeckError.at(
            Location("SOURCE_DATE_EPOCH", 0, 0),
            f"must be a positive whole number of seconds since 1970, at most {LATEST_RELEASE_TIME} "
            f"(the year 9999), got '{value}'",
        )
    return int(value)


def check(root: Path, strict: bool = False, progress: Progress | None = None, cache: bool = True) -> CheckResult:
    """Everything a build does except writing: load, validate and render every card.

    Unsafe content in a card is removed and reported as a warning; with `strict` it is an error.
    With `cache`, each card file unchanged since the last build is taken from build/.cache/
    (cache/incremental.py) instead of being read and rendered again.
    """
    problems = ProblemCollector()
    if cache:
        from deckgen.cache.incremental import read_and_render

        project, deck = read_and_render(root, problems, progress)
    else:
        project = read_project(root, problems)
        # Every card is rendered even when some are not valid, so that every problem of every card
        # is reported at once, as the cache's reading does: a problem does not wait for another's fix.
        deck = render_deck(project, ProjectPaths(root).templates, problems, progress)
    if problems.problems:  # the warnings too, so that one run shows everything to fix
        raise DeckError(problems.problems, warnings=deck.warnings)
    if strict and deck.warnings:
        raise DeckError(deck.warnings)
    return CheckResult(project, deck)


def read_lock_in(root: Path, path: Path) -> LockFile | None:
    """The lock file at `path` (None when there is none), its messages naming it as seen from `root`."""
    return read_lock(path, display_path(path, root))


def plan(
    checked: CheckResult, lock_file: LockFile | None, release_time: int, allow: Allowances, releasing: bool = False
) -> ReleasePlan:
    """The plan against the committed lock file (the last release): times, guards applied."""
    from deckgen.release.plan import ReleaseInput, plan_release

    root = checked.project.root
    settings = checked.project.settings
    lock_location = Location(display_path(ProjectPaths(root).lock, root))
    cards: dict[str, Card] = {}  # by id, made when a message first asks (a build with none never does)

    def locate(place: Place) -> Location:
        if isinstance(place, LockEntry):
            return lock_file.location(place) if lock_file else lock_location
        if isinstance(place, CardSource):
            if not cards:
                cards.update((card.id, card) for card in checked.project.cards)
            card = cards.get(place.card_id)
            if card is None:
                return lock_location
            masks = cast("tuple[Mask, ...]", card.value("masks") or ()) if place.mask else ()
            where = next((mask.where for mask in masks if mask.id == place.mask and mask.where), None)
            return located(where) if where is not None else card.location
        return settings.location_of(place.key)

    source = ReleaseInput(
        deck=checked.deck,
        version=settings.version,
        subdecks=dict(settings.subdecks),
        retired=frozenset(card.id for card in checked.project.cards if card.retired),
        locate=locate,
    )
    return plan_release(source, lock_file.lock if lock_file else None, release_time, allow, releasing)


def verify(
    root: Path, strict: bool = False, allow: Allowances = Allowances(), progress: Progress | None = None,
    cache: bool = True,
) -> tuple[CheckResult, ReleasePlan]:
    """`deckgen check`: everything a release does but write, every guard included."""
    checked = check(root, strict, progress, cache)
    release = plan(checked, read_lock_in(root, ProjectPaths(root).lock), LATEST_RELEASE_TIME, allow)
    return checked, release


def build(
    root: Path,
    release_time: int,
    output_dir: Path | None = None,
    allow: Allowances = Allowances(),
    frozen: bool = False,
    strict: bool = False,
    progress: Progress | None = None,
    cache: bool = True,
) -> BuildResult:
    """A development build: check the project, apply the guards against the last release, and write
    build/<deck>-<version>.apkg. It makes no card "released": cards changed since the last release
    get `release_time` in the package only, and the lock records nothing but the acknowledgement
    of a change allowed by its flag. With `frozen` (the release workflow), the cards must be
    exactly those of the last release, whose recorded times give the release's very bytes.

    Nothing is written when anything is wrong. The project is read with the project held (as a
    release holds it): a release running meanwhile changes the version and the lock, and a build
    that read the version before it would write new cards under the old release's file name.
    """
    from deckgen.apkg.writer import package_bytes

    paths = ProjectPaths(root)
    refuse_linked_output(paths, output_dir)
    with one_at_a_time(paths.cards):
        checked = check(root, strict, progress, cache)
        lock_path = paths.lock
        release = plan(checked, read_lock_in(root, lock_path), release_time, allow)
        if frozen:
            _refuse_unreleased(release, checked, lock_path)
        data, stats = package_bytes(_as_students_get_it(checked, release), release)
        output = paths.package(_build_stem(checked, release), output_dir)
        files = [(output, data)]
        if release.lock_changed:  # last: the lock never records a build whose package is missing
            assert release.lock is not None  # a changed lock is one to record
            files.append((lock_path, lock_text(release.lock).encode("utf-8")))
        write_files(files, root)
    return BuildResult(checked, output, stats, release, lock_path, release.lock_changed)


UNRELEASED_SUFFIX = "-unreleased"


def _build_stem(checked: CheckResult, release: ReleasePlan) -> str:
    """The build's file name: the release's (build/ipt-1.2.0.apkg) when the cards are that release's,
    or are of a version not released yet; with '-unreleased' when they changed since the release of
    this very version, so that a development build never overwrites the package students have
    (and `diff` and `preview --since` keep comparing with the release itself)."""
    last = release.lock.last_release if release.lock else None
    stem = checked.deck.file_stem
    if last is not None and last.version == checked.project.settings.version and release.unreleased:
        return stem + UNRELEASED_SUFFIX
    return stem


def _as_students_get_it(checked: CheckResult, plan_: ReleasePlan) -> RenderedDeck:
    """The deck as it is packaged: each report link names the release that last changed its card
    (which the plan knows, and the rendered deck cannot)."""
    if checked.project.settings.report_url is None:
        return checked.deck
    notes = with_versions(checked.deck.notes, lambda card_id: plan_.note_times[card_id].changed_in)
    return replace(checked.deck, notes=notes)


def _refuse_unreleased(release: ReleasePlan, checked: CheckResult, lock_path: Path) -> None:
    """A frozen build rebuilds the last release: the cards and version must be exactly its."""
    last = release.lock.last_release if release.lock else None
    version = checked.project.settings.version
    if last is None:
        message = "the deck has no release yet: a frozen build rebuilds one; run 'deckgen release VERSION' first"
    elif last.version != version:
        message = (f"version {version} in cards/deck.yaml is not released: a frozen build rebuilds the last release "
                   f"({last.version}); release it with 'deckgen release {version}'")
    elif release.unreleased or release.lock_changed:
        message = (f"the cards differ from release {last.version}: a frozen build rebuilds a release exactly; "
                   "release them with 'deckgen release VERSION' first")
    else:
        return
    raise DeckError.at(Location(display_path(lock_path, checked.project.root)), message)


def release(
    root: Path, version: str, release_time: int, allow: Allowances = Allowances(), output_dir: Path | None = None,
    progress: Progress | None = None,
) -> BuildResult:
    """`deckgen release VERSION`: the act of releasing. Every card changed since the last release is
    stamped with the release time, which must be later than the last release's; the release is
    recorded in cards/deck.lock, `version:` in cards/deck.yaml is set, the README's coverage table
    (when it has one) shows the release, and build/<deck>-<VERSION>.apkg is written. Checks are
    strict: a release carries no content a card may not use. The project is read with it held, as
    a build reads it (see `build`)."""
    from deckgen.apkg.writer import package_bytes
    from deckgen.authoring.stats import README_START, coverage_table, replace_marked_section

    paths = ProjectPaths(root)
    if not VERSION.match(version):
        raise DeckError.in_argument("VERSION", f"a release version looks like 1.2.3, got '{version}'")
    refuse_linked_output(paths, output_dir)
    if release_time > time.time() + FUTURE_MARGIN:
        raise DeckError.at(
            Location("SOURCE_DATE_EPOCH", 0, 0),
            f"the release time {release_time} lies in the future: every card it stamps would overwrite students' "
            "own later edits until then; release with the time of now",
        )
    with one_at_a_time(paths.cards):
        project = load_project(root)
        settings = project.settings
        released = replace(project, settings=replace(settings, version=version))
        checked = CheckResult(released, render_deck(released, paths.templates, progress=progress))
        if checked.deck.warnings:
            raise DeckError(checked.deck.warnings)
        lock_path = paths.lock
        previous = read_lock_in(root, lock_path)
        _check_release_order(previous, version, release_time, settings)
        plan_ = plan(checked, previous, release_time, allow, releasing=True)
        data, stats = package_bytes(_as_students_get_it(checked, plan_), plan_)
        output = paths.package(checked.deck.file_stem, output_dir)
        files = [(output, data), (paths.settings, _with_version(paths.settings, settings, version))]
        readme = paths.root / "README.md"
        document = readme.read_text(encoding="utf-8") if readme.is_file() else ""
        if README_START in document:
            table = coverage_table(released, checked.deck)
            files.append((readme, replace_marked_section(document, table, "README.md").encode()))
        assert plan_.lock is not None  # a release always records one
        files.append((lock_path, lock_text(plan_.lock).encode("utf-8")))
        write_files(files, root)
    return BuildResult(checked, output, stats, plan_, lock_path, True, readme_updated=README_START in document)


def refuse_linked_output(paths: ProjectPaths, output_dir: Path | None) -> None:
    """build/ inside the project must be a folder of its own: a link committed in its place would
    have deckgen write, and clear temporary files, elsewhere."""
    if output_dir is None and paths.build.is_symlink():
        raise DeckError.at(Location(display_path(paths.build, paths.root)),
                           "build/ is a link to another folder: make it a real folder (or remove it)")


def _check_release_order(previous: LockFile | None, version: str, time: int, settings: DeckSettings) -> None:
    last = previous.lock.last_release if previous else None
    if last is None:
        return
    if version_key(version) <= version_key(last.version):
        raise DeckError.at(  # a refusal by the lock, as for the time below: the version itself is well formed
            Location("VERSION", 0, 0),
            f"release {version} is not later than the last release, {last.version}: give a higher version",
        )
    if time <= last.time:
        raise DeckError.at(
            Location("SOURCE_DATE_EPOCH", 0, 0),
            f"the release time {time} is not later than release {last.version}'s ({last.time}): students' Anki "
            "would keep their copies of every changed card; release with a later time",
        )


def _with_version(path: Path, settings: DeckSettings, version: str) -> bytes:
    """cards/deck.yaml with its `version:` value replaced, every other byte as the educator wrote it."""
    lines = path.read_text(encoding="utf-8").split("\n")
    where = settings.location_of("version")
    line = lines[where.line - 1]
    key_end = line.find(":", where.col - 1)
    value = line.find(settings.version, key_end)
    if key_end < 0 or value < 0:
        raise DeckError.at(where, f"cannot set the version: write 'version: {version}' here by hand, then release")
    lines[where.line - 1] = line[:value] + version + line[value + len(settings.version):]
    return "\n".join(lines).encode("utf-8")


@dataclass(frozen=True)
class LockReview:
    """What a pull request's lock allows that affects students, acknowledged with its flag: released
    by this pull request, or pending for the next release."""

    released: tuple[str, ...]
    pending: tuple[str, ...] = ()


def review_lock(checked: CheckResult, base_lock: Path) -> LockReview:
    """Hold cards/deck.lock against the base branch's lock (CI, on a pull request).

    Between releases the lock may only gain acknowledgements (of changes allowed by their flag,
    for the next release); the cards may differ from it, and `deckgen check` holds them to the
    guards. A pull request that releases must add the release to the lock, descend from the base
    lock (ids, added times, unchanged cards' times, tombstones and earlier releases carry over),
    match its cards exactly, and acknowledge every change the guards know: so a flag given on an
    educator's machine is visible in the pull request's diff and in CI's output.
    """
    from deckgen.release.plan import lock_continuity, released_state

    root = checked.project.root
    lock_path = ProjectPaths(root).lock
    base = read_lock_in(root, base_lock)
    current = read_lock_in(root, lock_path)
    if base is None:
        raise DeckError.in_argument("--lock-base", f"{base_lock} does not exist: give the base branch's lock file")
    if current is None:
        raise DeckError.at(
            Location(display_path(lock_path, root)),
            "cards/deck.lock is missing; restore it from the base branch",
        )
    problems = lock_continuity(base.lock, current.lock, current.location)
    released = []
    if current.lock.releases == base.lock.releases:
        if released_state(current.lock) != released_state(base.lock):
            problems.append(Problem(
                current.location(DECK_ENTRY),
                "cards/deck.lock changed without a release: only 'deckgen release' records cards in it (and a "
                "build with an --allow flag its acknowledgement); restore cards/deck.lock from the base branch",
            ))
        elif not problems:
            made = plan(checked, current, LATEST_RELEASE_TIME, Allowances()).changes
            problems += _acknowledged_in_advance(current, current.lock.acknowledged[len(base.lock.acknowledged):], made)
    else:
        problems += _release_problems(checked, current)
        released = _acknowledged_since(base.lock, current, problems)
    if problems:
        raise DeckError(problems)
    pending = tuple(f"{item.change} ({item.flag})" for item in current.lock.pending)
    return LockReview(tuple(released), pending)


def _release_problems(checked: CheckResult, current: LockFile) -> list[Problem]:
    """A pull request that releases: its lock holds exactly its cards, at the version released."""
    release_plan = plan(checked, current, LATEST_RELEASE_TIME, Allowances())
    last = current.lock.last_release
    if release_plan.unreleased or last is None or last.version != checked.project.settings.version:
        return [Problem(current.location(DECK_ENTRY),
                        "the lock's last release is not the cards as they are: run 'deckgen release VERSION' "
                        "and commit every file it writes")]
    return []


def _acknowledged_since(base: Lock, current: LockFile, problems: list[Problem]) -> list[str]:
    """The changes from `base` that the guards know, each acknowledged in the lock since then."""
    new_releases = {release.version for release in current.lock.releases[len(base.releases):]}
    acknowledged = {(item.flag, item.subject) for item in current.lock.acknowledged if item.version in new_releases}
    released = []
    changes = guards.compare(base, current.lock)
    problems += _acknowledged_in_advance(
        current, tuple(item for item in current.lock.acknowledged if item.version in new_releases),
        frozenset((change.flag, change.subject) for change in changes))
    for change in changes:
        where = current.location(change.subject.lock_entry)
        if change.flag is None:
            problems.append(Problem(where, f"{change.message}; restore cards/deck.lock from the base branch"))
        elif (change.flag, change.subject) not in acknowledged:
            problems.append(Problem(
                where,
                f"{change.summary} since the base branch, but the lock does not acknowledge it: only a build "
                f"or release with {change.flag} allows it, and records it for reviewers; restore cards/deck.lock "
                "from the base branch and release again",
            ))
        else:
            released.append(f"{change.summary} ({change.flag})")
    return released


def _acknowledged_in_advance(current: LockFile, added: tuple[Acknowledged, ...],
                             made: frozenset[tuple[str | None, Subject]]) -> list[Problem]:
    """Acknowledgements added to the lock for a change that the cards (or the release) do not make:
    written in advance, one would let a later pull request make that change with no line of the lock
    changing, so nobody reviewing it would see it."""
    return [
        Problem(current.location(ACKNOWLEDGED_ENTRY),
                f"the lock acknowledges '{item.change}' ({item.flag}), a change the cards do not make: only the "
                "build or release that makes a change records its acknowledgement; restore cards/deck.lock from "
                "the base branch")
        for item in added if (item.flag, item.subject) not in made
    ]

