"""The source an educator writes: card files and deck.yaml read with every value's place, the keys
they may hold, the card kinds and the note types a project declares, and the typed model of a deck.

Owns: load.py (YAML with positions), tablefile.py (CSV and TSV card files), plainload.py (the fast
reading), quickread.py (its reader), yamlhints.py, keys.py, kinds.py, notetypedecl.py, cardfile.py,
deckfile.py (deck.yaml, references.yaml), deckoptions.py (deck.yaml's `options:`), reporturl.py,
deck.py (the frozen model), project.py (a whole project read and validated), masks.py (an occlusion
card's picture and masks), maskcell.py (the masks a spreadsheet cell holds).

May import: the shared modules (errors, paths, ids, names, output), text/.
"""
