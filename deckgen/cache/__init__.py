"""Incremental rebuilds: a content-addressed cache of each card file's validated cards and rendered
notes under build/.cache/, so that a build after editing one card file reads and renders that file
only. Deleting it is always safe; a damaged entry is read as a missing one, and so is one not
signed with the user's key: nothing a repository commits under build/ can make deckgen run code.

Owns: store.py (the entries on disk: signed, written atomically, read back only when intact and
signed, pruned), secret.py (the key that signs them, kept outside every project), incremental.py
(the keys, and a project read and rendered through the store).

May import: the shared modules (errors, paths, ids, names, output), text/, source/, render/.
"""
