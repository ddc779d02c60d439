"""YAML mistakes explained in an educator's words, where PyYAML's own message would puzzle them.

Two mistakes come up first in cards: a value written without quotes that starts with a character
YAML gives a meaning to (the README's own bold, `**Weissman**`, reads as an alias; a cloze text,
`{{c1::...}}`, as a mapping), and a quote that is never closed (PyYAML reports it at the end of the
file, where nothing is wrong). Each gets a message at the place to fix, saying what to write.
Any other syntax error keeps PyYAML's description (load.py).
"""

from __future__ import annotations

import re

import yaml

from deckgen.errors import Location, Problem

# A line of a YAML mapping or list as cards use it: indentation, list dashes, an optional plain key,
# then the value (up to a comment).
_LINE = re.compile(r"(?P<lead> *(?:- +)*(?:[A-Za-z_][A-Za-z0-9_.-]*: +)?)(?P<value>[^ ].*?)(?: +#.*)?\s*\Z")
# How YAML reads a plain value that starts with these, and what the educator meant.
_MEANINGS = {
    "*": "an alias (a reference to an '&' anchor)",
    "{": "a mapping",
}


def syntax_problem(error: yaml.MarkedYAMLError, text: str, shown_as: str) -> Problem | None:
    """The educator's explanation of a syntax error, when it is one of the mistakes above."""
    context = error.context or ""
    problem = error.problem or ""
    if "quoted scalar" in context and problem.startswith("found unexpected end of stream") and error.context_mark:
        return _unclosed_quote(error.context_mark, text, shown_as)
    if problem.startswith("found unknown escape character") and error.problem_mark:
        mark = error.problem_mark  # at the character after the backslash
        return Problem(
            Location(shown_as, mark.line + 1, max(mark.column, 1)),
            f"YAML syntax error: {problem}: in a \"...\" value a backslash starts an escape; quote the value "
            "with ' instead (as maths needs), or write \\\\ for a backslash",
        )
    lines = text.split("\n")
    last = error.problem_mark.line if error.problem_mark else len(lines) - 1
    first = error.context_mark.line if error.context_mark else last
    for line_number in range(min(first, last), last + 1):
        found = unquoted_value(lines, line_number + 1, shown_as, braces_alone=line_number == last)
        if found:
            return found
    return None


def unquoted_value(lines: list[str], line: int, shown_as: str, braces_alone: bool = True) -> Problem | None:
    """A problem at a value on `line` (1-based) that YAML does not read as text because of its first
    character, saying how to quote it; None when the line holds no such value. With `braces_alone`
    a single '{' counts too (else only '{{', which no flow mapping of a deck needs)."""
    if not 0 < line <= len(lines):
        return None
    match = _LINE.match(lines[line - 1].rstrip("\r"))
    if match is None:
        return None
    value = match.group("value")
    starts = value[:1]
    if starts not in _MEANINGS or (starts == "{" and not braces_alone and not value.startswith("{{")):
        return None
    quoted = "'" + value.replace("'", "''") + "'"
    return Problem(
        Location(shown_as, line, match.start("value") + 1),
        f"YAML reads a value starting with '{starts}' as {_MEANINGS[starts]}, not as text: quote this value, "
        f"writing it as {match.group('lead').lstrip()}{quoted}",
    )


def _unclosed_quote(mark: yaml.Mark, text: str, shown_as: str) -> Problem:
    """A quoted value never closed: reported at its opening quote, not at the end of the file."""
    lines = text.split("\n")
    quote = lines[mark.line][mark.column] if mark.line < len(lines) and mark.column < len(lines[mark.line]) else '"'
    inside = "\\\"" if quote == '"' else "''"
    return Problem(
        Location(shown_as, mark.line + 1, mark.column + 1),
        f"this value's opening {quote} is never closed: end the value with {quote} (a {quote} inside the value "
        f"is written {inside})",
    )
