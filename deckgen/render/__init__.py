"""Cards made into what Anki shows: notes and their fields, note types with their templates and CSS,
Anki's template syntax (parsed once into a tree), the allow-list templates pass, citations and
the report link.

Owns: notes.py (the renderer), rendered.py (what it makes), notetypes.py, occlusion.py (Anki's Image
Occlusion note type and field), templatetree.py, ankitemplate.py, templatepolicy.py, stylepolicy.py,
citations.py, reportlink.py, description.py (the version line of the deck description).

May import: the shared modules (errors, paths, ids, names, output), text/, source/.
"""
