"""The command line: the only place that prints and exits.

Owns: parser.py (arguments and help), main.py (runs one command and prints what it returns).

May import: the shared modules (errors, paths, ids, names, output), text/, source/, render/,
release/, apkg/, changes/, authoring/, preview/, importing/, updates/, commands/.
"""
