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


# Two base-91 digits at a time: a 64-bit number is five pairs (91**10 > 2**64), worked out without a
# loop, in every build's every note.
_PAIRS = [high + low for high in _BASE91 for low in _BASE91]
_PAIR = len(_PAIRS)


def note_guid(deck_id: int, card_id: str) -> str:
    """The GUID of a card's note: derived from the deck id and the card id only, written in base 91
    with its most significant digit first and no leading zero digit ("a")."""
    return base91(_digest("note", str(deck_id), card_id))


def base91(number: int) -> str:
    """A number below 2**64 in base 91, most significant digit first, without leading zero digits."""
    rest, fifth = divmod(number, _PAIR)
    rest, fourth = divmod(rest, _PAIR)
    rest, third = divmod(rest, _PAIR)
    first, second = divmod(rest, _PAIR)
    pairs = _PAIRS[first] + _PAIRS[second] + _PAIRS[third] + _PAIRS[fourth] + _PAIRS[fifth]
    return pairs.lstrip(_BASE91[0]) or _BASE91[0]


def derived_id(*parts: str) -> int:
    """A positive id that fits Anki's 63-bit columns, for things Anki matches by name (subdecks)."""
    return (_digest(*parts) >> 12) + 1
