"""Updates that reach every student: the release feed (`latest.json`, written by `deckgen publish`)
and the companion Anki add-on (`deckgen addon`), whose own files are the package data in addon/.

It may import only deckgen.errors, deckgen.paths, deckgen.apkg, deckgen.output (to write files as
every command does) and the standard library; the rest of deckgen calls it, not the other way round.
addon/ imports nothing from deckgen at all: it runs in a student's Anki, where deckgen is not installed.
"""
