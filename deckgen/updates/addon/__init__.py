"""deckgen's companion add-on for one deck: Anki imports this package at start-up.

Inside Anki it hands the main window to glue.py (menu, start-up check, dialogs); core.py does the
work. Imported anywhere else (deckgen's tests load core.py through this package) it does nothing.
"""

from typing import Any


def _main_window() -> Any:
    try:
        import aqt
    except ImportError:  # not inside Anki: no window to attach to
        return None
    return aqt.mw


if _main_window() is not None:
    from .glue import setup

    setup(_main_window())
