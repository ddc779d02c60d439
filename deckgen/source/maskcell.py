"""A spreadsheet cell that holds an occlusion card's masks: one mask a line, each written as YAML
(`{id: a, label: "A", rect: [1, 2, 3, 4]}`, what `deckgen export csv` writes).

A cell has one place, so every value read from it is placed at the cell; a line that cannot be read
is said in the words of someone typing into a spreadsheet (the line of the cell, the brace or
bracket it lacks), never as the YAML parser's report about a file the educator never wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from deckgen.errors import DeckError, Location
from deckgen.source.load import MAX_EXPANDED_VALUES, Mapping, Node, Scalar, Sequence, ValueBudget, compose

EXAMPLE = "{id: ..., label: ..., rect: [x, y, width, height]}"
_CLOSERS = {"{": "}", "[": "]"}


def cell_masks(cell: Scalar, add: Callable[[Location, str], None], budget: ValueBudget) -> Sequence | None:
    """The masks the cell holds, each value placed at the cell; None when a line cannot be read (each
    such line said at the cell, by its line within it)."""
    lines = cell.text.splitlines()
    several = sum(1 for line in lines if line.strip()) > 1
    items: list[Node] = []
    readable = True
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        read, problem = _line(line.strip(), cell.location.path, budget)
        if budget.spent:  # the file's cells share its one budget of values, as a YAML file's do
            raise DeckError.at(cell.location, f"the 'masks' cells' aliases expand this file to more than "
                                              f"{MAX_EXPANDED_VALUES:,} values: remove the '*' aliases that repeat "
                                              "large parts of them")
        if problem is not None:
            where = f"the mask on line {number} of this cell" if several else "the mask in this cell"
            add(cell.location, f"{where} {problem}: write each mask on a line of its own as {EXAMPLE}")
            readable = False
        elif read is not None:
            items.extend(_placed(item, cell.location) for item in read.items)
    return Sequence(tuple(items), cell.location) if readable else None


def _line(line: str, path: str, budget: ValueBudget) -> tuple[Sequence | None, str | None]:
    """One line read as a mask, or what keeps it from being read."""
    if not line.startswith("{"):
        return None, "is not in braces"
    problem = _unbalanced(line)
    if problem is not None:
        return None, problem
    try:
        read = compose(f"- {line}\n", path, budget)
    except DeckError:
        return None, "cannot be read: put a label that holds ',', ':', '#' or a quote in double quotes (label: \"…\")"
    return (read, None) if isinstance(read, Sequence) else (None, "is not a mask")


def _unbalanced(line: str) -> str | None:
    """The brace, bracket or quote a line leaves open or closes too often, said as what it lacks."""
    opened: list[str] = []
    quote = ""
    for position, char in enumerate(line):
        if quote:
            escaped = quote == '"' and line[position - 1] == "\\"
            quote = "" if char == quote and not escaped else quote
        elif char in "\"'" and (position == 0 or line[position - 1] in " ,:[{"):
            quote = char
        elif char in _CLOSERS:
            opened.append(char)
        elif char in _CLOSERS.values():
            if not opened:
                return f"has a '{char}' that closes nothing"
            expected = _CLOSERS[opened.pop()]
            if char != expected:
                return f"is missing a closing '{expected}' before its '{char}'"
    if quote:
        return f"has a quote ({quote}) that is never closed"
    if opened:
        return f"is missing its closing '{_CLOSERS[opened[-1]]}'"
    return None


def _placed(node: Node, where: Location) -> Node:
    """`node` with every value placed at `where` (a cell has one place)."""
    if isinstance(node, Scalar):
        return replace(node, location=where)
    if isinstance(node, Sequence):
        return Sequence(tuple(_placed(item, where) for item in node.items), where)
    return Mapping(tuple((replace(key, location=where), _placed(value, where)) for key, value in node.entries), where)
