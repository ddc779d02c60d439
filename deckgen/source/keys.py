"""Typed keys: what a YAML mapping may hold, each key reading, checking and describing its own value.

A key is declared once (deckfile.py for deck.yaml, cardfile.py for card files, kinds.py for each
kind of card) and that one declaration serves validation, the did-you-mean hints, the "has no 'x'" messages and the JSON
Schema of `deckgen schema`: a key's type is its class, not a word another module interprets.
Every reading records its problems with their `file:line:col` and returns None for a value that
is off, so validation goes on and reports every problem of every file at once.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection
from typing import Any

from deckgen.errors import Location, ProblemCollector, shortened
from deckgen.source.load import Mapping, Node, Pointer, Positions, Scalar, Sequence, Text

MAX_FIELD_CHARS = 10_000
WHOLE_NUMBER = re.compile(r"-?[0-9]+\Z")
# C1 controls (U+0080-U+009F) too: U+009B, for one, starts an escape sequence on some terminals.
# Also the line and paragraph separators and the bidirectional overrides, which reorder what a
# reader sees in a terminal, a CI log or a card.
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


class Reader:
    """Reads mappings through their keys, recording a problem (and giving None) for a value that is off.
    `context` is what choices are checked against (the deck's subdecks and references)."""

    def __init__(self, problems: ProblemCollector, context: Any = None) -> None:
        self.problems = problems
        self.context = context

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
        suggested: set[str | None] = set()
        for key in node.keys():
            if key.text not in allowed:
                hint = did_you_mean(key.text, allowed)
                suggested.add(closest(key.text, allowed))
                self.add(key.location, f"unknown key '{key.text}'{hint or f': {what} may have {one_of(allowed)}'}")
        if not required:
            return
        present = {key.text for key in node.keys()}
        for declared in keys:
            # A misspelt key already has its message; "missing" would only repeat it.
            if declared.required and declared.name not in present and declared.name not in suggested:
                doc = declared.doc[0].lower() + declared.doc[1:].rstrip(".")
                self.add(node.location, f"{what} has no '{declared.name}': add '{declared.name}:' ({doc})")

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

    def scalar(self, node: Node, label: str, expected: str) -> Scalar | None:
        if isinstance(node, Scalar) and node.kind != "nothing":
            return node
        if isinstance(node, Scalar):
            self.add(node.location, f"{label} is empty: write {expected}")
        else:
            self.add(node.location, f"{label} must be {expected}, got {node.describe()}")
        return None

    def acceptable_text(self, value: Scalar, label: str, expected: str, limit: int = MAX_FIELD_CHARS) -> bool:
        """Text that is not blank, holds no control character and keeps to the length limit;
        `label` names the value as a message does ("'question'", "'items' item")."""
        problem = text_problem(value.text, label, expected, limit)
        if problem:
            self.add(value.location, problem)
            return False
        return True


class _Explain:
    """What a key's quick reading gives for a value it cannot pass as it is: the value may be
    wrong, or right in a way only the position-keeping reading can tell; that reading decides,
    and says where."""

    def __repr__(self) -> str:
        return "EXPLAIN"


EXPLAIN: Any = _Explain()


class QuickReader:
    """Reads plain values (plainload.py), for a file with nothing to report: any key that finds
    its value off gives EXPLAIN, and the file is read again by `Reader`, which says what and where.
    Values keep their place as a `Pointer` (a text: its card's, and its key), whose line and
    column are found only if a later stage asks."""

    def __init__(self, context: Any, positions: Positions) -> None:
        self.context, self.positions = context, positions
        self._choices: dict[ChoiceKey, dict[str, str]] = {}
        self._card_place: Pointer | None = None

    def choices(self, key: ChoiceKey) -> dict[str, str]:
        """The choices of `key` that `read` would take, each to itself: worked out once per file, not
        per card, and giving every card the one copy of its kind or subdeck, not one of its own."""
        if key not in self._choices:
            self._choices[key] = {
                choice: choice for choice in key.choices(self.context) if quick_text(choice, key.limit)
            }
        return self._choices[key]

    def pointer(self, steps: tuple[Any, ...]) -> Pointer:
        """Where the value at `steps` stands: ("cards", card, key[, item]) or (key[, item])."""
        if steps[0] == "cards":
            if len(steps) == 3 and steps[2] == "id":
                return self.card_place(steps[1])
            return Pointer(self.positions, steps[1], steps[2], steps[3] if len(steps) > 3 else None)
        return Pointer(self.positions, None, steps[0], steps[1] if len(steps) > 1 else None)

    def card_place(self, card: int) -> Pointer:
        """Where card number `card` stands (its id), one for all of its texts."""
        if self._card_place is None or self._card_place.card != card:
            self._card_place = Pointer(self.positions, card, "id")
        return self._card_place

    def text(self, value: str, steps: tuple[Any, ...]) -> Text:
        """A text at `steps`, which knows where it stands through its card's place."""
        if steps[0] == "cards":
            return Text(value, self.card_place(steps[1]), steps[2], steps[3] if len(steps) > 3 else None)
        return Text(value, self.pointer(steps))


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


def quick_text(value: Any, limit: int) -> bool:
    """The plain value is text `Reader.acceptable_text` accepts: every text a YAML 1.2 reader gives
    is the same text in YAML 1.1 (only its type may differ, and text keys take any type)."""
    return type(value) is str and text_problem(value, "", "", limit) is None


class Key:
    """One key a mapping may hold: its name, whether it is required, and its meaning (one line).

    `read` reads a located node, reporting every problem where it stands; `quick` reads the same
    value as a plain one (plainload.py) and gives exactly what `read` would, or EXPLAIN when
    `read` would report something (or might): the rules live in the one class, side by side."""

    def __init__(self, name: str, doc: str, required: bool = False) -> None:
        self.name, self.doc, self.required = name, doc, required

    def read(self, node: Node, reader: Reader) -> Any:
        raise NotImplementedError

    def quick(self, value: Any, reader: QuickReader, steps: tuple[str | int, ...]) -> Any:
        return EXPLAIN

    def json_schema(self, context: Any) -> dict[str, Any]:
        raise NotImplementedError


class TextKey(Key):
    """Text of at most `limit` characters: the scalar, as written, or None."""

    def __init__(self, name: str, doc: str, required: bool = False, expected: str = "text",
                 limit: int = MAX_FIELD_CHARS) -> None:
        super().__init__(name, doc, required)
        self.expected, self.limit = expected, limit

    def read(self, node: Node, reader: Reader) -> Any:
        """The scalar as written (a `Scalar`), or None; each kind of text key gives what it makes of it
        (a located `Text`, a name, a URL)."""
        value = reader.scalar(node, f"'{self.name}'", self.expected)
        if value is None or not reader.acceptable_text(value, f"'{self.name}'", self.expected, self.limit):
            return None
        return value

    def quick(self, value: Any, reader: QuickReader, steps: tuple[str | int, ...]) -> Any:
        """The text itself (where `read` gives its Scalar)."""
        return value if quick_text(value, self.limit) else EXPLAIN

    def json_schema(self, context: Any) -> dict[str, Any]:
        return {"type": "string", "minLength": 1, "maxLength": self.limit, "pattern": ACCEPTABLE_TEXT_PATTERN}


class MarkupKey(TextKey):
    """Markup an educator writes (question, answer, extra): a located `Text`, stripped."""

    def __init__(self, name: str, doc: str, required: bool = False) -> None:
        super().__init__(name, doc, required, expected=f"the {name}")

    def read(self, node: Node, reader: Reader) -> Text | None:
        value = super().read(node, reader)
        return Text(value.text.strip(), value.location) if value else None

    def quick(self, value: Any, reader: QuickReader, steps: tuple[str | int, ...]) -> Any:
        return reader.text(value.strip(), steps) if quick_text(value, self.limit) else EXPLAIN


class PlainTextKey(MarkupKey):
    """Text shown exactly as written, of at most `limit` characters once stripped (a topic)."""

    def __init__(self, name: str, doc: str, expected: str, limit: int) -> None:
        super().__init__(name, doc)
        self.expected, self.short = expected, limit

    def read(self, node: Node, reader: Reader) -> Text | None:
        value = super().read(node, reader)
        if value is not None and len(value.value) > self.short:
            reader.add(value.location, f"'{self.name}' has {len(value.value)} characters; keep it to {self.short}")
            return None
        return value

    def quick(self, value: Any, reader: QuickReader, steps: tuple[str | int, ...]) -> Any:
        text = super().quick(value, reader, steps)
        return text if text is EXPLAIN or len(text.value) <= self.short else EXPLAIN

    def json_schema(self, context: Any) -> dict[str, Any]:
        return {**super().json_schema(context), "maxLength": self.short}


class PatternKey(TextKey):
    """Text that must match `pattern`; `explain` says what a good value looks like."""

    def __init__(self, name: str, doc: str, pattern: re.Pattern[str], explain: Callable[[str], str],
                 required: bool = False, expected: str = "text") -> None:
        super().__init__(name, doc, required, expected)
        self.pattern, self.explain = pattern, explain

    def read(self, node: Node, reader: Reader) -> Scalar | None:
        value: Scalar | None = super().read(node, reader)
        if value is not None and not self.pattern.match(value.text):
            reader.add(value.location, self.explain(value.text))
            return None
        return value

    def quick(self, value: Any, reader: QuickReader, steps: tuple[str | int, ...]) -> Any:
        text = super().quick(value, reader, steps)
        return text if text is EXPLAIN or self.pattern.match(text) else EXPLAIN

    def json_schema(self, context: Any) -> dict[str, Any]:
        return {"type": "string", "pattern": "^" + self.pattern.pattern.removesuffix("\\Z") + "$"}


class ChoiceKey(TextKey):
    """One of a set of names that the context gives (kinds, subdeck keys, reference keys)."""

    def __init__(self, name: str, doc: str, choices: Callable[[Any], Collection[str]],
                 unknown: Callable[[str, Collection[str]], str], required: bool = False,
                 expected: str = "text") -> None:
        super().__init__(name, doc, required, expected)
        self.choices, self.unknown = choices, unknown

    def read(self, node: Node, reader: Reader) -> str | None:
        value: Scalar | None = super().read(node, reader)
        if value is None:
            return None
        choices = self.choices(reader.context)
        if value.text not in choices:
            reader.add(value.location, self.unknown(value.text, choices))
            return None
        return value.text

    def quick(self, value: Any, reader: QuickReader, steps: tuple[str | int, ...]) -> Any:
        return reader.choices(self).get(value, EXPLAIN) if type(value) is str else EXPLAIN

    def json_schema(self, context: Any) -> dict[str, Any]:
        choices = list(self.choices(context))
        return {"enum": choices} if choices else {"type": "string", "minLength": 1}


class WholeNumberKey(Key):
    """A whole number written plainly, from `lowest` to `highest` when they are given."""

    def __init__(self, name: str, doc: str, required: bool = False, lowest: int | None = None,
                 highest: int | None = None) -> None:
        super().__init__(name, doc, required)
        self.lowest, self.highest = lowest, highest

    def read(self, node: Node, reader: Reader) -> int | None:
        value = reader.scalar(node, f"'{self.name}'", "a whole number")
        if value is None:
            return None
        if not value.plain or not WHOLE_NUMBER.match(value.text):
            reader.add(value.location, f"'{self.name}' must be a whole number, got {value.describe()}")
            return None
        if len(value.text.lstrip("-")) > 19:  # no id or year is longer; Python refuses 4,301 digits
            expected = f"from {self.lowest} to {self.highest}" if self.highest is not None else "of at most 19 digits"
            reader.add(value.location,
                       f"'{self.name}' must be a whole number {expected}, got {shortened(value.text, 30)}")
            return None
        number = int(value.text)
        if self.lowest is not None and self.highest is not None and not self.lowest <= number <= self.highest:
            reader.add(value.location,
                       f"'{self.name}' must be a whole number from {self.lowest} to {self.highest}, got {number}")
            return None
        return number

    def json_schema(self, context: Any) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "integer"}
        if self.highest is not None:
            schema.update(minimum=self.lowest, maximum=self.highest)
        return schema


class BooleanKey(Key):
    def read(self, node: Node, reader: Reader) -> bool | None:
        value = reader.scalar(node, f"'{self.name}'", "true or false")
        if value is None:
            return None
        if value.kind != "true or false" or value.text.lower() not in ("true", "false"):
            reader.add(value.location, f"'{self.name}' must be true or false, got {value.describe()}")
            return None
        return value.text.lower() == "true"

    def quick(self, value: Any, reader: QuickReader, steps: tuple[str | int, ...]) -> Any:
        """YAML 1.2's true and false (true, True, TRUE...) are all ones `read` takes."""
        return value if type(value) is bool else EXPLAIN

    def json_schema(self, context: Any) -> dict[str, Any]:
        return {"type": "boolean"}


class ListKey(Key):
    """A list of text items, each read by `item` (a key whose name is this key's)."""

    def __init__(self, name: str, doc: str, item: TextKey, expected_item: str, expected_list: str,
                 required: bool = False, min_items: int = 0, max_items: int | None = None) -> None:
        super().__init__(name, doc, required)
        self.item, self.expected_item, self.expected_list = item, expected_item, expected_list
        self.min_items, self.max_items = min_items, max_items  # checked by the kind that declares them

    def sequence(self, node: Node, reader: Reader) -> Sequence | None:
        if isinstance(node, Sequence):
            return node
        reader.add(node.location, f"'{self.name}' must be {self.expected_list}, got {node.describe()}")
        return None

    def read(self, node: Node, reader: Reader) -> list[Any] | None:
        sequence = self.sequence(node, reader)
        if sequence is None:
            return None
        items = []
        label = f"'{self.name}' item"
        for item in sequence.items:
            if isinstance(item, Scalar) and item.kind == "nothing":
                reader.add(item.location, f"{label} is empty: write {self.expected_item}")
                continue
            value = reader.scalar(item, f"'{self.name} item'", self.expected_item)
            if value is not None and reader.acceptable_text(value, label, self.expected_item, self.item.limit):
                checked = self.item.read(value, _Quiet(reader))
                if checked is not None:
                    items.append(checked)
        return items

    def quick(self, value: Any, reader: QuickReader, steps: tuple[str | int, ...]) -> Any:
        if type(value) is not list:
            return EXPLAIN
        items = [self.item.quick(item, reader, (*steps, index)) for index, item in enumerate(value)]
        return EXPLAIN if any(item is EXPLAIN for item in items) else items

    def json_schema(self, context: Any) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "array", "items": self.item.json_schema(context)}
        if self.min_items:
            schema["minItems"] = self.min_items
        if self.max_items is not None:
            schema["maxItems"] = self.max_items
        return schema


class _Quiet(Reader):
    """Reads a list item through its item key after the list has checked it as text: the item key's
    own checks (a pattern, a choice) speak, its text checks are not repeated."""

    def __init__(self, reader: Reader) -> None:
        super().__init__(reader.problems, reader.context)

    def acceptable_text(self, value: Scalar, label: str, expected: str, limit: int = MAX_FIELD_CHARS) -> bool:
        return True
