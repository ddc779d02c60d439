"""Stable identities: note GUIDs and derived numeric ids, from names only, never from content.

Anki recognises a student's copy of a note by its GUID alone, so a GUID must survive every edit
of the card's text. We compute it ourselves rather than through genanki so that upgrading a
dependency can never change the identity of a student's cards.
"""

from __future__ import annotations

import hashlib

_BASE91 = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&()*+,-./:;<=>?@[]^_`{|}~"
)


def _digest(*parts: str) -> int:
    joined = "\x1f".join(("deckgen",) + parts).encode("utf-8")
    return int.from_bytes(hashlib.sha256(joined).digest()[:8], "big")


# Two base-91 digits at a time: half the divisions for a 64-bit number, in every build's every note.
_PAIRS = [high + low for high in _BASE91 for low in _BASE91]


def note_guid(deck_id: int, card_id: str) -> str:
    """The GUID of a card's note: derived from the deck id and the card id only, written in base 91
    with its most significant digit first and no leading zero digit ("a")."""
    number = _digest("note", str(deck_id), card_id)
    chunks = []
    while number >= len(_PAIRS):
        number, pair = divmod(number, len(_PAIRS))
        chunks.append(_PAIRS[pair])
    if number >= len(_BASE91):
        chunks.append(_PAIRS[number])
    elif number or not chunks:
        chunks.append(_BASE91[number])
    return "".join(reversed(chunks))


def derived_id(*parts: str) -> int:
    """A positive id that fits Anki's 63-bit columns, for things Anki matches by name (subdecks)."""
    return (_digest(*parts) >> 12) + 1
