"""The command line's grammar: its commands, their arguments and the help each shows.

main.py runs the commands; this module only describes them, so that their help reads as one text.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path

from deckgen import __version__
from deckgen.paths import BUILD_DIR, PREVIEW_FILE, PREVIEW_PORT
from deckgen.release.guards import FLAGS

# What each of the guards' flags (guards.FLAGS) lets a release do, in the educator's words.
_ALLOW_HELP = {
    "--allow-note-type-change": "release a change to a note type's fields or card templates "
    "(students must tick 'Merge note types' when importing)",
    "--allow-deck-change": "release a renamed deck or subdeck, or cards moved to another subdeck "
    "(students' copies stay where they are)",
    "--allow-card-removal": "release with cards removed instead of retired (they stay in students' collections)",
    "--allow-id-reuse": "release a card under the id, or the GUID, of another card released earlier "
    "(students' copy of that card is overwritten)",
    "--allow-renumbering": "release list items or cloze deletions removed or renumbered "
    "(students' reviews move to other items)",
    "--allow-guid-change": "release a card whose GUID changed (students get it again as a new card and keep "
    "the old copy)",
    "--allow-repositioning": "renumber every card's position in the new-card queue when a card has no room "
    "left between its neighbours (students who have the deck keep their old positions)",
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
a card moved to another subdeck, a released card removed, a reused id or GUID, a
released card's GUID changed, list items or cloze deletions removed or renumbered)
are refused unless the matching --allow-... flag is given; a changed deck id,
note-type id or card kind, and two cards with one GUID, are always refused. With
--frozen (the release workflow) the cards must be exactly those of the last
release, and the package is that release's, byte for byte.

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
one example card and the default templates, in a whole repository: the CI and
release workflows (.github/workflows/), requirements.txt (the deckgen they
install: this one, unless --deckgen says otherwise), .gitignore, cards/media/,
CHANGELOG.md and a README.md for the deck's students and educators. Files DIR
already has (a fresh clone's README.md) are kept. The new project builds at once.

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
listed, on the screen and in DIR/import-report.md, for you to decide. The
repository around the project is made as by 'deckgen init'.

examples:
  deckgen import pharmacology.apkg pharmacology
  cd pharmacology && deckgen check --strict
"""

_PUBLISH_HELP = """\
What a deck's release workflow runs on a version tag, in a checkout of the tag:
check that TAG is the deck's release (version: in cards/deck.yaml), rebuild it
with 'build --frozen --strict' (the release's very bytes) into OUT_DIR, and write
OUT_DIR/RELEASE-NOTES.md: the changes since the previous release's package (the
one .apkg in PREVIOUS_DIR; none, or a missing folder, for a first release) and
the version's section of CHANGELOG.md. The workflow then publishes both.

examples:
  deckgen publish v1.2.0 previous dist
"""

_ADDON_HELP = """\
Write build/<deck>-updates.ankiaddon: an Anki desktop add-on, made for this deck,
that checks the release feed named by feed_url in cards/deck.yaml (the latest.json
that 'deckgen publish' writes beside each release) at start-up and from the Tools
menu, and imports each new release with the options the deck needs. Students
install it once (Tools > Add-ons > Install from file); see the README.

examples:
  deckgen addon
"""

_NEW_HELP = """\
Add an empty card of KIND to the end of cards/<subdeck>.yaml (the file is made if
missing) under a new id, and say where it is. Its fields are left empty on
purpose: 'deckgen check' points at each one still to write. Only cards/deck.yaml
must be valid: cards still being written elsewhere do not stop a new one. Rename the id to say
what the card asks before the card is first released.

KIND is one of the built-in kinds:
{kinds}
or a note type of the project's own: the name cards/deck.yaml declares it under in
'note_types' (the card then has a key for each of its fields).

examples:
  deckgen new basic --subdeck founders
  deckgen new list --subdeck problem-areas
  deckgen new drug --subdeck cardiovascular
"""

_EXPORT_HELP = """\
Write every card of the deck to one CSV file, to read and review in a spreadsheet: one row a card,
in course order, a column for each key (as YAML spells it). Saved under cards/ as NAME.csv, the
table is a card file itself and builds the same cards (README: Spreadsheets).

examples:
  deckgen export csv
  deckgen export csv --output review.csv
"""

_IMPORT_CARDS_HELP = """\
Add the cards of another tool's text export to this project, as a new card file
cards/FILE.yaml of the subdeck given: Anki's "Notes in Plain Text" export (its note types
Basic, Basic (and reversed card), Basic (type in the answer) and Cloze; each note keeps its GUID,
so students who have it keep their reviews) or Quizlet's export (term, a tab, definition).
Read the cards, give each a source, then run deckgen check --strict.

examples:
  deckgen import-cards "Biology set.txt" --subdeck cells
  deckgen import-cards notes.txt --subdeck founders
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


class _CommandParser(argparse.ArgumentParser):
    """A command's parser, whose help text may be written only when it is shown: `deckgen lint --help`
    lists the lint rules, and no other command needs to import them (nor the markup they read)."""

    help_text: Callable[[], str] | None = None

    def format_help(self) -> str:
        if self.help_text is not None:
            self.description, self.help_text = self.help_text(), None
        return super().format_help()


def _lint_help() -> str:
    from deckgen.authoring.lint import RULES

    rules = "\n".join(f"  {rule.code} {rule.name} ({rule.level}): {rule.summary}" for rule in RULES)
    return _LINT_HELP.format(rules=rules)


def _new_help() -> str:
    from deckgen.source.kinds import KINDS

    return _NEW_HELP.format(kinds="\n".join(f"  {kind.name:<9} {kind.summary}" for kind in KINDS.values()))


def parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The command line, and each command's own parser (for its usage in a command-line error)."""
    parser = argparse.ArgumentParser(
        prog="deckgen",
        description="Turn YAML card definitions into an Anki deck (.apkg) through Jinja templates.",
        epilog="examples:\n  deckgen check\n  deckgen build\n  deckgen build --help",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"deckgen {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=_CommandParser)
    parsers: dict[str, argparse.ArgumentParser] = {}

    def command(name: str, summary: str, text: str | Callable[[], str], project: bool = True) -> _CommandParser:
        """A command; with `project`, one that works on an existing project (--project). Its help text
        is a function where writing it needs a module that the command line should not import."""
        sub = parsers[name] = commands.add_parser(
            name, help=summary, description=text if isinstance(text, str) else None,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        assert isinstance(sub, _CommandParser)
        sub.help_text = None if isinstance(text, str) else text
        if project:
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


# Adds a command: its name, summary and help text, and whether it works on a project (--project).
_Command = Callable[..., argparse.ArgumentParser]


def _pipeline_commands(command: _Command) -> None:
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
    check_command = command("check", "validate the cards, writing nothing but the cache", _CHECK_HELP)
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
    lint_command = command("lint", "report card-quality problems", _lint_help)
    lint_command.add_argument("--strict", action="store_true", help="fail on warnings and lint warnings too")
    for cached_command in (build_command, check_command, lint_command):
        cached_command.add_argument(
            "--no-cache", dest="cache", action="store_false",
            help=f"read and render every card file again, not taking unchanged ones from {BUILD_DIR}/.cache/ "
                 "(also: DECKGEN_NO_CACHE=1)",
        )


def _document_commands(command: _Command) -> None:
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
        help=f"the port --serve listens on (default: {PREVIEW_PORT}; 0: any free port)",
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


def _scaffold_commands(command: _Command) -> None:
    init_command = command("init", "start a new deck in a folder", _INIT_HELP, project=False)
    init_command.add_argument("directory", type=Path, metavar="DIR", help="the folder of the new project")
    init_command.add_argument("--name", default="My deck", help="the Anki deck name (default: My deck)")
    init_command.add_argument("--title", help="the deck's title (default: the name)")
    import_command = command("import", "make a project from an existing Anki deck (.apkg)", _IMPORT_HELP, project=False)
    import_command.add_argument("package", type=Path, metavar="PACKAGE", help="the .apkg exported from Anki")
    import_command.add_argument("directory", type=Path, metavar="DIR", help="the folder of the new project")
    for repository_command in (init_command, import_command):
        repository_command.add_argument(
            "--deckgen", metavar="REQUIREMENT",
            help="the deckgen the repository's CI installs, as a pip requirement written to requirements.txt "
                 "(default: this deckgen, from its git repository)",
        )
    publish_command = command("publish", "rebuild a tagged release and write its notes (release workflow)",
                              _PUBLISH_HELP)
    publish_command.add_argument("tag", metavar="TAG", help="the version tag, v1.2.0")
    publish_command.add_argument("previous", type=Path, metavar="PREVIOUS_DIR",
                                 help="the folder holding the previous release's .apkg")
    publish_command.add_argument("out", type=Path, metavar="OUT_DIR", help="where to write the .apkg and its notes")
    export_command = command("export", "write every card to a CSV file, for a spreadsheet", _EXPORT_HELP)
    export_command.add_argument("format", choices=("csv",), help="the file format (csv)")
    export_command.add_argument("--output", type=Path, metavar="FILE",
                                help=f"where to write it (default: PROJECT/{BUILD_DIR}/DECK-cards.csv)")
    import_cards_command = command("import-cards", "add cards from Anki's text export or Quizlet's",
                                   _IMPORT_CARDS_HELP)
    import_cards_command.add_argument("file", type=Path, metavar="FILE", help="the exported text file")
    import_cards_command.add_argument("--subdeck", required=True, metavar="KEY",
                                      help="a subdeck key of cards/deck.yaml")
    command("addon", "write the deck's companion Anki add-on (build/<deck>-updates.ankiaddon)", _ADDON_HELP)
    new_command = command("new", "add an empty card to a card file", _new_help)
    # No choices: a project's own note types are kinds too, known once its deck.yaml is read (and
    # --help reads no kinds at all).
    new_command.add_argument("kind", metavar="KIND",
                             help="the kind of card: a built-in kind (above) or a note type cards/deck.yaml declares")
    new_command.add_argument("--subdeck", required=True, metavar="KEY", help="a subdeck key of cards/deck.yaml")
