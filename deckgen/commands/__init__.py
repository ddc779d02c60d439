"""One library function per command, callable from Python; nothing here prints or exits.

Owns: cards.py (export csv, import-cards), pipeline.py (check, build, release: load → validate →
render → plan → package), tools.py (lint, stats, diff, preview, new, schema, import), publish.py.

May import: the shared modules (errors, paths, ids, names, output), text/, source/, render/,
release/, apkg/, changes/, authoring/, preview/, importing/, updates/, cache/.
"""
