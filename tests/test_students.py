"""What students are told about Anki's import options is said once (deckgen/changes/students.py), as a list
with reasons and as one sentence that make the same choices. (That the README, the CHANGELOG and the
IPT deck's description agree with it: test_deck.py; the release notes: test_release.py's golden
file and test_publish.py.)"""

from __future__ import annotations

import re

from deckgen.changes.students import import_options, import_options_summary


def test_the_summary_and_the_list_make_the_same_choices():
    listed = re.findall(r"^- \*\*(.+?)\*\*: (.+?)\.(?: |$)", import_options("Deck"), re.MULTILINE)
    summarised = re.findall(r"\*\*(.+?)\*\*: (.+?)(?:;|\.$)", import_options_summary("Deck"))

    assert listed == summarised and len(listed) == 5
    assert listed[0] == ("Import deck presets", "ticked")  # Anki leaves it unticked: students must tick it
    assert "`Deck (course order)`" in import_options("Deck")  # the preset's name, as the package names it
