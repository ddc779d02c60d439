"""The `deckgen` command line: the only module that prints or exits.

Exit codes: 0 success, 1 the input is wrong (every problem is listed), 2 a bad command line.
Any other failure is a bug in deckgen and keeps its traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Sequence

from deckgen import __version__
from deckgen.build import BUILD_DIR, build, check, release_timestamp
from deckgen.errors import DeckError

EXIT_OK = 0
EXIT_BAD_INPUT = 1

_BUILD_HELP = """\
Load, validate and render every card, then write the deck to build/ as one .apkg
named after the deck and its version (build/ipt-0.1.0.apkg). Nothing is written
when any card has a problem; every problem is listed as file:line:col: message.

The release time of the notes is SOURCE_DATE_EPOCH when set, else now.

examples:
  deckgen build
  deckgen build --project path/to/deck --output dist/
  SOURCE_DATE_EPOCH=1764166000 deckgen build
"""

_CHECK_HELP = """\
Do everything a build does except write: read, validate and render every card.
Exit 0 when the cards are valid, 1 when not, listing every problem.

examples:
  deckgen check
  deckgen check --project path/to/deck
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deckgen",
        description="Turn YAML card definitions into an Anki deck (.apkg) through Jinja templates.",
        epilog="examples:\n  deckgen check\n  deckgen build\n  deckgen build --help",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"deckgen {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, summary: str, text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name, help=summary, description=text, formatter_class=argparse.RawDescriptionHelpFormatter
        )
        sub.add_argument(
            "--project", type=Path, default=Path("."), metavar="DIR",
            help="the project folder, holding cards/ and templates/ (default: the current folder)",
        )
        return sub

    build_command = command("build", "validate the cards and write the .apkg", _BUILD_HELP)
    build_command.add_argument(
        "--output", type=Path, metavar="DIR", help=f"where to write the .apkg (default: PROJECT/{BUILD_DIR})"
    )
    command("check", "validate the cards without writing anything", _CHECK_HELP)
    return parser


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _report(error: DeckError) -> int:
    for problem in error.problems:
        print(problem, file=sys.stderr)
    print(f"{_count(len(error.problems), 'problem')} found; nothing was written", file=sys.stderr)
    return EXIT_BAD_INPUT


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    root: Path = arguments.project
    try:
        if arguments.command == "check":
            result = check(root)
            cards, files = len(result.project.cards), len(result.project.card_files)
            print(f"ok: {_count(cards, 'card')} in {_count(files, 'file')}, no problems")
        elif arguments.command == "build":
            timestamp = release_timestamp(dict(os.environ))
            built = build(root, timestamp, arguments.output)
            stats = built.stats
            print(
                f"wrote {built.output}: {stats.notes} notes, {stats.cards} cards, "
                f"{stats.subdecks} subdecks, {stats.media} media files"
            )
    except DeckError as error:
        return _report(error)
    return EXIT_OK
