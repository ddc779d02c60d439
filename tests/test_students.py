"""What students are told about Anki's import options is said once (deckgen/students.py) and every
place that tells them agrees: the README's student section, the CHANGELOG, the release notes and
the IPT deck's description. (The release notes' exact text: test_release.py's golden file and
test_publish.py.)"""

from __future__ import annotations

import re

import yaml

from conftest import REPO
from deckgen.students import README_END, README_SECTION, README_START, import_options, import_options_summary


def _words(text: str) -> str:
    """Text with its line breaks and indentation as single spaces: wrapping is not wording."""
    return " ".join(text.split())


def _deck_name() -> str:
    return yaml.safe_load((REPO / "cards" / "deck.yaml").read_text())["name"]


def test_the_readme_student_section_holds_the_import_options_once():
    readme = (REPO / "README.md").read_text()
    section = readme.split(f"## {README_SECTION}\n")[1].split("\n## ")[0]

    assert readme.count(README_START) == readme.count(README_END) == 1
    assert README_START in section and README_END in section
    marked = section.split(README_START)[1].split(README_END)[0]
    assert _words(marked) == _words(import_options(_deck_name()))


def test_the_deck_description_quotes_the_import_options():
    description = yaml.safe_load((REPO / "cards" / "deck.yaml").read_text())["description"]

    assert _words(import_options_summary(_deck_name())) in _words(description)


def test_the_changelog_links_the_readme_section_and_nothing_says_ankis_defaults_are_enough():
    changelog = (REPO / "CHANGELOG.md").read_text()
    anchor = re.sub(r"[^a-z0-9 -]", "", README_SECTION.lower()).replace(" ", "-")

    assert f"(README.md#{anchor})" in changelog.split("\n## ")[0]
    told = [REPO / "README.md", REPO / "CHANGELOG.md", REPO / "cards" / "deck.yaml",
            REPO / ".github" / "scripts" / "publish_release.py", *sorted((REPO / "deckgen").glob("*.py"))]
    assert [path.name for path in told if "default options" in path.read_text()] == []


def test_the_summary_and_the_list_make_the_same_choices():
    listed = re.findall(r"^- \*\*(.+?)\*\*: (.+?)\.(?: |$)", import_options("Deck"), re.MULTILINE)
    summarised = re.findall(r"\*\*(.+?)\*\*: (.+?)(?:;|\.$)", import_options_summary("Deck"))

    assert listed == summarised and len(listed) == 5
    assert listed[0] == ("Import deck presets", "ticked")  # Anki leaves it unticked: students must tick it
