"""The shipped IPT deck (cards/) and the repository's documents about it.

These tests assert only what must hold after ANY valid edit of the cards and after any release:
every card imports into Anki and renders, the preview shows and matches every card, `check --strict`
and `lint --strict` pass, the README's coverage table is the last release's, and the README,
CHANGELOG and deck description tell students the same import options. Counts, the version and the
package's name come from the project (cards/deck.yaml, the lock, the build), never from a number
written here: an educator adding a valid card, or a `deckgen release`, must never turn one red.

This module and test_ipt_content.py (the essay overlap rule) are the only tests that read cards/:
every other test builds fixture projects (tests/fixtures/), and a test below holds them to that.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import jsonschema
import pytest
import yaml
from anki_client import import_package, rendered_problems
from browser import browser, screenshot, screenshots, watched  # noqa: F401 (fixtures)
from conftest import REPO
from helpers import (
    deck_names_with_cards,
    expected_from_yaml,
    missing_files_named_in_comments,
    preview_mismatches,
    uncited_cards,
)

from deckgen.authoring.stats import README_END as TABLE_END
from deckgen.authoring.stats import README_START as TABLE_START
from deckgen.changes.students import README_END, README_SECTION, README_START, import_options, import_options_summary
from deckgen.commands.pipeline import build

DECK_SETTINGS = REPO / "cards" / "deck.yaml"
README = REPO / "README.md"
READS_THE_SHIPPED_DECK = {"test_deck.py", "test_ipt_content.py"}


def copy_of_shipped_deck(destination: Path) -> Path:
    """The IPT deck's project files, copied so that a test's build never touches the repository."""
    destination.mkdir(parents=True)
    for name in ("cards", "templates"):
        shutil.copytree(REPO / name, destination / name)
    return destination


def _settings() -> dict:
    return yaml.safe_load(DECK_SETTINGS.read_text())


def _words(text: str) -> str:
    """Text with its line breaks and indentation as single spaces: wrapping is not wording."""
    return " ".join(text.split())


def _quick_start() -> str:
    return README.read_text().split("## Quick start")[1].split("\n## ")[0]


def test_every_card_imports_into_anki_and_renders_without_a_template_problem(tmp_path, student):
    project = copy_of_shipped_deck(tmp_path / "ipt")
    built = build(project, release_time=int(time.time()))  # the cards as they are, released or not
    notes, cards, subdecks = expected_from_yaml(project)

    log = import_package(student, built.output)

    assert (len(log.new), len(log.updated), len(log.conflicting), len(log.duplicate)) == (notes, 0, 0, 0)
    assert (student.note_count(), student.card_count()) == (notes, cards)
    assert deck_names_with_cards(student) == subdecks
    assert rendered_problems(student) == []
    assert uncited_cards(student) == []
    typed = [student.get_card(card_id) for card_id in student.find_cards('"note:IPT typed (deckgen)"')]
    assert all("[[type:Answer]]" in card.question() for card in typed)


def test_the_build_writes_the_package_the_quick_start_names(tmp_path, run_cli):
    project = copy_of_shipped_deck(tmp_path / "ipt")
    notes, cards, subdecks = expected_from_yaml(project)
    media = len(list((project / "cards" / "media").iterdir())) if (project / "cards" / "media").is_dir() else 0

    result = run_cli("build", cwd=project)

    assert result.exit_code == 0, result.stderr
    # (A build of cards changed since the release says so on a second line.)
    written = re.match(r"wrote (build/\S+\.apkg): (\d+) notes, (\d+) cards, (\d+) subdecks, (\d+) media files\n",
                       result.stdout)
    assert written, result.stdout
    assert tuple(map(int, written.groups()[1:4])) == (notes, cards, len(subdecks))
    assert int(written[5]) <= media
    version = _settings()["version"]
    named = written[1].replace(f"-{version}", "-VERSION", 1)
    assert named in (f"build/{_settings()['name'].lower()}-VERSION.apkg",
                     f"build/{_settings()['name'].lower()}-VERSION-unreleased.apkg")
    assert f"`{named}`" in _quick_start()
    # A release changes the version and the counts: the quick start names neither.
    assert re.findall(r"\d+\.\d+\.\d+|\d+ (?:notes|cards)", _quick_start()) == []


def test_the_preview_matches_anki_on_every_card(tmp_path):
    compared, mismatched = preview_mismatches(copy_of_shipped_deck(tmp_path / "ipt"), tmp_path / "student")

    assert compared == expected_from_yaml(REPO)[1]
    assert mismatched == []


@pytest.mark.slow
def test_the_preview_shows_every_card_in_a_browser(tmp_path, run_cli, watched, screenshots):
    project = copy_of_shipped_deck(tmp_path / "ipt")
    assert run_cli("preview", cwd=project).exit_code == 0
    url = (project / "build" / "preview.html").as_uri()
    page = watched()

    page.page.goto(url)

    cards = expected_from_yaml(project)[1]
    assert page.shown_cards() == cards
    assert page.status() == f"{cards} cards"
    screenshot(page, screenshots, "preview-ipt.png")
    assert page.errors == []
    assert page.requests == [url]


@pytest.mark.parametrize("command", ["check", "lint"])
def test_the_deck_passes_strict_check_and_lint(run_cli, command):
    result = run_cli(command, "--strict", cwd=REPO)

    # The lock may acknowledge a change the next release makes on purpose: said, and no problem.
    said = [line for line in result.stderr.splitlines()
            if not line.startswith("warning: the next release makes, on purpose, a change that affects students: ")]
    assert (result.exit_code, said) == (0, [])


def test_every_card_file_is_valid_against_the_schema(tmp_path, run_cli):
    result = run_cli("schema", cwd=REPO)
    validator = jsonschema.Draft202012Validator(json.loads(result.stdout))
    files = [path for path in (REPO / "cards").rglob("*.yaml") if path.name not in ("deck.yaml", "references.yaml")]

    assert files
    for path in files:
        assert [error.message for error in validator.iter_errors(yaml.safe_load(path.read_text()))] == [], path.name


def test_readme_coverage_table_is_the_last_release(run_cli):
    table = run_cli("stats", "--released", cwd=REPO).stdout
    section = README.read_text().split(TABLE_START)[1].split(TABLE_END)[0]

    assert section == "\n" + table, "deckgen release writes it; run `deckgen stats --update README.md`"


def test_the_comments_of_the_settings_files_point_at_files_that_exist():
    assert missing_files_named_in_comments(REPO) == []


def test_the_readme_student_section_holds_the_import_options_once():
    readme = README.read_text()
    section = readme.split(f"## {README_SECTION}\n")[1].split("\n## ")[0]

    assert readme.count(README_START) == readme.count(README_END) == 1
    assert README_START in section and README_END in section
    marked = section.split(README_START)[1].split(README_END)[0]
    assert _words(marked) == _words(import_options(_settings()["name"]))


def test_the_deck_description_quotes_the_import_options():
    assert _words(import_options_summary(_settings()["name"])) in _words(_settings()["description"])


def test_the_changelog_links_the_readme_section_and_nothing_says_ankis_defaults_are_enough():
    changelog = (REPO / "CHANGELOG.md").read_text()
    anchor = re.sub(r"[^a-z0-9 -]", "", README_SECTION.lower()).replace(" ", "-")

    assert f"(README.md#{anchor})" in changelog.split("\n## ")[0]
    told = [README, REPO / "CHANGELOG.md", DECK_SETTINGS,
            *sorted(path for path in (REPO / "deckgen").rglob("*") if path.suffix in (".py", ".md", ".yml"))]
    assert [path.name for path in told if "default options" in path.read_text()] == []


def test_no_other_test_reads_the_shipped_deck():
    """A tool test that read cards/ would turn red when an educator adds a valid card."""
    reading = re.compile(r'REPO / "cards"|cwd=REPO\b|str\(REPO\)\]|"--project", str\(REPO\)|copy_of_shipped_deck'
                         r'|copy_of_repository_deck')
    offenders = [f"{path.name}:{number}" for path in sorted(Path(__file__).parent.glob("*.py"))
                 if path.name not in READS_THE_SHIPPED_DECK
                 for number, line in enumerate(path.read_text().splitlines(), 1) if reading.search(line)]

    assert offenders == []
