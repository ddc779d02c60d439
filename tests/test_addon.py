"""`deckgen addon` (the .ankiaddon students install once), `feed_url` in deck.yaml, the feed
`deckgen publish` writes beside a release, and the add-on run inside Anki's GUI package, offscreen."""

from __future__ import annotations

import ast
import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from anki_client import import_package
from conftest import FIXTURES, REPO, make_project
from test_addon_core import server  # noqa: F401 (a fixture: the loopback server)

from deckgen.commands.pipeline import release
from deckgen.commands.publish import publish
from deckgen.updates.addon import checks
from deckgen.updates.addonfile import CODE_FILES

FEED = "https://github.com/OWNER/REPO/releases/latest/download/latest.json"
REPORT = "https://github.com/OWNER/REPO/issues/new?title=Card+{card}+(v{version})&card={card}"


def _project(tmp_path: Path, extra: str = "") -> Path:
    project = make_project(tmp_path / "deck", FIXTURES / "release" / "v1")
    settings = project / "cards" / "deck.yaml"
    settings.write_text(settings.read_text() + extra)
    return project


def test_addon_writes_an_ankiaddon_for_the_deck(tmp_path, run_cli):
    project = _project(tmp_path, f"feed_url: {FEED}\nreport_url: {REPORT}\n")

    result = run_cli("addon", cwd=project)

    assert result.exit_code == 0, result.stderr
    assert result.stdout == ("wrote build/test-updates.ankiaddon: students install it once with Tools > Add-ons > "
                             "Install from file\n")
    with zipfile.ZipFile(project / "build" / "test-updates.ankiaddon") as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        deck = json.loads(archive.read("deck.json"))
        code = {name: archive.read(name) for name in CODE_FILES}
    assert names == [*CODE_FILES, "deck.json", "manifest.json"]
    # Anki's add-on manager needs `package` (the folder, an identifier) and `name`.
    assert manifest == {"package": "deckgen_updates_test", "name": "Test deck: updates", "human_version": "1.0.0",
                        "min_point_version": 231200}
    assert manifest["package"].isidentifier()
    assert deck == {"name": "Test", "id": 1700000000001, "feed_url": FEED, "retired_tag": "test::retired",
                    "report_url": REPORT}
    assert json.loads(code["config.json"]) == {"check_at_startup": True, "remove_retired_cards": None}
    for key in ("check_at_startup", "remove_retired_cards"):  # every config key is documented
        assert f"**{key}**" in code["config.md"].decode()
    for name in (name for name in CODE_FILES if name.endswith(".py")):  # nothing of deckgen's is imported
        imported = {node.module or "" for node in ast.walk(ast.parse(code[name])) if isinstance(node, ast.ImportFrom)}
        imported |= {alias.name for node in ast.walk(ast.parse(code[name])) if isinstance(node, ast.Import)
                     for alias in node.names}
        assert not {module for module in imported if module.startswith("deckgen")}, name
    # The same deck.yaml gives the same bytes.
    first = (project / "build" / "test-updates.ankiaddon").read_bytes()
    assert run_cli("addon", cwd=project).exit_code == 0
    assert (project / "build" / "test-updates.ankiaddon").read_bytes() == first


def test_addon_without_a_feed_says_what_to_add(tmp_path, run_cli):
    project = _project(tmp_path)

    result = run_cli("addon", cwd=project)

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "cards/deck.yaml:1:1: the add-on needs 'feed_url', the address of the release feed it checks: add feed_url: "
        "https://github.com/OWNER/REPO/releases/latest/download/latest.json (your deck's repository)",
        "1 problem found; nothing was written",
    ]


@pytest.mark.parametrize("url", ["http://example.org/latest.json", "ftp://example.org/latest.json", "latest.json"])
def test_a_feed_url_that_is_not_https_is_refused_where_it_is(tmp_path, run_cli, url):
    project = _project(tmp_path, f"feed_url: {url}\n")

    result = run_cli("check", cwd=project)

    assert result.exit_code == 1
    line = len((project / "cards" / "deck.yaml").read_text().splitlines())
    assert result.stderr.splitlines()[0] == (
        f"cards/deck.yaml:{line}:11: 'feed_url' must be an https:// address of the release feed, got '{url}': on "
        "GitHub write https://github.com/OWNER/REPO/releases/latest/download/latest.json")


def test_publish_writes_the_feed_beside_the_package(tmp_path):
    project = _project(tmp_path, f"feed_url: {FEED}\n")
    release(project, "1.0.0", 1764000000)

    published = publish(project, "v1.0.0", tmp_path / "none", tmp_path / "dist", 1764000000)

    assert published.feed == tmp_path / "dist" / "latest.json"
    feed = json.loads(published.feed.read_text())
    package = published.package.read_bytes()
    notes = (tmp_path / "dist" / "RELEASE-NOTES.md").read_text()
    assert feed == {
        "format": 1,
        "deck": {"name": "Test", "id": 1700000000001},
        "version": "1.0.0",
        "released": "2025-11-24T16:00:00Z",
        "package": {"url": "https://github.com/OWNER/REPO/releases/latest/download/test-1.0.0.apkg",
                    "size": len(package), "sha256": hashlib.sha256(package).hexdigest()},
        "notes": {"markdown": notes, "text": feed["notes"]["text"]},
        "min_addon_version": "1.0.0",
        "merge_note_types": False,
    }
    assert "**Import deck presets**" in notes and "Import deck presets: ticked" in feed["notes"]["text"]
    # The add-on reads it: the deck it names, the address it allows.
    deck = checks.DeckInfo("Test", 1700000000001, FEED, "test::retired")
    assert checks.read_feed(published.feed.read_bytes(), deck, None).sha256 == feed["package"]["sha256"]


def test_publish_without_a_feed_url_writes_no_feed(tmp_path):
    project = _project(tmp_path)
    release(project, "1.0.0", 1764000000)
    assert publish(project, "v1.0.0", tmp_path / "none", tmp_path / "dist", 1764000000).feed is None
    assert not (tmp_path / "dist" / "latest.json").exists()


@pytest.mark.slow  # a process that starts Qt and Anki's GUI package: about 3 s
def test_the_addon_runs_inside_anki_offscreen(tmp_path, run_cli, server):  # noqa: F811
    pytest.importorskip("aqt", reason="Anki's GUI package: .ci/run installs it (aqt and PyQt6)")
    feed_url = f"http://127.0.0.1:{server.server_address[1]}/latest.json"
    project = _project(tmp_path, f"feed_url: {feed_url}\nreport_url: {REPORT}\n")
    assert run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": "1764000000"}).exit_code == 0
    assert run_cli("addon", cwd=project).exit_code == 0
    dist = tmp_path / "dist"
    publish(project, "v1.0.0", tmp_path / "none", dist, 1764000000)
    server.files = {"/latest.json": (dist / "latest.json").read_bytes(),
                    "/test-1.0.0.apkg": (dist / "test-1.0.0.apkg").read_bytes()}
    addons = tmp_path / "addons21"
    with zipfile.ZipFile(project / "build" / "test-updates.ankiaddon") as archive:
        archive.extractall(addons / "deckgen_updates_test")  # as Anki's "Install from file" does
    (tmp_path / "student").mkdir()

    ran = subprocess.run([sys.executable, str(REPO / "tests" / "addon_in_aqt.py"), str(addons), "deckgen_updates_test",
                          str(tmp_path / "student" / "collection.anki2")], capture_output=True, text=True,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, timeout=120)

    assert ran.returncode == 0, ran.stderr
    result = json.loads(ran.stdout.splitlines()[-1])
    assert result["menu"] == "Check for Test updates"
    assert result["background_tasks"] == 2  # each check (menu, start-up) ran as a background task
    [(status, message, quiet), at_start] = result["shown"]
    assert (status, quiet) == ("updated", False), message
    assert message.startswith("Test updated to 1.0.0: ")
    assert at_start == ["current", "Test is up to date (version 1.0.0).", True]  # the start-up hook's check
    # Whether to delete retired cards is asked once, and the answer kept in the add-on's config.
    assert result["asked"] == 1
    assert result["config_written"] == [["deckgen_updates_test", {"check_at_startup": True,
                                                                  "remove_retired_cards": True}]]
    assert result["notes"] > 0 and result["resets"] == 1 and result["report_hook"]
    # The reviewer's menu opens the card's own report link, which deckgen wrote into the note.
    assert result["report_link"].startswith("https://github.com/OWNER/REPO/issues/new?title=Card+")


def test_the_deck_description_names_the_version_and_links_its_notes(tmp_path, student):
    project = _project(tmp_path, f"feed_url: {FEED}\n")
    import_package(student, release(project, "1.0.0", 1764000000).output, presets=True)
    shown = student.decks.by_name("Test")["desc"]
    assert shown.endswith('<p class="deckgen-release">Version 1.0.0 · <a href="https://github.com/OWNER/REPO/'
                          'releases/tag/v1.0.0">what is new</a></p>')
    # Anki replaces the description at every import: a student who imports by hand sees the new version too.
    import_package(student, release(project, "1.1.0", 1764000600).output, presets=True)
    assert 'Version 1.1.0 · <a href="https://github.com/OWNER/REPO/releases/tag/v1.1.0">' in \
        student.decks.by_name("Test")["desc"]


def test_without_a_feed_the_description_names_the_version(tmp_path, student):
    import_package(student, release(_project(tmp_path), "1.0.0", 1764000000).output, presets=True)
    assert student.decks.by_name("Test")["desc"].endswith('<p class="deckgen-release">Version 1.0.0</p>')


def test_the_readme_student_section_leads_with_the_addon_then_the_manual_path():
    section = (REPO / "README.md").read_text().split("## For students: importing the deck\n")[1].split("\n## ")[0]
    headings = [line for line in section.splitlines() if line.startswith("### ")]
    assert headings == ["### With the add-on: install once, nothing to set (Anki desktop)", "### By hand"]
    with_addon = section.split("### By hand")[0]
    for told in ("Install from", "AnkiWeb sync", "IPT (your versions)", "23.12", "Report a problem with this card"):
        assert told in with_addon, told


def _imports(path: Path) -> set[str]:
    """The modules a file imports, absolute ones by name, relative ones as '.'."""
    tree = ast.parse(path.read_text())
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    return names | {"." if node.level else node.module or "" for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom)}


def test_the_updates_package_keeps_to_its_imports():
    updates = REPO / "deckgen" / "updates"
    allowed = {"deckgen.errors", "deckgen.paths", "deckgen.apkg"}
    for path in updates.glob("*.py"):
        ours = {name for name in _imports(path) if name.startswith("deckgen")}
        assert all(name in allowed or name.startswith("deckgen.updates") for name in ours), (path.name, ours)
    for path in (updates / "addon").glob("*.py"):  # runs in a student's Anki: the standard library, anki, aqt
        outside = {name.split(".")[0] for name in _imports(path) if name != "."} - {"anki", "aqt"}
        assert outside <= set(sys.stdlib_module_names), (path.name, outside)
