"""The one error type deckgen raises for bad input, and the source location it carries.

Every problem an educator can cause is reported as `path:line:col: message`, like a compiler,
and all problems found in one pass are reported together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, Protocol


class Location(NamedTuple):
    """A place in a source file: 1-based line and column, path relative to the project.

    A named tuple rather than a dataclass: every YAML value gets one, and a tuple is the cheapest
    immutable, ordered record Python has.
    """

    path: str
    line: int = 1  # 0: no place inside (an argument, an environment variable, a binary file)
    col: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}" if self.line else self.path


class Locatable(Protocol):
    """A value's place that is found only when asked (load.Pointer): a file read fast, without
    positions, is read again with them only when one of its values has something to report."""

    @property
    def location(self) -> Location: ...


Where = Location | Locatable


def located(where: Where) -> Location:
    return where if isinstance(where, Location) else where.location


@dataclass(frozen=True, order=True, init=False)
class Problem:
    """One thing wrong with the input, where it is, and (in the message) how to fix it.
    Given a place still to be found (a `Locatable`), it finds it: a problem always has its line."""

    location: Location
    message: str

    def __init__(self, location: Where, message: str) -> None:
        object.__setattr__(self, "location", located(location))
        object.__setattr__(self, "message", message)

    def __str__(self) -> str:
        return printable(f"{self.location}: {self.message}")


class DeckError(Exception):
    """Bad input: carries every problem found, each with its location. `argument` names the
    command-line argument whose value is wrong (`--subdeck`, `VERSION`), when that is the problem.
    `warnings` are those of the cards that were valid, found in the same run: an educator sees them
    with the errors instead of only once every error is fixed."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...], argument: str | None = None,
                 warnings: tuple[Problem, ...] = ()) -> None:
        self.problems: tuple[Problem, ...] = tuple(sorted(set(problems)))
        self.argument = argument
        self.warnings = tuple(sorted(set(warnings) - set(self.problems)))
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def at(cls, location: Location, message: str) -> DeckError:
        return cls([Problem(location, message)])

    @classmethod
    def in_argument(cls, argument: str, message: str) -> DeckError:
        """A value given on the command line is wrong: the CLI reports it as a command-line error
        (exit 2, as argparse does), naming the argument, with no file position."""
        return cls([Problem(Location(argument, 0, 0), message)], argument)

    @property
    def messages(self) -> tuple[str, ...]:
        return tuple(printable(problem.message) for problem in self.problems)


class ProblemCollector:
    """Collects problems so a stage can report all of them instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, location: Where, message: str) -> None:
        self.problems.append(Problem(location, message))

    def append(self, problem: Problem) -> None:
        self.problems.append(problem)

    def extend(self, error: DeckError) -> None:
        self.problems.extend(error.problems)

    def found(self) -> tuple[Problem, ...]:
        """Every problem recorded, once each, in the order they are reported."""
        return tuple(sorted(set(self.problems)))

    def take(self) -> list[Problem]:
        """The problems recorded so far, leaving none: what one item (a card) added, say."""
        taken, self.problems = self.problems, []
        return taken

    def raise_if_any(self) -> None:
        if self.problems:
            raise DeckError(self.problems)


# Characters that would act instead of show on a terminal or in a CI log: C0 and C1 controls (a
# newline then "::error" writes a GitHub Actions command; ESC starts a terminal escape), the Unicode
# line separators and the bidirectional overrides that reorder what a reader sees.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: str) -> str:
    """`text` with every character that would act rather than show written as an escape (\\n, \\x1b)."""
    return _UNPRINTABLE.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


def shortened(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, an ellipsis standing for what was cut: for quoting a value
    in a message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def display_path(path: Path, root: Path) -> str:
    """The path as an educator would type it: relative to the project root when inside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
