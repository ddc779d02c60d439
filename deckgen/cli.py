"""The `deckgen` command line: the only module that prints or exits.

Exit codes: 0 success, 1 the input is wrong (every problem is listed), 2 a bad command line.
Any other failure is a bug in deckgen and keeps its traceback.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import sys
import traceback
from contextlib import contextmanager
from pathlib import Path
from typing import Sequence

from tqdm import tqdm

from deckgen import __version__, commands
from deckgen.build import build, release, release_timestamp, review_lock, verify
from deckgen.errors import DeckError, display_path, printable
from deckgen.guards import FLAGS, Allowances
from deckgen.kinds import KINDS
from deckgen.lint import ERROR, RULES
from deckgen.output import write_files
from deckgen.paths import BUILD_DIR, PREVIEW_FILE
from deckgen.render import Progress
from deckgen.scaffold import init_project
from deckgen.serve import DEFAULT_PORT, HOST

EXIT_OK = 0
EXIT_BAD_INPUT = 1
EXIT_BAD_COMMAND_LINE = 2

# What each of the guards' flags (guards.FLAGS) lets a release do, in the educator's words.
_ALLOW_HELP = {
    "--allow-note-type-change": "release a change to a note type's fields or card templates "
    "(students must tick 'Merge note types' when importing)",
    "--allow-deck-change": "release a renamed deck or subdeck, or cards moved to another subdeck "
    "(students' copies stay where they are)",
    "--allow-card-removal": "release with cards removed instead of retired (they stay in students' collections)",
    "--allow-id-reuse": "release a card under the id of a retired or removed card",
    "--allow-renumbering": "release list items or cloze deletions removed or renumbered "
    "(students' reviews move to other items)",
}

_BUILD_HELP = """\
A development build: load, validate and render every card, then write the deck
to build/ as one .apkg named after the deck and its version (build/ipt-0.1.0.apkg),
to look at or import yourself. Nothing is written when any card has a problem;
every problem is listed as file:line:col: message.

A build releases nothing: cards/deck.lock, which records every release, is not
changed (only an --allow-... flag records its acknowledgement there). Cards
changed since the last release get the build's time in the package
(SOURCE_DATE_EPOCH when set, else now). Changes that would hurt students who
re-import the deck (a note type's fields or templates, a renamed deck or subdeck,
a card moved to another subdeck, a released card removed, a reused id, list items
or cloze deletions removed or renumbered) are refused unless the matching
--allow-... flag is given; a changed deck id, note-type id or card kind is always
refused. With --frozen (the release workflow) the cards must be exactly those of
the last release, and the package is that release's, byte for byte.

examples:
  deckgen build
  deckgen build --project path/to/deck --output dist/
  deckgen build --frozen
  deckgen build --allow-renumbering
"""

_RELEASE_HELP = """\
Release the deck as VERSION: every card changed since the last release is stamped
with the release time (SOURCE_DATE_EPOCH when set, else now; it must be later than
the last release's), the release is recorded in cards/deck.lock, version: in
cards/deck.yaml is set, the coverage table in README.md (if it has one) is
updated, and build/<name>-VERSION.apkg is written. Commit those files and tag the
commit vVERSION: the release workflow rebuilds the same bytes and publishes them.
Checks are strict, and the guards of build apply, with the same --allow-... flags.

examples:
  deckgen release 1.1.0
  SOURCE_DATE_EPOCH=1764900000 deckgen release 2.0.0 --allow-renumbering
"""

_LINT_HELP = """\
Check the cards, then report card-quality problems: the rules of formulating
knowledge for spaced repetition (one fact per card, sets as list cards, every
card cited, ...). Each finding is file:line:col: level CODE rule: message.
Exit 1 when any finding is an error (with --strict: any finding at all).

rules:
{rules}

examples:
  deckgen lint
  deckgen lint --strict
"""

_STATS_HELP = """\
Print the deck's coverage as a Markdown table: notes and cards per subdeck and
notes per kind, of the cards as they are, or with --released of the last release
(as cards/deck.lock records it). With --update FILE, replace the table between
the lines <!-- deckgen stats: start --> and <!-- deckgen stats: end --> in FILE
with the last release's table; deckgen release does that for README.md. Cards
with a problem are left out of the table of the cards as they are, and their
problems listed (exit 1).

examples:
  deckgen stats
  deckgen stats --released
  deckgen stats --update README.md
"""

_DIFF_HELP = """\
Print release notes in Markdown for going from OLD.apkg to NEW.apkg: what
students must do (if anything), and the cards added, changed, retired and
removed, with note-type and deck changes. NEW defaults to the project's
current build (build/<name>-<version>.apkg).

examples:
  deckgen diff ipt-0.1.0.apkg build/ipt-0.2.0.apkg
  deckgen diff previous-release.apkg --output RELEASE-NOTES.md
"""

_PREVIEW_HELP = """\
Check the cards, then write every card's front and back, as Anki shows them and
styled by the deck's own CSS, to one HTML page to open in a browser: a quick look
at new cards without importing them into Anki. The page has contents by subdeck,
each card's id and file:line, a search box, filters (subdeck, tag, kind), a
day/night switch and a phone-width view. It loads nothing from the network.

With --since OLD.apkg (the last release), cards added, changed or retired since
then are marked. With --serve, nothing is written: the page is served on
http://127.0.0.1:PORT/ (this machine only) and the open page reloads whenever a
card file, a template or the CSS changes; cards with problems show them in
place. Ctrl-C stops it. Without --serve, a card with a problem is left out and
its problem listed (exit 1); the page shows every other card.

examples:
  deckgen preview
  deckgen preview --output /tmp/cards.html
  deckgen preview --since ipt-0.1.0.apkg
  deckgen preview --serve
  deckgen preview --serve --port 8001 --since ipt-0.1.0.apkg
"""

_INIT_HELP = """\
Start a new deck in DIR: cards/deck.yaml with ids of its own, a references file,
one example card, the default templates and a README.md saying what each file is
(unless DIR has one). The new project builds at once.

examples:
  deckgen init my-deck --name Pharmacology --title "Pharmacology for nurses"
  cd my-deck && deckgen build
"""

_IMPORT_HELP = """\
Make a deckgen project in DIR from an Anki package: every note type declared in
cards/deck.yaml (same ids, fields and card templates), every note a card with its
GUID, every subdeck, tag and media file. The lock is written with the package's
times, so the first release updates none of the students' notes. Fields holding
HTML that cards may not use (script, styles, unknown tags) are kept as written and
listed, on the screen and in DIR/import-report.md, for you to decide.

examples:
  deckgen import pharmacology.apkg pharmacology
  cd pharmacology && deckgen check --strict
"""

_NEW_HELP = """\
Add an empty card of KIND to the end of cards/<subdeck>.yaml (the file is made if
missing) under a new id, and say where it is. Its fields are left empty on
purpose: 'deckgen check' points at each one still to write. Only cards/deck.yaml
must be valid: cards still being written elsewhere do not stop a new one. Rename the id to say
what the card asks before the card is first released.

examples:
  deckgen new basic --subdeck founders
  deckgen new list --subdeck problem-areas
"""

_SCHEMA_HELP = """\
Print the card file format as JSON Schema, with the project's subdeck and
reference keys filled in, for editors that check YAML as you type (for example
VS Code's YAML extension): they then flag a misspelt key or an unknown subdeck
before 'deckgen check' runs. Write it to a file and point a card file at it with
a first line '# yaml-language-server: $schema=../build/cards.schema.json'.
Only cards/deck.yaml and cards/references.yaml must be valid: the schema works
while cards still have errors.

examples:
  deckgen schema --output build/cards.schema.json
  deckgen schema
"""

_CHECK_HELP = """\
Do everything a build does except write: read, validate and render every card.
Exit 0 when the cards are valid, 1 when not, listing every problem.

With --lock-base FILE (CI, on a pull request: the base branch's cards/deck.lock),
also check that cards/deck.lock descends from FILE by deckgen builds: the release
guards compare with the committed lock, so a lock that was deleted, regenerated
or edited by hand would switch them off.

examples:
  deckgen check
  deckgen check --project path/to/deck
  git show origin/main:cards/deck.lock > base.lock && deckgen check --lock-base base.lock
"""


def _parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The command line, and each command's own parser (for its usage in a command-line error)."""
    parser = argparse.ArgumentParser(
        prog="deckgen",
        description="Turn YAML card definitions into an Anki deck (.apkg) through Jinja templates.",
        epilog="examples:\n  deckgen check\n  deckgen build\n  deckgen build --help",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"deckgen {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    parsers: dict[str, argparse.ArgumentParser] = {}

    def command(name: str, summary: str, text: str) -> argparse.ArgumentParser:
        sub = parsers[name] = commands.add_parser(
            name, help=summary, description=text, formatter_class=argparse.RawDescriptionHelpFormatter
        )
        sub.add_argument(
            "--project", type=Path, default=Path("."), metavar="DIR",
            help="the project folder, holding cards/ and templates/ (default: the current folder)",
        )
        return sub

    _pipeline_commands(command)
    _document_commands(command)
    _scaffold_commands(command)
    for name in ("build", "check", "release", "preview"):
        commands.choices[name].add_argument(
            "-q", "--quiet", action="store_true", help="no progress line while a large deck is rendered",
        )
    return parser, parsers


def _pipeline_commands(command) -> None:
    build_command = command("build", "validate the cards and write the .apkg", _BUILD_HELP)
    build_command.add_argument(
        "--output", type=Path, metavar="DIR", help=f"where to write the .apkg (default: PROJECT/{BUILD_DIR})"
    )
    build_command.add_argument(
        "--frozen", action="store_true",
        help="refuse to build when cards/deck.lock is out of date with the cards (for CI releases)",
    )
    release_command = command("release", "release the deck: record the release and write its .apkg", _RELEASE_HELP)
    release_command.add_argument("version", metavar="VERSION", help="the new version, like 1.2.0")
    check_command = command("check", "validate the cards without writing anything", _CHECK_HELP)
    for guarded in (build_command, release_command, check_command):
        for flag, allowance in FLAGS.items():
            guarded.add_argument(flag, dest=allowance, action="store_true", help=_ALLOW_HELP[flag])
    check_command.add_argument(
        "--lock-base", type=Path, metavar="FILE",
        help="a lock file that cards/deck.lock must descend from (the base branch's, in CI)",
    )
    for strict_command in (build_command, check_command):
        strict_command.add_argument(
            "--strict", action="store_true",
            help="treat warnings (unsafe content removed from a card) as errors",
        )
    rules = "\n".join(f"  {rule.code} {rule.name} ({rule.level}): {rule.summary}" for rule in RULES)
    lint_command = command("lint", "report card-quality problems", _LINT_HELP.format(rules=rules))
    lint_command.add_argument("--strict", action="store_true", help="fail on warnings and lint warnings too")


def _document_commands(command) -> None:
    diff_command = command("diff", "release notes between two .apkg files", _DIFF_HELP)
    diff_command.add_argument("old", type=Path, metavar="OLD.apkg", help="the previous release")
    diff_command.add_argument("new", type=Path, metavar="NEW.apkg", nargs="?", help="the new release")
    diff_command.add_argument("--output", type=Path, metavar="FILE", help="write the notes to FILE")
    preview_command = command("preview", "write every card to one HTML page, or serve it live", _PREVIEW_HELP)
    where = preview_command.add_mutually_exclusive_group()
    where.add_argument(
        "--output", type=Path, metavar="FILE",
        help=f"where to write the page (default: PROJECT/{BUILD_DIR}/{PREVIEW_FILE})",
    )
    where.add_argument(
        "--serve", action="store_true",
        help="serve the page on 127.0.0.1 and reload it when the cards, templates or CSS change",
    )
    preview_command.add_argument(
        "--port", type=_port, metavar="N",
        help=f"the port --serve listens on (default: {DEFAULT_PORT}; 0: any free port)",
    )
    preview_command.add_argument(
        "--since", type=Path, metavar="OLD.apkg", help="mark the cards added, changed or retired since this release",
    )
    schema_command = command("schema", "print the card file format as JSON Schema", _SCHEMA_HELP)
    schema_command.add_argument("--output", type=Path, metavar="FILE", help="write the schema to FILE")
    stats_command = command("stats", "print notes and cards per subdeck and kind", _STATS_HELP)
    stats_command.add_argument(
        "--released", action="store_true", help="the table of the last release (from cards/deck.lock)"
    )
    stats_command.add_argument(
        "--update", type=Path, metavar="FILE",
        help="replace the coverage section of FILE with the last release's table (deckgen release does this)",
    )


def _port(text: str) -> int:
    if not re.fullmatch(r"[0-9]{1,5}", text) or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"a port is a whole number from 0 to 65535, got '{text}'")
    return int(text)


def _scaffold_commands(command) -> None:
    init_command = command("init", "start a new deck in a folder", _INIT_HELP)
    init_command.add_argument("directory", type=Path, metavar="DIR", help="the folder of the new project")
    init_command.add_argument("--name", default="My deck", help="the Anki deck name (default: My deck)")
    init_command.add_argument("--title", help="the deck's title (default: the name)")
    import_command = command("import", "make a project from an existing Anki deck (.apkg)", _IMPORT_HELP)
    import_command.add_argument("package", type=Path, metavar="PACKAGE", help="the .apkg exported from Anki")
    import_command.add_argument("directory", type=Path, metavar="DIR", help="the folder of the new project")
    new_command = command("new", "add an empty card to a card file", _NEW_HELP)
    new_command.add_argument("kind", choices=KINDS, help="the kind of card")
    new_command.add_argument("--subdeck", required=True, metavar="KEY", help="a subdeck key of cards/deck.yaml")


def _write(path: Path, text: str) -> None:
    write_files([(path, text.encode("utf-8"))], Path.cwd())


def _emit(text: str, output: Path | None) -> None:
    """A command's document: to standard output, or to `output` when given."""
    if output is None:
        print(text, end="")
    else:
        _write(output, text)
        _say(f"wrote {output}")


def _say(text: str, file=None) -> None:
    """One line for the educator: names from the command line and the file system (a file named
    with a newline and "::error") are shown, never acted on by the terminal or a CI log."""
    print(printable(text), file=file or sys.stdout)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _notes_and_cards(notes: int, cards: int) -> str:
    """How every command counts a deck: notes (what the educator writes) and the Anki cards they make."""
    return f"{_count(notes, 'note')}, {_count(cards, 'card')}"


def _package_counts(stats) -> str:
    return (f"{_notes_and_cards(stats.notes, stats.cards)}, {_count(stats.subdecks, 'subdeck')}, "
            f"{_count(stats.media, 'media file')}")


def _report(error: DeckError) -> int:
    for problem in error.problems:
        print(problem, file=sys.stderr)
    _say(f"{_count(len(error.problems), 'problem')} found; nothing was written", file=sys.stderr)
    return EXIT_BAD_INPUT


def _report_left_out(problems, shown_in: str) -> int:
    """The problems of the cards a command could not show; it showed the others."""
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        return EXIT_OK
    _say(f"{_count(len(problems), 'problem')} found; {shown_in} leaves out the cards they are in", file=sys.stderr)
    return EXIT_BAD_INPUT


def _warn(warnings) -> None:
    for warning in warnings:
        print(warning, file=sys.stderr)


def _warn_allowed(changes) -> None:
    for change in changes:
        _say(f"warning: released a change that affects students: {change}", file=sys.stderr)


# Fewer cards than this go by too fast for a progress line to help.
PROGRESS_FROM_CARDS = 3_000


class _ProgressLine:
    """A progress line on the terminal (tqdm) while a command renders a large deck; nothing when
    standard error is not a terminal (CI logs, pipes) or with -q."""

    def __init__(self) -> None:
        self.bar = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if total < PROGRESS_FROM_CARDS:
            return
        if self.bar is None:
            self.bar = tqdm(total=total, desc=stage, unit=" cards", leave=False, file=sys.stderr)
        self.bar.update(done - self.bar.n)
        if done >= total:
            self.bar.close()
            self.bar = None


def _progress(arguments: argparse.Namespace) -> Progress | None:
    return None if arguments.quiet or not sys.stderr.isatty() else _ProgressLine()


def _allowances(arguments: argparse.Namespace) -> Allowances:
    return Allowances(**{allowance: getattr(arguments, allowance) for allowance in FLAGS.values()})


def _check(arguments: argparse.Namespace) -> int:
    result, plan = verify(arguments.project, arguments.strict, _allowances(arguments), _progress(arguments))
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


def _build(arguments: argparse.Namespace) -> int:
    timestamp = release_timestamp(dict(os.environ))
    built = build(arguments.project, timestamp, arguments.output, _allowances(arguments), arguments.frozen,
                  arguments.strict, _progress(arguments))
    _warn(built.checked.deck.warnings)
    _warn_allowed(built.plan.allowed_changes)
    _say(f"wrote {built.output}: {_package_counts(built.stats)}")
    if built.lock_written:
        _say(f"updated {built.lock_path}: commit it with the cards")
    return EXIT_OK


def _release(arguments: argparse.Namespace) -> int:
    released = release(arguments.project, arguments.version, release_timestamp(dict(os.environ)),
                       _allowances(arguments), progress=_progress(arguments))
    _warn_allowed(released.plan.allowed_changes)
    _say(f"released {arguments.version}: wrote {released.output}: {_package_counts(released.stats)}")
    _say(f"commit cards/deck.lock, cards/deck.yaml and README.md, then tag the commit v{arguments.version}")
    return EXIT_OK


def _lint(arguments: argparse.Namespace) -> int:
    result = commands.lint(arguments.project, arguments.strict)
    _warn(result.checked.deck.warnings)
    for finding in result.findings:
        print(finding)
    errors = sum(1 for finding in result.findings if finding.level == ERROR)
    warnings = len(result.findings) - errors
    _say(f"{_count(errors, 'error')}, {_count(warnings, 'warning')}")
    failed = errors > 0 or (arguments.strict and warnings > 0)
    return EXIT_BAD_INPUT if failed else EXIT_OK


def _stats(arguments: argparse.Namespace) -> int:
    if arguments.update is None:
        coverage = commands.stats(arguments.project, arguments.released)
        print(coverage.table, end="")
        return _report_left_out(coverage.problems, "the table")
    _write(arguments.update, commands.stats_in(arguments.project, arguments.update))
    _say(f"updated the coverage table in {arguments.update}")
    return EXIT_OK


def _diff(arguments: argparse.Namespace) -> int:
    _emit(commands.diff(arguments.project, arguments.old, arguments.new), arguments.output)
    return EXIT_OK


def _preview(arguments: argparse.Namespace) -> int:
    if arguments.serve:
        return _serve(arguments)
    if arguments.port is not None:
        return _usage_error("preview", "--port needs --serve")
    preview = commands.preview(arguments.project, arguments.output, arguments.since, _progress(arguments))
    _warn(preview.checked.deck.warnings)
    _write(preview.output, preview.page)
    _say(f"wrote {preview.output}: {_notes_and_cards(len(preview.checked.deck.notes), preview.cards)}")
    return _report_left_out(preview.problems, "the preview")


def _usage_error(command: str, message: str) -> int:
    """A mistake on the command line that argparse cannot see: said as argparse says its own."""
    _say(f"deckgen {command}: error: {message}", file=sys.stderr)
    return EXIT_BAD_COMMAND_LINE


def _serve(arguments: argparse.Namespace) -> int:
    def built(content, checked) -> None:
        if content.problems:
            for problem in content.problems:
                print(problem, file=sys.stderr)
            _say(f"{_count(len(content.problems), 'problem')} found, shown on the page", file=sys.stderr)
            return
        _warn(checked.deck.warnings)
        _say(f"built the preview: {_notes_and_cards(len(content.notes), content.cards)}")

    def failed(error: BaseException) -> None:  # a bug in deckgen: its traceback, and the server serves on
        traceback.print_exception(error, file=sys.stderr)

    # A server lives on, building again and again: it collects its garbage as usual (main() pauses
    # the collector for commands that end).
    gc.enable()
    port = DEFAULT_PORT if arguments.port is None else arguments.port
    try:
        server = commands.serve_preview(arguments.project, port, arguments.since, built, failed)
    except OSError as error:
        return _usage_error("preview", f"cannot serve on {HOST}:{port} ({error.strerror}): give another --port")
    with server:
        _say(f"serving the preview at {server.url} (Ctrl-C stops it)")
        sys.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            _say("stopped serving the preview")
    return EXIT_OK


def _init(arguments: argparse.Namespace) -> int:
    written = init_project(arguments.directory, arguments.name, arguments.title or arguments.name)
    _say(f"created a deck in {arguments.directory} ({_count(len(written), 'file')})")
    _say(f"next: cd {arguments.directory} && deckgen build")
    return EXIT_OK


def _import(arguments: argparse.Namespace) -> int:
    result = commands.import_deck(arguments.package, arguments.directory)
    for entry in result.report:
        what = (f"the sanitiser would remove {entry.removed}" if entry.removed
                else "reads differently once converted: check it")
        _say(f"{arguments.directory / entry.file}: card '{entry.card_id}', field '{entry.field}': {what}")
    for problem in result.problems:
        print(problem, file=sys.stderr)
    _say(f"imported {_count(result.notes, 'note')} of {_count(result.note_types, 'note type')} into "
         f"{arguments.directory} ({_count(result.subdecks, 'subdeck')}, {_count(result.media, 'media file')}); "
         f"report: {result.report_path}")
    _say(f"next: cd {arguments.directory} && deckgen check --strict")
    return EXIT_OK


def _new(arguments: argparse.Namespace) -> int:
    added = commands.new(arguments.project, arguments.kind, arguments.subdeck)
    where = display_path(added.path, arguments.project)
    _say(f"added card '{added.card_id}' at {where}:{added.line}: fill in its fields, then run deckgen check")
    return EXIT_OK


def _schema(arguments: argparse.Namespace) -> int:
    _emit(json.dumps(commands.schema(arguments.project), indent=2, ensure_ascii=False) + "\n", arguments.output)
    return EXIT_OK


_COMMANDS = {
    "build": _build, "check": _check, "diff": _diff, "import": _import, "init": _init, "lint": _lint, "new": _new,
    "preview": _preview, "release": _release, "schema": _schema, "stats": _stats,
}


@contextmanager
def _cyclic_garbage_collection_paused():
    """A command makes millions of small objects that live until it ends; Python's cycle collector
    would scan them again and again (half the time of a 20,000-card build). Reference counting
    still frees everything else. Paused here, at the edge of the process, for one command."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def main(argv: Sequence[str] | None = None) -> int:
    parser, parsers = _parser()
    arguments = parser.parse_args(argv)
    try:
        with _cyclic_garbage_collection_paused():
            return _COMMANDS[arguments.command](arguments)
    except DeckError as error:
        if error.argument is not None:  # a value on the command line: argparse's usage and exit 2
            parsers[arguments.command].error(printable(f"argument {error.argument}: {'; '.join(error.messages)}"))
        return _report(error)
