"""deckgen's companion add-on for one deck: Anki imports this package at start-up.

Inside Anki it hands the main window to glue.py (menu, start-up check, dialogs); core.py does the
work. Imported anywhere else (deckgen's tests load core.py through this package) it does nothing.
"""

try:
    from aqt import mw
except ImportError:  # not inside Anki: no window to attach to
    mw = None

if mw is not None:
    from .glue import setup

    setup(mw)
