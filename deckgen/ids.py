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


def note_guid(deck_id: int, card_id: str) -> str:
    """The GUID of a card's note: derived from the deck id and the card id only."""
    number = _digest("note", str(deck_id), card_id)
    chars = []
    while number:
        number, digit = divmod(number, len(_BASE91))
        chars.append(_BASE91[digit])
    return "".join(reversed(chars)) or _BASE91[0]


def derived_id(*parts: str) -> int:
    """A positive id that fits Anki's 63-bit columns, for things Anki matches by name (subdecks)."""
    return (_digest(*parts) >> 12) + 1
