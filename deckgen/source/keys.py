"""Typed keys: what a YAML mapping may hold, each key checking and describing its own value.

A key is declared once (deckfile.py for deck.yaml, cardfile.py for card files, kinds.py for each
kind of card) and that one declaration serves validation, the did-you-mean hints, the "has no 'x'"
messages and the JSON Schema of `deckgen schema`: a key's type is its class, not a word another
module interprets. Its rules are one `check` over a plain value, which both readings of a card
file use: the careful one (`Reader`, located nodes) records each complaint with its
`file:line:col` and gives None for a value that is off, so validation goes on and reports every
problem of every file at once; the fast one (`QuickReader`, plain values) gives EXPLAIN, and the
file is read carefully. A rule written once cannot be missed by one of them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection
from typing import Any, NamedTuple, cast

from deckgen.errors import Location, ProblemCollector, Where, shortened
from deckgen.source.load import Mapping, Node, Scalar, Sequence, Text, ValueBudget
from deckgen.source.quickread import EXPLAIN, QuickReader

MAX_FIELD_CHARS = 10_000
WHOLE_NUMBER = re.compile(r"-?[0-9]+\Z")
MAX_DIGITS = 19
# C1 controls too (U+009B starts an escape sequence on some terminals), the line and paragraph
# separators and the bidirectional overrides, which reorder what a reader sees in a terminal or card.
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# The same rules for `deckgen schema`: some character that is not white space, and no control character.
ACCEPTABLE_TEXT_PATTERN = r"^(?=[\s\S]*\S)[^" + CONTROL_CHARACTER.pattern[1:-1] + "]*$"


def case_insensitive(text: str) -> str:
    """A JSON Schema pattern (which has no flags) that matches `text` in any case."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.lower() != c.upper() else re.escape(c) for c in text)


def closest(word: str, choices: Collection[str]) -> str | None:
    """The choice `word` is most likely a misspelling of, if any is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, choices: Collection[str]) -> str:
    close = closest(word, choices)
    return f" (did you mean '{close}'?)" if close else ""


def one_of(names: list[str]) -> str:
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]


class Complaint(NamedTuple):
    """What is wrong with a value, in the educator's words. `got` asks the careful reading to add
    what the value is (", got a list"), which only it can say; `key` (of a mapping: a kind's check
    of a card) and `item` (of a list) say which value it is about."""

    message: str
    got: bool = False
    item: int | None = None
    key: str | None = None


class Complaints(NamedTuple):
    """A key's check refusing a value: its complaints, and what the careful reading still gives
    (a list's good items), if anything."""

    each: tuple[Complaint, ...]
    keep: Any = None


def complain(message: str, got: bool = False) -> Complaints:
    return Complaints((Complaint(message, got),))


class Reader:
    """Reads located nodes (load.py) through their keys, recording each complaint where it stands
    (and giving None for a value that is off). `context` is what choices are checked against (the
    deck's subdecks and references). A key's value is given to its check as a plain value, as a
    YAML reader gives it (`plain`), and its place is the node: the methods below make what a key
    gives from a checked value and that place, as `QuickReader`'s do from the plain reading's."""

    def __init__(self, problems: ProblemCollector, context: Any = None) -> None:
        self.problems = problems
        self.context = context
        self.budget = ValueBudget()  # for YAML within the file's values (a spreadsheet's masks cells): one per file

    def add(self, location: Location, message: str) -> None:
        self.problems.add(location, message)

    def mapping(self, node: Node | None, what: str, where: Location) -> Mapping | None:
        if isinstance(node, Mapping):
            return node
        location = node.location if node is not None else where
        got = node.describe() if node is not None else "an empty file"
        self.add(location, f"{what} must be a mapping of keys to values, got {got}")
        return None

    def check_keys(self, node: Mapping, keys: tuple[Key, ...], what: str, required: bool = True) -> None:
        """Unknown keys (with a did-you-mean) and, when `required`, missing required keys."""
        allowed = [key.name for key in keys]
        suggested = {self.unknown_key(key, what, allowed) for key in node.keys() if key.text not in allowed}
        if not required:
            return
        present = {key.text for key in node.keys()}
        for declared in keys:
            # A misspelt key already has its message; "missing" would only repeat it.
            if declared.required and declared.name not in present and declared.name not in suggested:
                self.missing_key(node, declared, what)

    def unknown_key(self, key: Scalar, what: str, allowed: list[str]) -> str | None:
        """Says that `key` is none of `what`'s; gives the key it most likely means, if any. (A
        table's reader, tablefile.py, says it of a cell: its overrides speak of cells and columns.)"""
        hint = did_you_mean(key.text, allowed)
        self.add(key.location, f"unknown key '{key.text}'{hint or f': {what} may have {one_of(allowed)}'}")
        return closest(key.text, allowed)

    def missing_key(self, node: Mapping, key: Key, what: str) -> None:
        self.add(node.location, f"{what} has no '{key.name}': add '{key.name}:' ({key.meaning})")

    def section(self, parent: Mapping, name: str, keys: tuple[Key, ...]) -> Mapping | None:
        """The mapping under `name` in `parent` (deck.yaml's `lint`, `options`), its keys checked; None
        when there is none, or it is not a mapping (said where)."""
        value = parent.get(name)
        mapping = None if value is None else self.mapping(value, f"'{name}'", parent.location)
        if mapping is not None:
            self.check_keys(mapping, keys, f"'{name}'")
        return mapping

    def read(self, parent: Mapping, key: Key) -> Any:
        node = parent.get(key.name)
        return None if node is None else key.read(node, self)

    def report(self, complaints: Complaints, node: Node) -> None:
        """Each complaint where it stands: `node`, its value of a key, or its list item (a spreadsheet's: its cell)."""
        for complaint in complaints.each:
            at = node if complaint.key is None else cast(Mapping, node).get(complaint.key) or node
            at = at.items[complaint.item] if complaint.item is not None and isinstance(at, Sequence) else at
            self.add(at.location, complaint.message + (f", got {at.describe()}" if complaint.got else ""))

    @staticmethod
    def written(value: Any, at: Node) -> Any:
        """A text as written: the scalar itself, which knows its place."""
        return at

    @staticmethod
    def text(value: str, at: Node) -> Text:
        return Text(value, at.location)

    @staticmethod
    def place(at: Node) -> Where:
        return at.location

    @staticmethod
    def item(at: Node, index: int) -> Node:
        return cast(Sequence, at).items[index]


def plain(node: Node, wants: type) -> Any:
    """The plain value a YAML reader gives for `node`, for a key that `wants` a value of that type:
    the text as written of any scalar for a text (YAML 1.1 and 1.2 type some differently: text keys
    take any type), None for nothing, and the node itself for a value of another shape, which the
    key's check refuses by its type (and the careful reading describes)."""
    if isinstance(node, Scalar):
        if node.kind == "nothing":
            return None
        if wants is str:
            return node.text
        if wants is bool:
            word = node.text.lower()
            return word == "true" if node.kind == "true or false" and word in ("true", "false") else node
        if wants is int and node.plain and WHOLE_NUMBER.match(node.text):
            # No id or year is longer; Python refuses 4,301 digits: the check refuses the text.
            return int(node.text) if len(node.text.lstrip("-")) <= MAX_DIGITS else node.text
        return node
    if isinstance(node, Sequence) and wants is list:
        return [plain(item, str) for item in node.items]
    return node


def text_problem(text: str, label: str, expected: str, limit: int) -> str | None:
    """What keeps `text` from being a value's text (blank, a control character, too long), or None;
    the one set of rules for both readings."""
    if not text.strip():
        return f"{label} is empty: write {expected}"
    control = CONTROL_CHARACTER.search(text)
    if control:
        return (f"{label} contains the control character U+{ord(control.group()):04X}: remove it "
                "(it is invisible, and Anki uses U+001F to separate fields)")
    if len(text) > limit:
        return f"{label} has {len(text):,} characters; the limit is {limit:,}: shorten it or split the card"
    return None


class Key:
    """One key a mapping may hold: its name, whether it is required, and its meaning (one line).

    Its rules are one function, `check`, over the plain value a YAML reader gives (`wants` says of
    what type): the value as the key gives it, or `Complaints`. Both readings are this class's
    adapters over it: `read` reports each complaint at its node's file:line:col, `quick` (the plain
    reading, plainload.py) gives EXPLAIN, so that `read` runs and reports. `made` turns a checked
    value into what the key gives, at a place each reader makes (a located node or a pointer)."""

    wants: type = str

    def __init__(self, name: str, doc: str, required: bool = False) -> None:
        self.name, self.doc, self.required = name, doc, required
        self.meaning = doc[:1].lower() + doc[1:].rstrip(".")  # the doc as a message's aside: "(the answer)"

    def check(self, value: Any, context: Any) -> Any:
        """The value as the key gives it (before it is placed), or Complaints."""
        raise NotImplementedError

    def empty(self, expected: str) -> Complaints:
        """The key written with no value: what to write, or, an optional key, that its line can go."""
        return complain(f"'{self.name}' is empty: write {expected}" + ("" if self.required else ", or remove the line"))

    def made(self, value: Any, reader: Any, at: Any) -> Any:
        return value

    def read(self, node: Node, reader: Reader) -> Any:
        """The checked value, placed at `node`; None, its complaints recorded, when it is off."""
        checked = self.check(plain(node, self.wants), reader.context)
        if type(checked) is not Complaints:
            return self.made(checked, reader, node)
        reader.report(checked, node)
        return None if checked.keep is None else self.made(checked.keep, reader, node)

    def quick(self, value: Any, reader: QuickReader, steps: tuple[str | int, ...]) -> Any:
        """The value exactly as `read` gives it, or EXPLAIN when the check refuses it."""
        checked = self.check(value, reader.context)
        return EXPLAIN if type(checked) is Complaints else self.made(checked, reader, steps)

    def json_schema(self, context: Any) -> dict[str, Any]:
        raise NotImplementedError


class TextKey(Key):
    """Text of at most `limit` characters: the scalar as written (the text itself, read plainly);
    each kind of text key adds its own `rules` and gives what it makes of it (a located `Text`, a
    name, a URL)."""

    def __init__(self, name: str, doc: str, required: bool = False, expected: str = "text",
                 limit: int = MAX_FIELD_CHARS) -> None:
        super().__init__(name, doc, required)
        self.expected, self.limit, self.label = expected, limit, f"'{name}'"

    def check(self, value: Any, context: Any) -> Any:
        if value is None or (type(value) is str and not value.strip()):
            return self.empty(self.expected)
        if type(value) is not str:
            return complain(f"{self.label} must be {self.expected}", got=True)
        problem = text_problem(value, self.label, self.expected, self.limit)
        if problem:
            return complain(problem)
        return self.rules(value, context) if self.has_rules else value

    has_rules = False  # whether a class has rules of its own: a text of most keys (markup) needs no call

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        cls.has_rules = cls.rules is not TextKey.rules

    def rules(self, text: str, context: Any) -> Any:
        """The key's own rules for a text that is acceptable as text: what it gives, or Complaints."""
        return text

    def made(self, value: Any, reader: Any, at: Any) -> Any:
        return reader.written(value, at)

    def json_schema(self, context: Any) -> dict[str, Any]:
        return {"type": "string", "minLength": 1, "maxLength": self.limit, "pattern": ACCEPTABLE_TEXT_PATTERN}


class MarkupKey(TextKey):
    """Markup an educator writes (question, answer, extra): a located `Text`, stripped."""

    def __init__(self, name: str, doc: str, required: bool = False) -> None:
        super().__init__(name, doc, required, expected=f"the {name}")

    def made(self, value: Any, reader: Any, at: Any) -> Any:
        return reader.text(value.strip(), at)


class PlainTextKey(MarkupKey):
    """Text shown exactly as written, of at most `limit` characters once stripped (a topic)."""

    def __init__(self, name: str, doc: str, expected: str, limit: int) -> None:
        super().__init__(name, doc)
        self.expected, self.short = expected, limit

    def rules(self, text: str, context: Any) -> Any:
        length = len(text.strip())
        return complain(f"{self.label} has {length} characters; keep it to {self.short}") if length > self.short \
            else text

    def json_schema(self, context: Any) -> dict[str, Any]:
        return {**super().json_schema(context), "maxLength": self.short}


class PatternKey(TextKey):
    """Text that must match `pattern`; `explain` says what a good value looks like."""

    def __init__(self, name: str, doc: str, pattern: re.Pattern[str], explain: Callable[[str], str],
                 required: bool = False, expected: str = "text") -> None:
        super().__init__(name, doc, required, expected)
        self.pattern, self.explain = pattern, explain

    def rules(self, text: str, context: Any) -> Any:
        return text if self.pattern.match(text) else complain(self.explain(text))

    def json_schema(self, context: Any) -> dict[str, Any]:
        return {"type": "string", "pattern": "^" + self.pattern.pattern.removesuffix("\\Z") + "$"}


class ChoiceKey(TextKey):
    """One of a set of names that the context gives (kinds, subdeck keys, reference keys)."""

    def __init__(self, name: str, doc: str, choices: Callable[[Any], Collection[str]],
                 unknown: Callable[[str, Collection[str]], str], required: bool = False,
                 expected: str = "text") -> None:
        super().__init__(name, doc, required, expected)
        self.choices, self.unknown = choices, unknown

    def rules(self, text: str, context: Any) -> Any:
        choices = self.choices(context)
        return text if text in choices else complain(self.unknown(text, choices))

    made = Key.made  # the name itself

    def quick(self, value: Any, reader: QuickReader, steps: tuple[str | int, ...]) -> Any:
        """The check depends on the text alone, and texts repeat (every card names its kind): each
        is checked once per file, and every card gets the one copy of its kind or subdeck."""
        if type(value) is not str:
            return super().quick(value, reader, steps)
        known = reader.remembered.get((self, value))
        if known is None:
            known = reader.remembered[self, value] = super().quick(value, reader, steps)
        return known

    def json_schema(self, context: Any) -> dict[str, Any]:
        choices = list(self.choices(context))
        return {"enum": choices} if choices else {"type": "string", "minLength": 1}


class WholeNumberKey(Key):
    """A whole number written plainly, from `lowest` to `highest` when they are given."""

    wants = int

    def __init__(self, name: str, doc: str, required: bool = False, lowest: int | None = None,
                 highest: int | None = None) -> None:
        super().__init__(name, doc, required)
        self.lowest, self.highest = lowest, highest

    def check(self, value: Any, context: Any) -> Any:
        if value is None:
            return self.empty("a whole number")
        if type(value) is str:  # a whole number of more digits than any id or year (see `plain`)
            expected = f"from {self.lowest} to {self.highest}" if self.highest is not None else "of at most 19 digits"
            return complain(f"'{self.name}' must be a whole number {expected}, got {shortened(value, 30)}")
        if type(value) is not int:
            return complain(f"'{self.name}' must be a whole number", got=True)
        if self.lowest is not None and self.highest is not None and not self.lowest <= value <= self.highest:
            return complain(f"'{self.name}' must be a whole number from {self.lowest} to {self.highest}, got {value}")
        return value

    def quick(self, value: Any, reader: QuickReader, steps: tuple[str | int, ...]) -> Any:
        """YAML 1.2 reads 0x1F and 0o17 as numbers, which the careful reading refuses: a number is
        never read plainly."""
        return EXPLAIN

    def json_schema(self, context: Any) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "integer"}
        if self.highest is not None:
            schema.update(minimum=self.lowest, maximum=self.highest)
        return schema


class BooleanKey(Key):
    """true or false; YAML 1.2's (true, True, TRUE...) are exactly those the careful reading takes."""

    wants = bool

    def check(self, value: Any, context: Any) -> Any:
        if type(value) is bool:
            return value
        if value is None:
            return self.empty("true or false")
        return complain(f"'{self.name}' must be true or false", got=True)

    def json_schema(self, context: Any) -> dict[str, Any]:
        return {"type": "boolean"}


class ListKey(Key):
    """A list of text items, each checked as text and then by `item`'s rules (a key whose name is
    this key's); `size` says what is wrong with a list of that many items, if anything."""

    wants = list

    def __init__(self, name: str, doc: str, item: TextKey, expected_item: str, expected_list: str,
                 required: bool = False, min_items: int = 0, max_items: int | None = None,
                 size: Callable[[int], str | None] | None = None) -> None:
        super().__init__(name, doc, required)
        self.item, self.expected_item, self.expected_list = item, expected_item, expected_list
        self.min_items, self.max_items, self.size = min_items, max_items, size
        self.item_label = f"'{name}' item"

    def check(self, value: Any, context: Any) -> Any:
        if type(value) is not list:
            return complain(f"'{self.name}' must be {self.expected_list}", got=True)
        size = self.size(len(value)) if self.size else None
        complaints = [Complaint(size)] if size else []
        items = [self._item(item, index, complaints, context) for index, item in enumerate(value)]
        # The careful reading still gives the good items, as values of their own checks go on.
        return Complaints(tuple(complaints), [item for item in items if item is not None]) if complaints else items

    def _item(self, value: Any, index: int, complaints: list[Complaint], context: Any) -> Any:
        if type(value) is not str:
            if value is None:
                complaints.append(Complaint(f"{self.item_label} is empty: write {self.expected_item}", item=index))
            else:
                complaints.append(Complaint(f"'{self.name} item' must be {self.expected_item}", True, index))
            return None
        problem = text_problem(value, self.item_label, self.expected_item, self.item.limit)
        checked = complain(problem) if problem else self.item.rules(value, context)
        if type(checked) is Complaints:
            complaints += [complaint._replace(item=index) for complaint in checked.each]
            return None
        return _Item(index, checked)

    def made(self, value: Any, reader: Any, at: Any) -> Any:
        return [self.item.made(item.value, reader, reader.item(at, item.position)) for item in value]

    def json_schema(self, context: Any) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "array", "items": self.item.json_schema(context)}
        if self.min_items:
            schema["minItems"] = self.min_items
        if self.max_items is not None:
            schema["maxItems"] = self.max_items
        return schema


class _Item(NamedTuple):
    """A list item that passed its checks, and where it stands in the list."""

    position: int
    value: Any
