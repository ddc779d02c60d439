"""Run an installed companion add-on inside Anki's GUI package (aqt) with Qt offscreen, in a process of
its own (a QApplication and aqt's hooks are process-wide): import it as Anki does, attach it to a
stand-in main window, trigger its Tools menu action once, and print what happened as JSON.

    python addon_in_aqt.py ADDONS_DIR PACKAGE COLLECTION
"""

from __future__ import annotations

import json
import os
import sys
from concurrent.futures import Future
from types import SimpleNamespace

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from anki.collection import Collection  # noqa: E402
from aqt.qt import QApplication, QMainWindow, QMenu  # noqa: E402


class _TaskManager:
    """Anki's `mw.taskman`, run at once: the test waits for the background task's result."""

    def __init__(self) -> None:
        self.background_tasks = 0

    def run_in_background(self, task, on_done=None):
        self.background_tasks += 1
        future: Future = Future()
        try:
            future.set_result(task())
        except Exception as error:  # handed to on_done, as Anki's task manager does
            future.set_exception(error)
        if on_done:
            on_done(future)


class _AddonManager:
    def __init__(self, config: dict) -> None:
        self.config, self.written = config, []

    def getConfig(self, name):  # noqa: N802 (Anki's name)
        return dict(self.config)

    def writeConfig(self, name, config):  # noqa: N802
        self.written.append((name, dict(config)))
        self.config = dict(config)


class _MainWindow(QMainWindow):
    """Stands in for Anki's main window (`aqt.mw`): a real Qt window with what the add-on uses of it."""

    def __init__(self, collection: Collection, config: dict) -> None:
        super().__init__()
        self.form = SimpleNamespace(menuTools=QMenu(self))
        self.addonManager, self.col, self.taskman = _AddonManager(config), collection, _TaskManager()
        self.resets = 0

    def reset(self) -> None:
        self.resets += 1


def main(addons: str, package: str, collection_path: str) -> None:
    app = QApplication.instance() or QApplication([])
    sys.path.insert(0, addons)
    __import__(package)  # as Anki loads it: aqt.mw is None here, so it attaches nothing itself
    glue = __import__(f"{package}.glue", fromlist=["setup"])
    with open(os.path.join(addons, package, "config.json"), encoding="utf-8") as file:
        config = json.load(file)
    collection = Collection(collection_path)
    shown, asked = [], []
    glue.askUser = lambda *args, **kwargs: asked.append(args[0]) or True  # the student says yes
    glue.show_outcome = lambda mw, outcome, quiet: shown.append((outcome.status, outcome.message, quiet))
    mw = _MainWindow(collection, config)
    updates = glue.setup(mw)
    [action] = mw.form.menuTools.actions()
    action.trigger()
    from aqt import gui_hooks

    gui_hooks.profile_did_open()  # Anki's start-up hook: a quiet check, now up to date
    first_card = collection.get_card(collection.find_cards("")[0])
    print(json.dumps({
        "report_link": glue.report_link(updates.deck, first_card),
        "menu": action.text(),
        "asked": len(asked),
        "config_written": mw.addonManager.written,
        "background_tasks": mw.taskman.background_tasks,
        "shown": shown,
        "notes": collection.note_count(),
        "resets": mw.resets,
        "report_hook": updates.add_report_action in __import__("aqt").gui_hooks.reviewer_will_show_context_menu._hooks,
    }))
    collection.close()
    app.quit()


if __name__ == "__main__":
    main(*sys.argv[1:4])
