"""Updates that reach every student: the release feed (`latest.json`, written by `deckgen publish`)
and the companion Anki add-on (`deckgen addon`), whose own files are the package data in addon/.

The rest of deckgen calls it (publish, the addon command), not the other way round. addon/ imports
nothing from deckgen at all, only the standard library and Anki's `anki` and `aqt`: it runs in a
student's Anki, where deckgen is not installed (tests/test_addon.py holds that rule).

Owns: feed.py (latest.json), addonfile.py (the .ankiaddon written), addon/ (the add-on's own code:
checks, network, packageread, edits, core, glue, version; config.json, config.md).

May import: the shared modules (errors, paths, ids, names, output).
"""
