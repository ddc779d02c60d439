"""One library function per command beyond the pipeline's own (pipeline.py): what `lint`, `stats`,
`diff`, `preview`, `new`, `schema`, `import` and `addon` compute, callable from Python. Nothing here prints or exits;
the CLI parses, calls one of these, and prints what it returns.

The commands an educator needs while cards are still wrong do not stop at the first bad card:
`preview` and `stats` return what they can show with the problems of the rest, and `new` and
`schema` need only deck.yaml and references.yaml to be valid.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deckgen.errors import DeckError, Location, Problem, ProblemCollector, display_path
from deckgen.output import not_a_regular_file
from deckgen.paths import PREVIEW_PORT, ProjectPaths
from deckgen.source.project import load_project, read_deck_files, read_project

# Each function imports the stages it runs: `schema` and `new` need only the deck files read, `lint`
# no release planner, and none of them the packager, the preview or the importer
# (tests/test_import_budget.py).
if TYPE_CHECKING:
    from deckgen.authoring.lint import Finding
    from deckgen.authoring.repository import Requirement
    from deckgen.authoring.scaffold import NewCard
    from deckgen.changes.packaged import PackageContents
    from deckgen.commands.pipeline import CheckResult
    from deckgen.importing.report import ImportResult
    from deckgen.preview.cards import PreviewContent
    from deckgen.preview.serve import PreviewServer
    from deckgen.render.notes import Progress
    from deckgen.render.rendered import PackagedMedia, RenderedDeck
    from deckgen.source.deck import Project


@dataclass(frozen=True)
class LintResult:
    checked: CheckResult
    findings: tuple[Finding, ...]


def lint(root: Path, strict: bool = False, cache: bool = True) -> LintResult:
    """Check the cards as `check` does (through the cache unless not `cache`), then every card-quality rule."""
    from deckgen.authoring.lint import lint_project
    from deckgen.commands.pipeline import check

    checked = check(root, strict, cache=cache)
    return LintResult(checked, tuple(lint_project(checked.project)))


@dataclass(frozen=True)
class Coverage:
    table: str  # Markdown
    problems: tuple[Problem, ...] = ()  # of the cards the table leaves out, as they are


def stats(root: Path, released: bool = False) -> Coverage:
    """The coverage table, as Markdown: notes and cards per subdeck and kind, of the cards as they
    are (the valid ones, with the others' problems) or (`released`) of the last release."""
    from deckgen.authoring.stats import coverage_table, released_coverage_table
    from deckgen.commands.pipeline import read_lock_in
    from deckgen.render.notes import render_deck

    if not released:
        problems = ProblemCollector()
        project = read_project(root, problems)
        deck = render_deck(project, ProjectPaths(root).templates, problems)
        return Coverage(coverage_table(project, deck), problems.found())
    paths = ProjectPaths(root)
    lock = read_lock_in(root, paths.lock)
    if lock is None:
        raise DeckError.at(Location(display_path(paths.lock, root)),
                           "the deck has no release yet: run 'deckgen release'")
    return Coverage(released_coverage_table(lock.lock))


@dataclass(frozen=True)
class CoverageUpdate:
    text: str  # the document with the last release's table
    changed: bool  # False when the document already held that table: nothing to write


def stats_in(root: Path, document: Path) -> CoverageUpdate:
    """`document`'s text with its coverage section replaced by the last release's table."""
    from deckgen.authoring.stats import replace_marked_section

    refused = not_a_regular_file(document)
    if refused is not None and not document.is_dir():  # a folder: reading it says so
        # Before reading: reading a FIFO would wait for a writer for ever.
        raise DeckError.in_argument("--update", f"cannot update {document}: {refused}")
    try:
        text = document.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error
        raise DeckError.in_argument("--update", f"cannot read {document}: {reason}") from None
    updated = replace_marked_section(text, stats(root, released=True).table, str(document))
    return CoverageUpdate(updated, updated != text)


def diff(root: Path, old: Path, new: Path | None = None) -> str:
    """Release notes from `old` to `new` (by default the project's current build)."""
    from deckgen.changes.notes import release_notes
    from deckgen.changes.packaged import read_package

    if new is None:
        new = ProjectPaths(root).package(load_project(root).settings.file_stem)
    return release_notes(read_package(old), read_package(new))


@dataclass(frozen=True)
class Preview:
    checked: CheckResult
    page: str
    cards: int
    output: Path
    problems: tuple[Problem, ...] = ()  # of the cards the page leaves out
    media: tuple[PackagedMedia, ...] = ()  # the images and sounds its cards show, to go beside the page

    def files(self) -> list[tuple[Path, bytes]]:
        """The page and its media beside it, under the names the cards give them (as in the package)."""
        media = [(self.output.parent / item.name, item.path.read_bytes()) for item in self.media]
        return [(self.output, self.page.encode("utf-8")), *media]


def _since(package: Path | None) -> PackageContents | None:
    from deckgen.changes.packaged import read_package

    return read_package(package) if package is not None else None


def _as_previewed(project: Project, deck: RenderedDeck) -> RenderedDeck:
    """The deck with each report link naming the version deck.yaml gives (before any release)."""
    from deckgen.render.rendered import with_versions

    if project.settings.report_url is None:
        return deck
    return replace(deck, notes=with_versions(deck.notes, lambda card_id: project.settings.version))


def preview(root: Path, output: Path | None = None, since: Path | None = None,
            progress: Progress | None = None) -> Preview:
    """Every card that can be shown on one HTML page, and the problems of the others, listed and shown
    on their cards; where the page goes (build/preview.html unless `output` is given). With `since`
    (a released .apkg), the cards added, changed or retired after it are marked. Problems of
    deck.yaml or of a template, without which no card can be shown, are raised."""
    from deckgen.commands.pipeline import CheckResult, refuse_linked_output
    from deckgen.preview.cards import preview_content, with_problems
    from deckgen.preview.page import page_html
    from deckgen.render.notes import render_deck

    paths = ProjectPaths(root)
    refuse_linked_output(paths, output)
    old = _since(since)
    problems = ProblemCollector()
    project = read_project(root, problems)
    deck = _as_previewed(project, render_deck(project, paths.templates, problems, progress))
    content = preview_content(project, deck, old)
    found = problems.found()
    if found:
        content = with_problems(content, DeckError(found), root)
    return Preview(CheckResult(project, deck), page_html(content), content.cards, output or paths.preview, found,
                   deck.media)


def serve_preview(root: Path, port: int = PREVIEW_PORT, since: Path | None = None,
                  on_build: Callable[[PreviewContent, CheckResult | None], None] = lambda content, checked: None,
                  on_error: Callable[[BaseException], None] = lambda error: None) -> PreviewServer:
    """The preview served on 127.0.0.1:`port` (0: any free port) and built again when a card file, a
    template or the CSS changes. Cards with problems keep the last cards without problems on the
    page, with the problems listed and shown on their cards. `on_build` hears of each build (with
    the check, None when it found problems); the caller serves the server and closes it."""
    from deckgen.commands.pipeline import check
    from deckgen.preview.cards import preview_content, with_problems
    from deckgen.preview.maskpage import (
        YAML_ACTION,
        EditorPages,
        editor_pages,
        mask_editors,
        with_editor_links,
        yaml_answer,
    )
    from deckgen.preview.page import page_html
    from deckgen.preview.serve import Page, PreviewServer

    old = _since(since)  # read once: a bad package is the command's error, not the page's
    paths = ProjectPaths(root)
    shown: PreviewContent | None = None  # the last build without problems
    media: dict[str, Path] = {}  # and the images and sounds its cards show
    editors = EditorPages({}, {})  # and its occlusion cards' mask editors
    actions = {YAML_ACTION: yaml_answer}

    def build(version: str) -> Page:
        nonlocal shown, media, editors
        try:
            checked = check(root)
        except DeckError as error:
            content = with_problems(shown, error, root)
            on_build(content, None)
            return Page(page_html(content, version), media, editors.documents, actions)
        occlusions = mask_editors(checked.project.cards)
        shown = with_editor_links(
            preview_content(checked.project, _as_previewed(checked.project, checked.deck), old), occlusions)
        editors = editor_pages(occlusions)
        media = {packaged.name: packaged.path for packaged in checked.deck.media} | editors.media
        on_build(shown, checked)
        return Page(page_html(shown, version), media, editors.documents, actions)

    return PreviewServer(build, (paths.cards, paths.templates), port, on_error)


def new(root: Path, kind: str, subdeck: str) -> NewCard:
    """Append an empty card of `kind` to the subdeck's card file, whatever state the other cards are in."""
    from deckgen.authoring.scaffold import new_card

    settings, _ = read_deck_files(root, ProblemCollector())
    return new_card(root, settings, kind, subdeck)


def schema(root: Path) -> dict[str, Any]:
    """The card file format as JSON Schema, with the project's subdecks and sources when it has any.
    Only `deck.yaml` and `references.yaml` need to be valid: the schema helps most while cards are not."""
    from deckgen.authoring.jsonschema import SchemaContext, card_file_schema

    if not ProjectPaths(root).cards.is_dir():
        return card_file_schema(None)
    problems = ProblemCollector()
    settings, references = read_deck_files(root, problems)
    problems.raise_if_any()
    return card_file_schema(SchemaContext(settings, references))


def import_deck(package: Path, directory: Path, requirement: Requirement | None = None) -> ImportResult:
    """`deckgen import PACKAGE DIR`: a new project made from an Anki package, in a repository whose
    workflows install `requirement`, and its report."""
    from deckgen.importing.writer import import_package

    return import_package(package, directory, requirement)


def addon(root: Path) -> Path:
    """`deckgen addon`: the deck's companion Anki add-on, build/<deck>-updates.ankiaddon, which follows the
    release feed that `feed_url` in deck.yaml names. Only deck.yaml needs to be valid."""
    from deckgen.output import write_files
    from deckgen.updates.addonfile import ADDON_SUFFIX, AddonDeck, addon_bytes

    settings, _ = read_deck_files(root, ProblemCollector())
    if settings.feed_url is None:
        raise DeckError.at(settings.location, "the add-on needs 'feed_url', the address of the release feed it "
                                              "checks: add feed_url: https://github.com/OWNER/REPO/releases/latest/"
                                              "download/latest.json (your deck's repository)")
    report_url = (settings.report_url.fill(**{name: f"{{{name}}}" for _, name in settings.report_url.parts if name})
                  if settings.report_url else None)
    path = ProjectPaths(root).build / f"{settings.slug}{ADDON_SUFFIX}"
    deck = AddonDeck(settings.name, settings.title, settings.deck_id, settings.slug, settings.feed_url,
                     settings.retired_tag, report_url)
    write_files([(path, addon_bytes(deck))], root)
    return path
