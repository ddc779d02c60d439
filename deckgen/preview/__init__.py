"""The preview: every card as students' Anki shows it, on a static page or served while editing.

Owns: cards.py (what each card looks like), occlusion.py (an occlusion card's picture with its masks
drawn over it), typeset.py (maths as MathML), phonecss.py (the deck's phone rules in the phone view),
page.py (the page), serve.py (the local server), preview.css, preview.js; the mask editor of
occlusion cards: maskedit.py (what it edits), maskyaml.py (the `masks:` block it prints), maskpage.py
(its page), maskedit.js, maskedit.css.

May import: the shared modules (errors, paths, ids, names, output), text/, source/, render/,
release/, apkg/, changes/, authoring/.
"""
