"""`deckgen import`: an Anki package someone already teaches from, written out as a deckgen project.

Owns: reader.py (the package as import takes it), fields.py (Anki's HTML as card markup), writer.py
(the project written), report.py (the import report), yamlout.py (ids, file names and YAML as an
educator writes them), textcards.py (Anki's text export and Quizlet's into card files).

May import: the shared modules (errors, paths, ids, names, output), text/, source/, render/,
release/, apkg/, changes/, authoring/.
"""
