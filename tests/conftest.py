"""Shared test helpers: fixture projects on disk, the CLI run in-process, real Anki collections."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from deckgen.cli.main import main

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BASE_PROJECT = FIXTURES / "base"


# Whole modules of slow tests (the `slow` marker, pyproject.toml): a browser (Anki's reviewer, the
# preview page) or hypothesis in every test. Single slow tests elsewhere carry @pytest.mark.slow.
SLOW_MODULES = {"test_reviewer.py", "test_preview_browser.py", "test_properties.py"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


@dataclass
class CliRun:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def run_cli(capsys, monkeypatch):
    """Run `deckgen ARGS` in-process with the project as the current folder."""

    def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> CliRun:
        monkeypatch.chdir(cwd)
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        try:
            code = main(list(args))
        except SystemExit as exit_:
            code = exit_.code
        captured = capsys.readouterr()
        return CliRun(code, captured.out, captured.err)

    return run


@pytest.fixture
def student(tmp_path):
    """A fresh Anki collection, as on a student's machine."""
    from anki.collection import Collection

    (tmp_path / "student").mkdir()
    collection = Collection(str(tmp_path / "student" / "collection.anki2"))
    yield collection
    collection.close()


def make_project(destination: Path, *overlays: Path, templates: bool = True) -> Path:
    """A project folder: the base fixture, then each overlay's files on top, then our templates."""
    shutil.copytree(BASE_PROJECT, destination)
    if templates:
        shutil.copytree(REPO / "templates", destination / "templates")
    for overlay in overlays:
        shutil.copytree(overlay, destination, dirs_exist_ok=True)
    return destination


def copy_of_course(destination: Path) -> Path:
    """A course of five subdecks and 90 notes (tests/fixtures/course: part of the IPT deck, frozen),
    with our templates. Tool tests that need a deck of a real course's size use it, never the
    shipped deck in cards/, which educators change (only test_deck.py reads that)."""
    destination.mkdir(parents=True)
    shutil.copytree(FIXTURES / "course" / "cards", destination / "cards")
    shutil.copytree(REPO / "templates", destination / "templates")
    return destination


def files_below(folder: Path) -> dict[str, bytes]:
    """The files below `folder` but deckgen's cache (build/.cache/), which is no output of a command."""
    if not folder.exists():
        return {}
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*")
            if path.is_file() and ".cache" not in path.relative_to(folder).parts}
