"""Reading YAML files into a tree of nodes that remember where every value stands.

PyYAML's own loader forgets positions, silently keeps the last of two equal keys and turns
`no` into False; we compose the document ourselves so that each value keeps its line and
column, duplicates are errors and text keeps the exact characters the educator typed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, cast

import yaml

from deckgen.errors import DeckError, Location, ProblemCollector, Where, located, shortened
from deckgen.source.yamlhints import syntax_problem, unquoted_value

MAX_FILE_BYTES = 1_000_000
# Aliases may repeat a node many times; past this many values a file is a "billion laughs".
MAX_EXPANDED_VALUES = 200_000
MAX_DEPTH = 50

_STANDARD_TAGS = {
    "tag:yaml.org,2002:str": "text",
    "tag:yaml.org,2002:int": "a whole number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "true or false",
    "tag:yaml.org,2002:null": "nothing",
    "tag:yaml.org,2002:timestamp": "a date",
    "tag:yaml.org,2002:seq": "a list",
    "tag:yaml.org,2002:map": "a mapping",
}


@dataclass(frozen=True, slots=True)
class Scalar:
    """A single value. `text` is exactly what was written; `kind` is how YAML would read it."""

    text: str
    kind: str  # one of the values of _STANDARD_TAGS
    location: Location
    plain: bool  # written without quotes or block markers

    def describe(self) -> str:
        return f"{self.kind} '{shortened(self.text, 30)}'" if self.kind != "nothing" else "nothing"


@dataclass(frozen=True, slots=True)
class Sequence:
    items: tuple[Node, ...]
    location: Location

    def describe(self) -> str:
        return "a list"


@dataclass(frozen=True, slots=True)
class Mapping:
    entries: tuple[tuple[Scalar, Node], ...]
    location: Location

    def describe(self) -> str:
        return "a mapping"

    def get(self, key: str) -> Node | None:
        for entry_key, value in self.entries:
            if entry_key.text == key:
                return value
        return None

    def located(self, key: str) -> Location:
        """Where the value of `key` stands, for a key known to be there; else the mapping's place."""
        value = self.get(key)
        return self.location if value is None else value.location

    def keys(self) -> list[Scalar]:
        return [key for key, _ in self.entries]


Node = Scalar | Sequence | Mapping


def read_yaml(path: Path, shown_as: str) -> Node | None:
    """Read one YAML file; None for an empty document. Raises DeckError naming `shown_as`."""
    return compose(read_text(path, shown_as), shown_as)


def read_text(path: Path, shown_as: str, table: bool = False) -> str:
    """A YAML file's text, once it is known to be of a size, an encoding and characters we read; a
    `table` (CSV, TSV: tablefile.py) may start with the byte-order mark spreadsheets write, and hold tabs."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
            size = max(len(data), path.stat().st_size)
    except OSError as error:
        raise DeckError.at(Location(shown_as), f"cannot read the file: {error.strerror}") from None
    if size > MAX_FILE_BYTES:
        raise DeckError.at(
            Location(shown_as, 1, 1),
            f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}: split it into several card files",
        )
    text = _decode(data.removeprefix(b"\xef\xbb\xbf") if table else data, shown_as)
    check_characters(text, shown_as, indented=not table)
    return text


def compose(text: str, shown_as: str, budget: ValueBudget | None = None) -> Node | None:
    """The text's document as position-keeping nodes; None when it is empty. Its values count
    against `budget`, when it shares one with other documents of its file."""
    try:
        root = _compose(text)
    except yaml.MarkedYAMLError as error:
        explained = syntax_problem(error, text, shown_as)
        if explained:
            raise DeckError([explained]) from None
        raise DeckError.at(_yaml_error_location(error, shown_as), _yaml_error_message(error)) from None
    except yaml.YAMLError as error:  # errors without a mark are rare; keep the text
        raise DeckError.at(Location(shown_as), f"cannot read YAML: {error}") from None
    except RecursionError:
        raise DeckError.at(
            Location(shown_as), "YAML is nested too deeply: cards need only a few levels"
        ) from None
    if root is None:
        return None
    converter = _Converter(shown_as, text, budget)
    tree = converter.convert(root)
    converter.problems.raise_if_any()
    return tree


class Positions:
    """Where the values of a file read without positions stand (plainload.py), found when first
    asked by reading the file again with them: only a file with something to report pays for it.
    The file is not kept in memory; should it have changed since, its values are located at the
    file alone (no line is better than a wrong one)."""

    def __init__(self, path: Path, text: str, shown_as: str) -> None:
        self.path, self.shown_as = path, shown_as
        self.digest = hashlib.sha256(text.encode("utf-8")).digest()
        self._tree: Node | None = None

    def __getstate__(self) -> dict[str, Any]:
        """A copy (the cache keeps one with its cards) without the file's tree, found again when asked."""
        return {**self.__dict__, "_tree": None}

    def of(self, steps: tuple[Any, ...]) -> Location:
        """The location of the value reached by `steps` (keys and list indexes; None ends them) from the top."""
        if self._tree is None:
            try:
                text = read_text(self.path, self.shown_as)
                if hashlib.sha256(text.encode("utf-8")).digest() != self.digest:
                    return Location(self.shown_as)
                self._tree = compose(text, self.shown_as)
            except DeckError:  # the file is now unreadable: its own problems are reported when read
                return Location(self.shown_as)
        node: Any = self._tree  # the steps lead through mappings and sequences to a value
        for step in steps:
            if step is None:
                break
            node = node.get(step) if isinstance(node, Mapping) else node.items[step]
        location: Location = node.location
        return location


class Pointer(NamedTuple):
    """A value of a file read without positions: its file's `Positions` and the way to it, flat:
    `cards[card].key[item]`, or a value at the top of the file when `card` is None. A card's place
    (its id) also serves its texts (model.Text.key), so a large deck holds one of these per card."""

    positions: Positions
    card: int | None
    key: str
    item: int | None = None

    @property
    def location(self) -> Location:
        steps = (self.key, self.item) if self.card is None else ("cards", self.card, self.key, self.item)
        return self.positions.of(steps)

    def beside(self, key: str, item: int | None = None) -> Location:
        """The location of another value of the same card: its `key`, and `item` of that list."""
        return self.positions.of(("cards", self.card, key, item))


def _compose(text: str) -> yaml.Node | None:
    """Compose with libyaml (fast) where PyYAML has it; on a syntax error compose again with the
    pure-Python parser, whose messages and positions are the ones we document and test."""
    fast_loader = getattr(yaml, "CSafeLoader", None)
    if fast_loader is not None:
        try:
            return yaml.compose(text, Loader=fast_loader)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


def _decode(data: bytes, shown_as: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        raise DeckError.at(
            Location(shown_as, 1, 1),
            "file starts with a byte-order mark: save it as UTF-8 without BOM",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[: error.start].decode("utf-8", errors="replace")
        line = before.count("\n") + 1
        col = len(before) - (before.rfind("\n") + 1) + 1
        raise DeckError.at(
            Location(shown_as, line, col),
            f"byte 0x{data[error.start]:02x} is not UTF-8: save the file as UTF-8",
        ) from None


# Characters YAML refuses in a file, found first so that each is reported where it stands: C0 and
# C1 controls (but tab, line feed and carriage return), DEL, and the non-characters U+FFFE/U+FFFF.
_RAW_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
# Half of a UTF-16 pair, as a "\ud83d\ude00" escape leaves it (what JSON writes for an emoji).
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def check_characters(text: str, shown_as: str, indented: bool = True) -> None:
    """Characters no card file may hold, each where it stands; with `indented` (YAML), no tab before a line's text."""
    if "\t" not in text and not _RAW_CONTROL.search(text):
        return  # the usual file: no need to look line by line
    for line_number, line in enumerate(text.split("\n"), start=1):
        control = _RAW_CONTROL.search(line)
        if control and control.group() == "\0":
            raise DeckError.at(
                Location(shown_as, line_number, control.start() + 1),
                "NUL character in file: remove it (the file may be binary or corrupted)",
            )
        if control:
            raise DeckError.at(
                Location(shown_as, line_number, control.start() + 1),
                f"control character U+{ord(control.group()):04X} in the file: remove it (it is invisible, "
                "and Anki uses U+001F to separate fields)",
            )
        indent = len(line) - len(line.lstrip(" \t"))
        tab = line.find("\t", 0, indent) if indented else -1
        if tab >= 0 and line.strip():
            raise DeckError.at(
                Location(shown_as, line_number, tab + 1),
                "tab used for indentation: YAML needs spaces; replace the tab with spaces",
            )


def _yaml_error_location(error: yaml.MarkedYAMLError, shown_as: str) -> Location:
    mark = error.problem_mark or error.context_mark
    if mark is None:
        return Location(shown_as)
    return Location(shown_as, mark.line + 1, mark.column + 1)


def _yaml_error_message(error: yaml.MarkedYAMLError) -> str:
    problem = (error.problem or "invalid YAML").strip()
    context = (error.context or "").strip()
    hint = _SYNTAX_HINTS.get(problem, "")
    if problem == "found character '\\t' that cannot start any token":
        return "tab character where YAML expects a value: use spaces"
    text = f"YAML syntax error: {problem}"
    if context:
        text += f" ({context})"
    return text + hint


_SYNTAX_HINTS = {
    "mapping values are not allowed here": ": quote a value that contains ': ', or indent this line as the keys "
                                           "above it",
    "expected <block end>, but found '<block mapping start>'": ": check the indentation of this line",
    "expected <block end>, but found '-'": ": check the indentation of this line",
    "found undefined alias": ": define the anchor with '&name' before using '*name', or quote the text",
    "but found another document": ": a card file holds one YAML document; remove the '---' line",
    "expected alphabetic or numeric character, but found ' '": ": quote a value that starts with '*' or '&'",
}


@dataclass
class ValueBudget:
    """How many more values one file may compose to, aliases expanded: one document's, or shared by
    the many a file holds (a spreadsheet's masks cells, masks.py), so that N cells cost one budget."""

    left: int = MAX_EXPANDED_VALUES

    @property
    def spent(self) -> bool:
        return self.left < 0


class _Converter:
    """Turns composed PyYAML nodes into our position-keeping nodes."""

    def __init__(self, shown_as: str, text: str = "", budget: ValueBudget | None = None) -> None:
        self.shown_as = shown_as
        self.text = text  # for explaining a value YAML read as a mapping
        self.budget = ValueBudget() if budget is None else budget
        self.problems = ProblemCollector()

    def location(self, node: yaml.Node) -> Location:
        return Location(self.shown_as, node.start_mark.line + 1, node.start_mark.column + 1)

    def convert(self, node: yaml.Node, depth: int = 0) -> Node:
        if depth > MAX_DEPTH:
            raise DeckError.at(
                self.location(node),
                f"YAML is nested more than {MAX_DEPTH} levels deep (or an alias refers to itself): "
                "cards need only a few levels",
            )
        self.budget.left -= 1
        if self.budget.spent:
            raise DeckError.at(
                self.location(node),
                f"aliases expand this file to more than {MAX_EXPANDED_VALUES:,} values: "
                "remove the '*' aliases that repeat large parts of it",
            )
        if node.tag not in _STANDARD_TAGS:
            raise DeckError.at(
                self.location(node),
                f"YAML tag '{node.tag.replace('tag:yaml.org,2002:', '!!')}' is not allowed: "
                "remove it (cards hold only plain values)",
            )
        if isinstance(node, yaml.ScalarNode):
            return Scalar(
                text=self.whole_characters(node),
                kind=_STANDARD_TAGS[node.tag],
                location=self.location(node),
                plain=node.style in (None, ""),  # libyaml says "" where PyYAML says None
            )
        if isinstance(node, yaml.SequenceNode):
            return Sequence(tuple(self.convert(item, depth + 1) for item in node.value), self.location(node))
        return self.convert_mapping(cast(yaml.MappingNode, node), depth)

    def whole_characters(self, node: yaml.ScalarNode) -> str:
        """The scalar's text with escaped UTF-16 pairs ("\\ud83d\\ude00") joined into the character
        they stand for; half a pair is refused, since no file or Anki field can hold it."""
        text: str = node.value
        if not _SURROGATE.search(text):
            return text
        try:
            return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
        except UnicodeDecodeError:
            half = _SURROGATE.search(text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass"))
            assert half is not None  # the text did not decode: it holds half a pair
            self.problems.add(
                self.location(node),
                f"the escape \\u{ord(half.group()):04x} is half of a character (a UTF-16 surrogate) with no "
                "other half: write the character itself, or its \\U escape with 8 digits (\\U0001F600)",
            )
            return _SURROGATE.sub("\ufffd", text)

    def convert_mapping(self, node: yaml.MappingNode, depth: int) -> Mapping:
        entries: list[tuple[Scalar, Node]] = []
        first_seen: dict[str, Location] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise DeckError.at(
                    self.location(key_node),
                    "merge keys ('<<') are not supported: write the keys out",
                )
            key = self.convert(key_node, depth + 1)
            if not isinstance(key, Scalar):
                unquoted = unquoted_value(self.text.split("\n"), key.location.line, self.shown_as)
                raise DeckError([unquoted]) if unquoted else DeckError.at(
                    key.location, f"a key must be text, not {key.describe()}: write the key as plain text"
                )
            if key.text in first_seen:
                earlier = first_seen[key.text]
                self.problems.add(
                    key.location,
                    f"duplicate key '{key.text}' (first at line {earlier.line}): "
                    "YAML would silently keep only the last one; remove one of them"
                    + (", or, if it starts another card, put '- ' before 'id:'" if key.text == "id" else ""),
                )
                continue
            first_seen[key.text] = key.location
            entries.append((key, self.convert(value_node, depth + 1)))
        return Mapping(tuple(entries), self.location(node))


@dataclass(frozen=True, slots=True)  # one per card: no __dict__ each
class Text:
    """Markup text as written by an educator, and where it was written (found when asked: see
    errors.Locatable)."""

    value: str
    where: Where
    # For a text of a fast-read card file, `where` is its card's place and these say where in the
    # card it stands: one place per card instead of one per text (a large deck has many texts).
    key: str | None = None
    item: int | None = None

    @property
    def location(self) -> Location:
        return located(self.where) if self.key is None else cast(Pointer, self.where).beside(self.key, self.item)
