"""Text as cards hold it: the card markup (a small Markdown) and its allow-list, maths, cloze
deletions, code highlighting, media names, and the Markdown of release notes.

Owns: markup.py, sanitise.py (the allow-list every field passes), maths.py, cloze.py, highlight.py,
htmlreader.py, media.py, picture.py (a picture's size from its header), notesmarkdown.py.

May import: the shared modules (errors, paths, ids, names, output).
"""
