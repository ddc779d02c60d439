"""The 100,000-card paths against the paths that say where a problem is.

Each fast path of a large build (a lock's card records read in one pass, notes and cards written as
plain rows) must give exactly what the careful path gives, and leave anything unusual to it, whose
messages say what is wrong and where. Generated inputs, hostile ones included, go both ways.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deckgen import ids
from deckgen.errors import DeckError
from deckgen.release import lockcards, lockread

PROPERTY = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                           HealthCheck.function_scoped_fixture])

FINGERPRINT = "sha256:" + "0" * 64
# What a card's entry holds as deckgen writes it, and values deckgen never writes in its place.
VALUES = {
    "added": st.sampled_from([1764000000, 1, 0, -5, True, 1.5, "1764000000", 253_402_300_799, 253_402_300_800]),
    "modified": st.sampled_from([1764000000, 1764000600, 1763999999, False, None, 2**70]),
    "changed_in": st.sampled_from(["1.0.0", "1.0.0", "1.0", "basic", "x\u2028", 1, ""]),
    "content": st.sampled_from([FINGERPRINT, FINGERPRINT, "sha256:" + "G" * 64, FINGERPRINT.upper(), 7]),
    "kind": st.sampled_from(["basic", "basic", "cloze", "1.0.0", "first", "a\x00b", "", 3, "x" * 100_001]),
    "subdeck": st.sampled_from(["first", "first", "basic", "tab\there", None, ["first"]]),
    "guid": st.sampled_from(["D;DkuHw0DT", "abc", "", "with space", "é", "x" * 65, 5, None]),
    "position": st.sampled_from([8, 0, -1, 2**31, True, 1.0, "8", None]),
    "retired": st.sampled_from([True, False, 0, "true", None]),
    "removed": st.sampled_from([True, False, 1]),
    "hides": st.sampled_from([{}, {"1": "a"}, {"x": "a"}, {"1": 5}, [], None]),
    "deletions": st.sampled_from([[], ["1:" + FINGERPRINT], ["x"]]),
    "unknown": st.sampled_from([1, "a"]),
}
WRITTEN = {"added": 1764000000, "modified": 1764000000, "changed_in": "1.0.0", "content": FINGERPRINT,
           "kind": "basic", "subdeck": "first", "guid": "D;DkuHw0DT", "position": 8}


@st.composite
def card_entries(draw, changes: int = 0) -> dict[str, object]:
    """A card's entry: as deckgen writes it, with some values replaced, removed or added (at least
    `changes` of them)."""
    entry = dict(WRITTEN)
    for key in draw(st.lists(st.sampled_from(sorted(VALUES)), min_size=changes, max_size=3)):
        if draw(st.integers(0, 3)) == 0:
            entry.pop(key, None)
        else:
            entry[key] = draw(VALUES[key])
    return entry


@given(st.sampled_from(["card-1", "card-1", "Card-4", "card 5", "-x"]), card_entries(changes=1),
       st.sampled_from([1, 2, 3]))
@PROPERTY
def test_a_card_entry_read_in_one_pass_is_the_entry_read_with_its_checks(card_id, entry, lock_format):
    """An entry the one-pass path reads gives the very record reading it with every check gives (the
    names of an earlier card already accepted); any other is left to the reading with checks."""
    names = {"changed_in": {"1.0.0": "1.0.0"}, "kind": {"basic": "basic"}, "subdeck": {"first": "first"}}
    fast = _outcome(lockcards.plain_card_record, card_id, entry, lock_format, names, lockread._hides)
    if fast is not None:
        assert fast == _outcome(lockread._card_record, card_id, entry, lock_format)


def _outcome(read, *arguments) -> object:
    """What reading an entry gives: its record, or the message of what is wrong with it."""
    try:
        return read(*arguments)
    except ValueError as error:
        return str(error)


def _read(path: Path) -> object:
    """The lock's cards as read, or the message that refuses it."""
    try:
        lock_file = lockread.read_lock(path, "cards/deck.lock", now=1764100000)
    except DeckError as error:
        return str(error)
    assert lock_file is not None
    return dict(lock_file.lock.cards)


@given(st.lists(st.tuples(st.sampled_from(["card-1", "card-2", "card-3", "Card-4", "card 5"]), card_entries()),
                min_size=1, max_size=5), st.sampled_from([2, 3]))
@PROPERTY
def test_the_lock_read_in_one_pass_is_the_lock_read_entry_by_entry(tmp_path_factory, monkeypatch, cards, lock_format):
    """A lock's cards read by the one-pass path give the very records, or the very message, that
    reading every entry with its checks gives."""
    path = tmp_path_factory.mktemp("lock") / "deck.lock"
    note_type = {"id": 1700000000101, "fields": ["Question"], "templates": ["Card"], "appearance": FINGERPRINT,
                 "modified": 1764000000}
    document = {
        "format": lock_format, "deck": {"id": 1700000000001, "name": "Test", "subdecks": {"first": "First"},
                                        **({"description": FINGERPRINT} if lock_format >= 3 else {})},
        "note_types": {"basic": note_type, "cloze": note_type},
        "cards": dict(cards), "releases": [{"version": "1.0.0", "time": 1764000600}],
    }
    path.write_text(json.dumps(document, indent=2))
    fast = _read(path)
    with monkeypatch.context() as patched:
        patched.setattr(lockcards, "plain_card_record", lambda *arguments: None)
        careful = _read(path)
    assert fast == careful


def test_a_damaged_card_entry_is_located_at_its_line(tmp_path):
    """The lines of a lock's entries are found only for a message, and still name the right line."""
    path = tmp_path / "deck.lock"
    entry = {"added": 1764000000, "modified": 1764000000, "changed_in": "1.0.0", "content": FINGERPRINT,
             "kind": "basic", "subdeck": "first"}
    lines = ['{', '  "format": 2,', '  "deck": {"id": 1700000000001, "name": "Test", "subdecks": {"first": "First"}},',
             '  "note_types": {', '    "basic": {"id": 1700000000101, "fields": ["Q"], "templates": ["C"], '
             f'"appearance": "{FINGERPRINT}", "modified": 1764000000}}', '  },', '  "cards": {',
             f'    "card-1": {json.dumps(entry)},', f'    "card-2": {json.dumps({**entry, "kind": 5})}', '  }', '}']
    path.write_text("\n".join(lines))
    with pytest.raises(DeckError) as raised:
        lockread.read_lock(path, "cards/deck.lock", now=1764100000)
    assert str(raised.value) == ("cards/deck.lock:9:1: the lock file is damaged: 'kind' should be text, is 5; restore "
                                 "it from git, never edit it by hand")



def _base91_digit_by_digit(number: int) -> str:
    digits = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&()*+,-./:;<=>?@[]^_`{|}~"
    written = ""
    while True:
        number, digit = divmod(number, 91)
        written = digits[digit] + written
        if not number:
            return written


@given(st.one_of(st.integers(0, 2**64 - 1), st.sampled_from(
    [0, 1, 90, 91, 92, 8280, 8281, 8282, 2**64 - 1, 2**63] + [91**power + delta for power in range(2, 10)
                                                              for delta in (-1, 0, 1)])))
@PROPERTY
def test_a_guid_is_its_number_in_base_91_without_leading_zero_digits(number):
    """GUIDs written five digit pairs at a time are the number written digit by digit: students'
    notes keep the GUIDs earlier releases gave them."""
    assert ids.base91(number) == _base91_digit_by_digit(number)
