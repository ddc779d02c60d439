"""Change subjects: the lock writes each as the text it always wrote, and reads back the same value."""

from __future__ import annotations

import pytest

from deckgen.release import subjects
from deckgen.release.subjects import read_subject


@pytest.mark.parametrize(("subject", "written"), [
    (subjects.card("phases.initial-2"), "card:phases.initial-2"),
    (subjects.note_type("cloze_list"), "note_type:cloze_list"),
    (subjects.subdeck("initial"), "subdecks.initial"),
    (subjects.DECK_NAME, "name"),
    (subjects.DECK_ID, "id"),
    (subjects.POSITIONS, "positions"),
])
def test_a_subject_is_written_as_the_lock_always_wrote_it_and_read_back(subject, written):
    assert str(subject) == written
    assert read_subject(written) == subject


@pytest.mark.parametrize("text", ["card:", "card:Phases", "lock:card:a", "note_type:", "subdecks.a:b", "names", "deck",
                                  ""])
def test_text_deckgen_never_writes_is_no_subject(text):
    assert read_subject(text) is None


def test_a_change_is_recorded_at_its_own_lock_entry_or_the_decks():
    assert subjects.card("a").lock_entry == subjects.card_entry("a")
    assert subjects.note_type("basic").lock_entry == subjects.note_type_entry("basic")
    assert subjects.subdeck("a").lock_entry == subjects.DECK_ENTRY
    assert subjects.POSITIONS.lock_entry == subjects.DECK_ENTRY
