"""The `deckgen` command line: the only module that prints or exits.

Exit codes: 0 success, 1 the input is wrong (every problem is listed), 2 a bad command line.
Any other failure is a bug in deckgen and keeps its traceback.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import traceback
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from deckgen.cli.parser import parser as command_line
from deckgen.errors import DeckError, Problem, display_path, printable
from deckgen.output import write_files
from deckgen.paths import PREVIEW_HOST, PREVIEW_PORT

# Each command imports what it runs inside its own function below: `deckgen --help`, `check`,
# `lint` and `schema` never load the packager (genanki), the release planner they do not use, the
# preview's server or the importer (tests/test_import_budget.py holds that).
if TYPE_CHECKING:
    from tqdm import tqdm

    from deckgen.apkg.writer import PackageStats
    from deckgen.authoring.repository import Requirement
    from deckgen.commands.pipeline import CheckResult
    from deckgen.preview.cards import PreviewContent
    from deckgen.release.guards import Allowances
    from deckgen.render.notes import Progress
    from deckgen.source.deck import DeckSettings

EXIT_OK = 0
EXIT_BAD_INPUT = 1
EXIT_BAD_COMMAND_LINE = 2

def _write(path: Path, text: str) -> None:
    write_files([(path, text.encode("utf-8"))], Path.cwd())


def _emit(text: str, output: Path | None) -> None:
    """A command's document: to standard output, or to `output` when given."""
    if output is None:
        print(text, end="")
    else:
        _write(output, text)
        _say(f"wrote {output}")


def _say(text: str, file: TextIO | None = None) -> None:
    """One line for the educator: names from the command line and the file system (a file named
    with a newline and "::error") are shown, never acted on by the terminal or a CI log."""
    print(printable(text), file=file or sys.stdout)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _notes_and_cards(notes: int, cards: int) -> str:
    """How every command counts a deck: notes (what the educator writes) and the Anki cards they make."""
    return f"{_count(notes, 'note')}, {_count(cards, 'card')}"


def _package_counts(stats: PackageStats) -> str:
    return (f"{_notes_and_cards(stats.notes, stats.cards)}, {_count(stats.subdecks, 'subdeck')}, "
            f"{_count(stats.media, 'media file')}")


def _report(error: DeckError) -> int:
    for problem in error.problems:
        print(problem, file=sys.stderr)
    _warn(error.warnings)  # after the errors, as check prints them once the errors are fixed
    warnings = f" and {_count(len(error.warnings), 'warning')}" if error.warnings else ""
    _say(f"{_count(len(error.problems), 'problem')}{warnings} found; nothing was written", file=sys.stderr)
    return EXIT_BAD_INPUT


def _report_left_out(problems: Sequence[Problem], shown_in: str) -> int:
    """The problems of the cards a command could not show; it showed the others."""
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        return EXIT_OK
    _say(f"{_count(len(problems), 'problem')} found; {shown_in} leaves out the cards they are in", file=sys.stderr)
    return EXIT_BAD_INPUT


def _warn(warnings: Iterable[Problem]) -> None:
    for warning in warnings:
        print(warning, file=sys.stderr)


def _warn_allowed(changes: Iterable[str], released: bool) -> None:
    # A build only acknowledges: the change reaches students with the next release.
    said = "released" if released else "the next release makes, on purpose,"
    for change in changes:
        _say(f"warning: {said} a change that affects students: {change}", file=sys.stderr)


# Fewer cards than this go by too fast for a progress line to help.
PROGRESS_FROM_CARDS = 3_000


class _ProgressLine:
    """A progress line on the terminal (tqdm) while a command renders a large deck; nothing when
    standard error is not a terminal (CI logs, pipes) or with -q."""

    def __init__(self) -> None:
        self.bar: tqdm[Any] | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if total < PROGRESS_FROM_CARDS:
            return
        if self.bar is None:
            from tqdm import tqdm  # only where a bar shows: a build in CI or a pipe never loads it

            self.bar = tqdm(total=total, desc=stage, unit=" cards", leave=False, file=sys.stderr)
        self.bar.update(done - self.bar.n)
        if done >= total:
            self.bar.close()
            self.bar = None


def _progress(arguments: argparse.Namespace) -> Progress | None:
    return None if arguments.quiet or not sys.stderr.isatty() else _ProgressLine()


def _allowances(arguments: argparse.Namespace) -> Allowances:
    from deckgen.release.guards import FLAGS, Allowances

    return Allowances(**{allowance: getattr(arguments, allowance) for allowance in FLAGS.values()})


def _warn_template_script(settings: DeckSettings) -> None:
    """Every run says that the deck's templates may run script, where deck.yaml allows it."""
    from deckgen.render.templatepolicy import SCRIPT_ALLOWED

    if settings.allow_template_script:
        print(Problem(settings.location_of("allow_template_script"), f"warning: {SCRIPT_ALLOWED}"), file=sys.stderr)


def _check(arguments: argparse.Namespace) -> int:
    from deckgen.commands.pipeline import review_lock, verify

    result, plan = verify(arguments.project, arguments.strict, _allowances(arguments), _progress(arguments),
                          _cache(arguments))
    _warn_template_script(result.project.settings)
    _warn(result.deck.warnings)
    for change in plan.allowed_changes:
        _say(f"warning: the next release makes, on purpose, a change that affects students: {change}",
             file=sys.stderr)
    if arguments.lock_base is not None:
        for change in review_lock(result, arguments.lock_base).released:
            _say(f"warning: this change releases, on purpose, a change that affects students: {change}",
                 file=sys.stderr)
    notes = result.deck.notes
    counts = _notes_and_cards(len(notes), sum(len(note.ordinals) for note in notes))
    warnings = len(result.deck.warnings)
    outcome = _count(warnings, "warning") if warnings else "no problems"
    _say(f"ok: {counts} in {_count(len(result.project.card_files), 'file')}, {outcome}")
    return EXIT_OK


def _cache(arguments: argparse.Namespace) -> bool:
    """Whether build/.cache/ serves unchanged card files: unless --no-cache or DECKGEN_NO_CACHE is given."""
    return bool(arguments.cache) and os.environ.get("DECKGEN_NO_CACHE", "") in ("", "0")


def _build(arguments: argparse.Namespace) -> int:
    from deckgen.commands.pipeline import UNRELEASED_SUFFIX, build, release_timestamp

    timestamp = release_timestamp(dict(os.environ))
    built = build(arguments.project, timestamp, arguments.output, _allowances(arguments), arguments.frozen,
                  arguments.strict, _progress(arguments), _cache(arguments))
    _warn_template_script(built.checked.project.settings)
    _warn(built.checked.deck.warnings)
    _warn_allowed(built.plan.allowed_changes, released=False)
    _say(f"wrote {built.output}: {_package_counts(built.stats)}")
    if built.output.stem.endswith(UNRELEASED_SUFFIX):
        _say(f"the cards differ from release {built.checked.project.settings.version}, whose package this build "
             "leaves as it is: 'deckgen release VERSION' makes the next release")
    if built.lock_written:
        _say(f"updated {built.lock_path}: commit it with the cards")
    return EXIT_OK


def _release(arguments: argparse.Namespace) -> int:
    from deckgen.commands.pipeline import release, release_timestamp

    released = release(arguments.project, arguments.version, release_timestamp(dict(os.environ)),
                       _allowances(arguments), progress=_progress(arguments))
    _warn_template_script(released.checked.project.settings)
    _warn_allowed(released.plan.allowed_changes, released=True)
    _say(f"released {arguments.version}: wrote {released.output}: {_package_counts(released.stats)}")
    written = "cards/deck.lock, cards/deck.yaml and README.md" if released.readme_updated else \
        "cards/deck.lock and cards/deck.yaml"
    _say(f"commit {written}, then tag the commit v{arguments.version}")
    return EXIT_OK


def _lint(arguments: argparse.Namespace) -> int:
    from deckgen.authoring.lint import ERROR
    from deckgen.commands.tools import lint

    result = lint(arguments.project, arguments.strict, _cache(arguments))
    _warn(result.checked.deck.warnings)
    for finding in result.findings:
        print(finding)
    errors = sum(1 for finding in result.findings if finding.level == ERROR)
    warnings = len(result.findings) - errors
    # The summary counts every line above it: check's warnings (unsafe content) are printed too.
    checked = len(result.checked.deck.warnings)
    said = f"{_count(warnings, 'lint warning')}, {_count(checked, 'check warning')}" if checked else \
        _count(warnings, "warning")
    _say(f"{_count(errors, 'error')}, {said}")
    failed = errors > 0 or (arguments.strict and warnings > 0)
    return EXIT_BAD_INPUT if failed else EXIT_OK


def _stats(arguments: argparse.Namespace) -> int:
    from deckgen.commands import tools

    if arguments.update is None:
        coverage = tools.stats(arguments.project, arguments.released)
        print(coverage.table, end="")
        return _report_left_out(coverage.problems, "the table")
    update = tools.stats_in(arguments.project, arguments.update)
    if not update.changed:  # left as it is: its time and any link to it stay too
        _say(f"the coverage table in {arguments.update} is already the last release's: nothing to update")
        return EXIT_OK
    _write(arguments.update, update.text)
    _say(f"updated the coverage table in {arguments.update}")
    return EXIT_OK


def _diff(arguments: argparse.Namespace) -> int:
    from deckgen.commands.tools import diff

    _emit(diff(arguments.project, arguments.old, arguments.new), arguments.output)
    return EXIT_OK


def _preview(arguments: argparse.Namespace) -> int:
    if arguments.serve:
        return _serve(arguments)
    if arguments.port is not None:
        return _usage_error("preview", "--port needs --serve")
    from deckgen.commands import tools

    preview = tools.preview(arguments.project, arguments.output, arguments.since, _progress(arguments))
    _warn(preview.checked.deck.warnings)
    write_files(preview.files(), Path.cwd())
    shown = _notes_and_cards(len(preview.checked.deck.notes), preview.cards)
    media = f" and {_count(len(preview.media), 'media file')} beside it" if preview.media else ""
    _say(f"wrote {preview.output}{media}: {shown}")
    return _report_left_out(preview.problems, "the preview")


def _usage_error(command: str, message: str) -> int:
    """A mistake on the command line that argparse cannot see: said as argparse says its own."""
    _say(f"deckgen {command}: error: {message}", file=sys.stderr)
    return EXIT_BAD_COMMAND_LINE


def _serve(arguments: argparse.Namespace) -> int:
    from deckgen.commands.tools import serve_preview

    def built(content: PreviewContent, checked: CheckResult | None) -> None:
        if content.problems:
            for problem in content.problems:
                print(problem, file=sys.stderr)
            _say(f"{_count(len(content.problems), 'problem')} found, shown on the page", file=sys.stderr)
            return
        assert checked is not None  # a build without problems is checked
        _warn(checked.deck.warnings)
        _say(f"built the preview: {_notes_and_cards(len(content.notes), content.cards)}")

    def failed(error: BaseException) -> None:  # a bug in deckgen: its traceback, and the server serves on
        traceback.print_exception(error, file=sys.stderr)

    # A server lives on, building again and again: it collects its garbage as usual (main() pauses
    # the collector for commands that end).
    gc.enable()
    port = PREVIEW_PORT if arguments.port is None else arguments.port
    try:
        server = serve_preview(arguments.project, port, arguments.since, built, failed)
    except OSError as error:
        return _usage_error("preview", f"cannot serve on {PREVIEW_HOST}:{port} ({error.strerror}): give another --port")
    with server:
        _say(f"serving the preview at {server.url} (Ctrl-C stops it)")
        sys.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            _say("stopped serving the preview")
    return EXIT_OK


def _init(arguments: argparse.Namespace) -> int:
    from deckgen.authoring.repository import given_requirement
    from deckgen.authoring.scaffold import init_project

    requirement = given_requirement(arguments.deckgen)
    written = init_project(arguments.directory, arguments.name, arguments.title or arguments.name, requirement)
    _say(f"created a deck in {arguments.directory} ({_count(len(written), 'file')})")
    _unknown_requirement(requirement, arguments.directory)
    _say(f"next: cd {arguments.directory} && deckgen build")
    return EXIT_OK


def _unknown_requirement(requirement: Requirement, directory: Path) -> None:
    if not requirement.known:
        _say(f"note: {directory / 'requirements.txt'} installs deckgen from an address to fill in "
             f"({requirement.text}): write where your CI installs deckgen from, or run again with --deckgen",
             file=sys.stderr)


def _import(arguments: argparse.Namespace) -> int:
    from deckgen.authoring.repository import given_requirement
    from deckgen.commands.tools import import_deck

    requirement = given_requirement(arguments.deckgen)
    result = import_deck(arguments.package, arguments.directory, requirement)
    for entry in result.report:
        what = (f"the sanitiser would remove {entry.removed}" if entry.removed
                else "reads differently once converted: check it")
        _say(f"{arguments.directory / entry.file}: card '{entry.card_id}', field '{entry.field}': {what}")
    for removal in result.removed_from_templates:
        _say(f"{arguments.directory / removal.file}: removed {', '.join(removal.removed)}")
    for problem in result.problems:
        print(problem, file=sys.stderr)
    _say(f"imported {_count(result.notes, 'note')} of {_count(result.note_types, 'note type')} into "
         f"{arguments.directory} ({_count(result.subdecks, 'subdeck')}, {_count(result.media, 'media file')}); "
         f"report: {result.report_path}")
    _unknown_requirement(requirement, arguments.directory)
    _say(f"next: cd {arguments.directory} && deckgen check --strict")
    return EXIT_OK


def _publish(arguments: argparse.Namespace) -> int:
    from deckgen.commands.pipeline import release_timestamp
    from deckgen.commands.publish import publish

    published = publish(arguments.project, arguments.tag, arguments.previous, arguments.out,
                        release_timestamp(dict(os.environ)))
    _say(f"{published.sha256}  {published.package}")
    _say(f"wrote {published.notes}")
    if published.feed:
        _say(f"wrote {published.feed}")
    return EXIT_OK


def _addon(arguments: argparse.Namespace) -> int:
    from deckgen.commands.tools import addon

    path = addon(arguments.project)
    _say(f"wrote {display_path(path, arguments.project)}: students install it once with Tools > Add-ons > "
         "Install from file")
    return EXIT_OK


def _new(arguments: argparse.Namespace) -> int:
    from deckgen.commands.tools import new

    added = new(arguments.project, arguments.kind, arguments.subdeck)
    where = display_path(added.path, arguments.project)
    _say(f"added card '{added.card_id}' at {where}:{added.line}: fill in its fields, then run deckgen check")
    return EXIT_OK


def _export(arguments: argparse.Namespace) -> int:
    from deckgen.commands.cards import export_csv  # only this command writes tables

    written = export_csv(arguments.project, arguments.output)
    _say(f"wrote {display_path(written, arguments.project)}: every card, one a row; it reads back as a card file")
    return EXIT_OK


def _import_cards(arguments: argparse.Namespace) -> int:
    from deckgen.commands.cards import import_cards  # only this command reads other tools' exports

    imported = import_cards(arguments.project, arguments.file, arguments.subdeck)
    where = display_path(imported.path, arguments.project)
    _say(f"wrote {_count(imported.cards, 'card')} to {where}: read them, then run deckgen check --strict")
    return EXIT_OK


def _schema(arguments: argparse.Namespace) -> int:
    from deckgen.commands.tools import schema

    _emit(json.dumps(schema(arguments.project), indent=2, ensure_ascii=False) + "\n", arguments.output)
    return EXIT_OK


_COMMANDS = {
    "addon": _addon, "build": _build, "check": _check, "diff": _diff, "export": _export, "import": _import,
    "import-cards": _import_cards, "init": _init, "lint": _lint, "new": _new,
    "preview": _preview, "publish": _publish, "release": _release, "schema": _schema, "stats": _stats,
}


@contextmanager
def _cyclic_garbage_collection_paused() -> Iterator[None]:
    """A command makes millions of small objects that live until it ends; Python's cycle collector
    would scan them again and again (half the time of a 20,000-card build). Reference counting
    still frees everything else. Paused here, at the edge of the process, for one command."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def main(argv: Sequence[str] | None = None) -> int:
    parser, parsers = command_line()
    arguments = parser.parse_args(argv)
    try:
        with _cyclic_garbage_collection_paused():
            return _COMMANDS[arguments.command](arguments)
    except DeckError as error:
        if error.argument is not None:  # a value on the command line: argparse's usage and exit 2
            parsers[arguments.command].error(printable(f"argument {error.argument}: {'; '.join(error.messages)}"))
        return _report(error)
