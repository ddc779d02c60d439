"""Help for educators writing a deck: lint, coverage statistics, `new`/`init` scaffolding, the JSON
Schema of card files, and the whole repository `init` and `import` write.

Owns: lint.py, wording.py (the word heuristics of lint's wording rules, with common-words.txt),
stats.py, scaffold.py, jsonschema.py, export.py (the deck as one table), repository.py,
scaffold_files/.

May import: the shared modules (errors, paths, ids, names, output), text/, source/, render/,
release/, apkg/, changes/.
"""
