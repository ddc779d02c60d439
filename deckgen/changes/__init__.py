"""What a release changes for students: two packages compared note by note, the release notes, and
the import options students are told.

Owns: packaged.py (what a package holds, as compared), notes.py (release notes), students.py.

May import: the shared modules (errors, paths, ids, names, output), text/, source/, render/,
release/, apkg/.
"""
