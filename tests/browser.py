"""What the browser tests share: a page that records what went wrong on it, and where screenshots go.

Screenshots go to the folder DECKGEN_SCREENSHOTS names, or else to a folder under pytest's temporary
folder (`pytest --basetemp DIR` keeps them at a known place): never into the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest


class Watched:
    """A browser page that records console errors, uncaught exceptions and every request it makes."""

    def __init__(self, browser, width: int = 1280, height: int = 900) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("request", lambda request: self.requests.append(request.url))

    def shown_cards(self) -> int:
        return self.page.evaluate(
            "Array.from(document.querySelectorAll('.preview-card'))"
            ".filter((card) => card.offsetParent !== null).length")

    def shown_notes(self) -> list[str]:
        return self.page.evaluate(
            "Array.from(document.querySelectorAll('.preview-note:not([hidden])')).map((note) => note.id)")

    def status(self) -> str:
        return self.page.inner_text("#_status")

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def browser():
    """Chromium as every browser test launches it (reviewer.launch_options); the test is skipped,
    saying why, without Playwright or Chromium."""
    pytest.importorskip("playwright", reason="the browser tests need the playwright package (pip install -e '.[test]')")
    import reviewer
    from playwright.sync_api import sync_playwright

    reviewer.require_chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(**reviewer.launch_options())
        yield launched
        launched.close()


@pytest.fixture
def watched(browser):
    """Open pages with `watched(width, height)`; each is closed after the test."""
    opened: list[Watched] = []

    def open_(width: int = 1280, height: int = 900) -> Watched:
        opened.append(Watched(browser, width, height))
        return opened[-1]

    yield open_
    for page in opened:
        page.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    """The folder screenshots are saved to (DECKGEN_SCREENSHOTS, else a temporary one)."""
    chosen = os.environ.get("DECKGEN_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def screenshot(page: Watched, folder: Path, name: str) -> None:
    page.page.screenshot(path=str(folder / name))
