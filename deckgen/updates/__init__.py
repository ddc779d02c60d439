"""Updates that reach every student: the release feed (`latest.json`, written by `deckgen publish`)
and the companion Anki add-on (`deckgen addon`), whose own files are the package data in addon/.

It may import only deckgen.errors, deckgen.paths, deckgen.apkg, its own modules and the standard
library (today it needs none of the first three): the rest of deckgen calls it (publish, render,
commands), not the other way round. addon/ imports nothing from deckgen at all, only the standard
library and Anki's `anki` and `aqt`: it runs in a student's Anki, where deckgen is not installed.
tests/test_addon.py holds both rules.
"""
