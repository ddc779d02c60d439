"""Anki's window around core.py: the Tools menu action, the check when a profile opens, the questions
and messages, and "Report a problem with this card" in the reviewer's menu.

The network and the import run in a background task (`mw.taskman.run_in_background`), never on the
main thread; only the question (asked once) and the message about the result are shown on it.
"""

from __future__ import annotations

import html
import json
import os
import re
from concurrent.futures import Future
from typing import Any

from aqt import gui_hooks
from aqt.qt import QAction, QMenu
from aqt.utils import askUser, openLink, showText, tooltip

from . import core
from .checks import DeckInfo

HERE = os.path.dirname(os.path.abspath(__file__))
DECK_FILE = "deck.json"  # written by `deckgen addon`: the one deck this add-on looks after
REMOVE_RETIRED = "remove_retired_cards"
CHECK_AT_STARTUP = "check_at_startup"


def deck_info() -> DeckInfo:
    with open(os.path.join(HERE, DECK_FILE), encoding="utf-8") as file:
        return DeckInfo.from_json(json.load(file))


class Updates:
    """The add-on in one main window: what `setup` attaches, and the checks it runs."""

    def __init__(self, mw: Any, deck: DeckInfo) -> None:
        self.mw, self.deck, self.running = mw, deck, False
        self.config_name = __name__.split(".")[0]  # the add-on's folder, as Anki's add-on manager names it

    def config(self) -> dict[str, Any]:
        return dict(self.mw.addonManager.getConfig(self.config_name) or {})

    def attach(self) -> QAction:
        action = QAction(f"Check for {self.deck.name} updates", self.mw)
        action.triggered.connect(lambda: self.check(quiet=False))
        self.mw.form.menuTools.addAction(action)
        gui_hooks.profile_did_open.append(self.on_profile_open)
        if self.deck.report_url:
            gui_hooks.reviewer_will_show_context_menu.append(self.add_report_action)
        return action

    def on_profile_open(self) -> None:
        if self.config().get(CHECK_AT_STARTUP, True):
            self.check(quiet=True)

    def remove_retired(self) -> bool:
        """Asked once, then remembered in the add-on's config (Tools → Add-ons → Config changes it)."""
        config = self.config()
        answer = config.get(REMOVE_RETIRED)
        if not isinstance(answer, bool):
            answer = bool(askUser(
                f"When a release of {self.deck.name} retires a card, it is no longer part of the course. Delete "
                "retired cards from your collection (with their review history)?\n\nThis is asked once; change it "
                "in Tools → Add-ons → Config.", parent=self.mw, title=f"{self.deck.name} updates"))
            config[REMOVE_RETIRED] = answer
            self.mw.addonManager.writeConfig(self.config_name, config)
        return answer

    def check(self, quiet: bool) -> None:
        """Check the feed in the background; `quiet` (at start-up) speaks only when something happened."""
        if self.running or self.mw.col is None:
            return
        self.running = True
        remove = self.remove_retired()
        col = self.mw.col
        self.mw.taskman.run_in_background(lambda: core.update(col, self.deck, remove),
                                          lambda future: self.done(future, quiet))

    def done(self, future: Future[core.Outcome], quiet: bool) -> None:
        self.running = False
        try:
            outcome = future.result()
        except Exception as error:  # Anki's own error (a full disk, say): said, not raised in the event loop
            outcome = core.Outcome("refused", f"The {self.deck.name} update failed: {error}")
        if outcome.changed_collection:
            reset = getattr(self.mw, "reset", None)
            if callable(reset):
                reset()  # the deck list and the reviewer show the new cards
        show_outcome(self.mw, outcome, quiet)

    def add_report_action(self, reviewer: Any, menu: QMenu) -> None:
        link = report_link(self.deck, reviewer.card)
        if link:
            action = QAction("Report a problem with this card", menu)
            action.triggered.connect(lambda: openLink(link))
            menu.addAction(action)


def report_link(deck: DeckInfo, card: Any) -> str | None:
    """The card's own report link (deckgen writes it into the note, filled in for that card), found
    by the report address's fixed start; None for a card of another deck."""
    if card is None or not deck.report_url:
        return None
    prefix = deck.report_url.split("{", 1)[0]
    for field in card.note().fields:
        for href in re.findall(r'href="([^"]+)"', field):
            address = href.replace("&amp;", "&")
            if address.startswith(prefix):
                return str(address)
    return None


def show_outcome(mw: Any, outcome: core.Outcome, quiet: bool) -> None:
    if outcome.status == "updated" and outcome.release is not None:
        notes = outcome.release.notes_text.strip()
        showText(f"{outcome.message}\n\nWhat is new in {outcome.release.version}:\n\n{notes}", parent=mw,
                 title="Deck updated")
    elif quiet and outcome.status == "offline":
        tooltip(html.escape(outcome.message), parent=mw)  # a tooltip shows HTML; the message may quote a server
    elif not (quiet and outcome.status == "current"):  # at start-up, "up to date" is not worth a window
        showText(outcome.message, parent=mw, title="Deck updates")


def setup(mw: Any) -> Updates:
    updates = Updates(mw, deck_info())
    updates.attach()
    return updates
