"""Publishing, tested: `deckgen publish`, which the release workflow runs, in a git repository with two
release tags, rebuilds each tagged release byte for byte and writes its notes against the previous release."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, make_project

from deckgen.changes.students import import_options

RELEASE = FIXTURES / "release"
CHANGELOG = "# Changelog\n\n## [1.1.0] - 2026-11-29\n\n### Fixed\n- Weissman's name.\n\n## [1.0.0]\n\n- First.\n"


def _git(folder: Path, *arguments: str) -> str:
    environment = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
                   "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    return subprocess.run(["git", *arguments], cwd=folder, env=environment, check=True, capture_output=True,
                          text=True).stdout


def _deckgen(folder: Path, *arguments: str, time: str) -> None:
    subprocess.run([sys.executable, "-m", "deckgen", *arguments], cwd=folder, check=True, capture_output=True,
                   env={**os.environ, "SOURCE_DATE_EPOCH": time})


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _publish(repository: Path, tag: str, previous: Path, out: Path, checkout: Path) -> subprocess.CompletedProcess:
    """What the workflow does on a tag: a fresh checkout of it, then `deckgen publish`."""
    _git(repository.parent, "clone", "-q", str(repository), str(checkout))
    _git(checkout, "checkout", "-q", tag)
    return subprocess.run([sys.executable, "-m", "deckgen", "publish", tag, str(previous), str(out)], cwd=checkout,
                          capture_output=True, text=True)


@pytest.mark.slow  # git, two releases and two rebuilds in processes: about 3 s
def test_publish_rebuilds_two_tagged_releases_and_writes_their_notes(tmp_path):
    repository = make_project(tmp_path / "deck", RELEASE / "v1")
    (repository / "CHANGELOG.md").write_text(CHANGELOG)
    _git(repository, "init", "-q")
    _deckgen(repository, "release", "1.0.0", time="1764000000")
    released_1 = _sha(repository / "build" / "test-1.0.0.apkg")
    _git(repository, "add", "cards", "templates", "CHANGELOG.md")
    _git(repository, "commit", "-qm", "Release 1.0.0")
    _git(repository, "tag", "v1.0.0")
    shutil.copytree(RELEASE / "v2", repository, dirs_exist_ok=True)
    _deckgen(repository, "release", "1.1.0", time="1764000600")
    released_2 = _sha(repository / "build" / "test-1.1.0.apkg")
    _git(repository, "commit", "-qam", "Release 1.1.0")
    _git(repository, "tag", "v1.1.0")

    first = _publish(repository, "v1.0.0", tmp_path / "nothing", tmp_path / "out-1", tmp_path / "checkout-1")
    downloaded = tmp_path / "previous"
    downloaded.mkdir()
    shutil.copy(tmp_path / "out-1" / "test-1.0.0.apkg", downloaded)
    second = _publish(repository, "v1.1.0", downloaded, tmp_path / "out-2", tmp_path / "checkout-2")

    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert sorted(path.name for path in (tmp_path / "out-1").iterdir()) == ["RELEASE-NOTES.md", "test-1.0.0.apkg"]
    assert _sha(tmp_path / "out-1" / "test-1.0.0.apkg") == released_1
    assert _sha(tmp_path / "out-2" / "test-1.1.0.apkg") == released_2
    options = f"## Import options\n\n{import_options('Test')}"  # the README's words, for this deck
    first = (tmp_path / "out-1" / "RELEASE-NOTES.md").read_text()
    assert first == f"First release of the deck.\n\n{options}\n## From the changelog\n\n- First.\n"
    notes = (tmp_path / "out-2" / "RELEASE-NOTES.md").read_text()
    assert f"\n{options}" in notes
    assert notes.startswith("# Release notes: test-1.0.0.apkg → test-1.1.0.apkg\n")
    assert "- `Test::First` · `Who founded IPT?`\n  - `Answer`: `Klerman and Weisman` → `Klerman and Weissman`" in notes
    assert notes.endswith("\n## From the changelog\n\n### Fixed\n- Weissman's name.\n")


@pytest.mark.slow
def test_publish_refuses_a_tag_that_is_not_the_decks_release(tmp_path):
    repository = make_project(tmp_path / "deck", RELEASE / "v1")
    _git(repository, "init", "-q")
    _deckgen(repository, "release", "1.0.0", time="1764000000")
    _git(repository, "add", "cards", "templates")
    _git(repository, "commit", "-qm", "Release 1.0.0")
    _git(repository, "tag", "v2.0.0")

    result = _publish(repository, "v2.0.0", tmp_path / "nothing", tmp_path / "out", tmp_path / "checkout")

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "cards/deck.yaml:1:1: tag v2.0.0 does not match version: 1.0.0 here: tag the commit of 'deckgen release "
        "2.0.0', whose cards/deck.yaml says version: 2.0.0",
        "1 problem found; nothing was written",
    ]
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_a_first_release_whose_templates_may_run_script_says_so_first(tmp_path):
    repository = make_project(tmp_path / "deck", RELEASE / "v1")
    front = repository / "templates" / "basic.front.html"
    front.write_text("<script>document.title = 'x';</script>\n" + front.read_text())
    settings = repository / "cards" / "deck.yaml"
    settings.write_text(settings.read_text() + "allow_template_script: true\n")
    _git(repository, "init", "-q")
    _deckgen(repository, "release", "1.0.0", time="1764000000")
    _git(repository, "add", "cards", "templates")
    _git(repository, "commit", "-qm", "Release 1.0.0")
    _git(repository, "tag", "v1.0.0")

    result = _publish(repository, "v1.0.0", tmp_path / "nothing", tmp_path / "out", tmp_path / "checkout")

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "RELEASE-NOTES.md").read_text() == (
        "**This release's card templates run script** in every student's Anki (`allow_template_script: true` in "
        f"cards/deck.yaml).\n\nFirst release of the deck.\n\n## Import options\n\n{import_options('Test')}")
