"""`options:` in deck.yaml: the deck options the course preset carries to students, and their checks.

Each option is a typed key (keys.py) named after the option on Anki's deck options screen, with
the values that screen accepts, written the way it takes them: steps as `1m 10m 1h 1d`, a desired
retention as 0.90. The FSRS switch is refused with its reason: it is a setting of a student's whole
collection, and Anki's package importer carries presets, never collection settings.
"""

from __future__ import annotations

import re
from typing import Any

from deckgen.source.deck import DeckOptions
from deckgen.source.keys import BooleanKey, Key, Reader, WholeNumberKey, complain
from deckgen.source.load import Mapping, Scalar
from deckgen.source.quickread import EXPLAIN, QuickReader

# Anki's daily limits go from 0 to 9999 on its deck options screen.
MOST_PER_DAY = 9999
# A step as Anki's options screen reads one: a whole number and a unit, minutes when none is given.
STEP = re.compile(r"([0-9]+)([smhd]?)\Z")
STEP_PATTERN = r"^\s*([0-9]+[smhd]?(\s+[0-9]+[smhd]?)*)?\s*$"
SECONDS_IN = {"s": 1, "m": 60, "": 60, "h": 3600, "d": 86400}
# Anki keeps no step longer than 2^31 seconds (its review log stores a step as negative seconds).
LONGEST_STEP_SECONDS = 2**31
# Desired retention as Anki's FSRS options allow it.
RETENTION = re.compile(r"(0?\.[0-9]+|[01](\.[0-9]*)?)\Z")
LOWEST_RETENTION, HIGHEST_RETENTION = 0.70, 0.99
STEPS_HOW = ("write steps as Anki's deck options do: whole numbers with s, m, h or d, separated by spaces, "
             "e.g. '1m 10m 1d'")
FSRS_REFUSED = (
    "'fsrs' cannot be set from deck.yaml: FSRS is switched on or off for a student's whole collection "
    "(Deck options > FSRS), and an Anki package carries deck presets, never that switch; remove 'fsrs', "
    "set 'desired_retention' (the preset carries it, and Anki uses it once a student turns FSRS on) and "
    "tell students in the deck's description whether to turn FSRS on"
)


class StepsKey(Key):
    """Learning or relearning steps as Anki's options screen takes them: '1m 10m 1h 1d', or a number
    of minutes; '' for none. Gives the steps in minutes."""

    def check(self, value: Any, context: Any) -> Any:
        expected = f"steps like '1m 10m 1d' ({STEPS_HOW})"
        if value is None:
            return complain(f"'{self.name}' is empty: write {expected}")
        if type(value) is not str:
            return complain(f"'{self.name}' must be {expected}", got=True)
        steps = []
        for step in value.split():
            match = STEP.match(step)
            if not match:
                return complain(f"'{self.name}' has '{step}', which is not a step: {STEPS_HOW}")
            seconds = int(match.group(1)) * SECONDS_IN[match.group(2)]
            if seconds == 0:
                return complain(f"'{self.name}' has the step '{step}', of no length: Anki would drop it; remove it")
            if seconds > LONGEST_STEP_SECONDS:
                return complain(f"'{self.name}' has the step '{step}', longer than Anki keeps a step "
                                f"({LONGEST_STEP_SECONDS // 86400} days): shorten it")
            steps.append(seconds / 60)
        return tuple(steps)

    def quick(self, value: Any, reader: QuickReader, steps: tuple[str | int, ...]) -> Any:
        return EXPLAIN  # deck.yaml is read with its places: an option is never read plainly

    def json_schema(self, context: Any) -> dict[str, Any]:
        return {"type": ["string", "integer"], "pattern": STEP_PATTERN}


class RetentionKey(Key):
    """Desired retention: a decimal number in Anki's range for it, written plainly."""

    wants = float  # the node itself (keys.plain): whether it is written as a number is part of the rule

    def check(self, value: Any, context: Any) -> Any:
        expected = f"a decimal number from {LOWEST_RETENTION:.2f} to {HIGHEST_RETENTION:.2f}"
        if value is None:
            return complain(f"'{self.name}' is empty: write {expected}")
        number = float(value.text) if isinstance(value, Scalar) and value.plain and RETENTION.match(value.text) \
            else None
        if number is None or not LOWEST_RETENTION <= number <= HIGHEST_RETENTION:
            return complain(f"'{self.name}' must be {expected}, the range Anki allows (0.90 is Anki's default)",
                            got=True)
        return number

    def quick(self, value: Any, reader: QuickReader, steps: tuple[str | int, ...]) -> Any:
        return EXPLAIN  # deck.yaml is read with its places: an option is never read plainly

    def json_schema(self, context: Any) -> dict[str, Any]:
        return {"type": "number", "minimum": LOWEST_RETENTION, "maximum": HIGHEST_RETENTION}


class RefusedKey(Key):
    """A key educators look for that cannot be honoured: always refused, with `reason`."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(name, reason)

    def check(self, value: Any, context: Any) -> Any:
        return complain(self.doc)

    def json_schema(self, context: Any) -> dict[str, Any]:
        return {"not": {}}


OPTION_KEYS = (
    WholeNumberKey("new_per_day", "Anki's 'New cards/day': new cards a student is shown each day.", False, 0,
                   MOST_PER_DAY),
    WholeNumberKey("reviews_per_day", "Anki's 'Maximum reviews/day'.", False, 0, MOST_PER_DAY),
    StepsKey("learning_steps", "Anki's 'Learning steps', e.g. '1m 10m 1d' ('' for none)."),
    StepsKey("relearning_steps", "Anki's 'Relearning steps', e.g. '10m' ('' for none)."),
    RetentionKey("desired_retention", "Anki's 'Desired retention' (FSRS), 0.70 to 0.99."),
    BooleanKey("bury_new_siblings", "Anki's 'Bury new siblings'."),
    BooleanKey("bury_review_siblings", "Anki's 'Bury review siblings'."),
    BooleanKey("bury_interday_learning_siblings", "Anki's 'Bury interday learning siblings'."),
    RefusedKey("fsrs", FSRS_REFUSED),
)


def read_options(node: Mapping, read: Reader) -> DeckOptions:
    """The deck options under `options:` in `node` (deck.yaml's mapping); none set when it has none."""
    mapping = read.section(node, "options", OPTION_KEYS)
    if mapping is None:
        return DeckOptions()
    values = {key.name: read.read(mapping, key) for key in OPTION_KEYS}
    del values["fsrs"]
    return DeckOptions(**values)
