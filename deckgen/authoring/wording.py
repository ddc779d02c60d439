"""Wording a student can get right without knowing anything, or wrong while knowing it: the text
analyses behind lint's wording rules (lint.py turns what they find into located findings).

Each function takes text as a student reads it (markup reduced by `markup.to_text`) and answers one
question: does a question lean on nothing but a citation, does a cloze hide a word anyone can
guess, would Anki's type-in comparison mark a right answer wrong.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Set as AbstractSet
from pathlib import Path

# Words that carry grammar, not content: articles, pronouns, prepositions, conjunctions,
# auxiliaries and question words (our own list; it overlaps the common words below).
FUNCTION_WORDS = frozenset("""
a about above across after against along although among an and another any are around as at be because been
before being below between both but by can could did do does doing down during each either else ever every few
for from had has have having he her here hers herself him himself his how however i if in into is it its itself
just least less many may me might more most much must my myself neither no nor not of off on once one only onto
or other others our ours ourselves out over own per rather same shall she should since so some such than that
the their theirs them themselves then there these they this those though through throughout to too toward
towards under unless until up upon us very via was we were what whatever when whenever where whereas whether
which while who whom whose why will with within without would yet you your yours yourself
""".split())

# Words that say a study was done or reported, not what it was about: with the citation gone, a
# question made only of these and function words names no subject of its own.
STUDY_WORDS = frozenset("""
according adapt adapted adapting adaptation adaptations analyse analysed analysis analyze analyzed approach argue
argued article assess assessed author authors book chapter claim claimed cohort compare compared comparing
comparison conclude concluded conclusion conclusions data describe described design designed develop developed
edition evaluate evaluated evidence examine examined experiment find finding findings form format found group
groups guide investigate investigated kind main manual measure measured meta method methods offer offered
outcome outcomes paper participants patients people population populations program programme programmes
programs propose proposed publish published qualitative quantitative randomised randomized recommend recommended
report reported research researchers result results review reviewed reviews sample say said show showed shown
studied studies study suggest suggested survey systematic team test tested tests trial trials type use used
version work write wrote written
""".split())

# An author as cited: a capitalised surname, perhaps after a particle ("van der Kolk", "O'Hara").
_SURNAME = r"(?:(?:van|von|de|der|den|du|da|di|la|le|del)\s+)*[A-Z][\w'’-]*\w"
_AUTHORS = (rf"{_SURNAME}(?:\s*,\s*{_SURNAME})*(?:\s*,?\s+(?:and|&)\s+{_SURNAME})?(?:\s+et\s+al\.?)?"
            r"(?:['’]s?)?")
_YEAR = r"(?:1[5-9]|20)\d\d[a-z]?"
# "Asrat et al. (2020)", "Sockol's (2018)", "Xu and Koszycki (2020)", "(Weissman et al., 2017)".
CITATION = re.compile(
    rf"\b{_AUTHORS}\s*\(\s*{_YEAR}(?:\s*[,;]\s*{_YEAR})*\s*\)"
    rf"|\(\s*{_AUTHORS}\s*,?\s+{_YEAR}(?:\s*[,;]\s*{_YEAR})*\s*\)"
)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


@functools.cache
def common_words() -> frozenset[str]:
    """The 200 most frequent English words (common-words.txt says where the list comes from)."""
    # Beside this module, in whichever package holds it.
    # Beside this module, installed or not (importlib.resources would cost `lint` the zip machinery).
    text = Path(__file__).with_name("common-words.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@functools.cache
def _guessable() -> frozenset[str]:
    return common_words() | FUNCTION_WORDS


def citation_only_cue(question: str, shown_everywhere: AbstractSet[str]) -> str | None:
    """The citation a question leans on, when it is its only cue: the question less its citations,
    function words, words about studies ("adapted", "trial", "manual"…) and the words every card of
    the deck shows (`shown_everywhere`, lower case: deck and subdeck names) has no word left."""
    cited = CITATION.findall(question)
    if not cited:
        return None
    no_cue = FUNCTION_WORDS | STUDY_WORDS | shown_everywhere
    left = [word for word in _WORD.findall(CITATION.sub(" ", question)) if _plain(word) not in no_cue and len(word) > 1]
    return None if left else " ".join(cited[0].split())


def common_word(hidden: str) -> str | None:
    """The word a cloze deletion hides, when it hides one common word and nothing else."""
    word = hidden.strip(" \t\n.,;:!?\"'“”‘’()")
    if _WORD.fullmatch(word) and _plain(word) in _guessable():
        return word
    return None


# Characters a keyboard does not type, and what a student types instead.
_TYPED_INSTEAD = {"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "−": "-", "…": "...", "×": "x"}


def hard_to_type(answer: str) -> tuple[list[str], str]:
    """What in a typed answer a student would type otherwise (characters not on a keyboard, letters
    with accents, a closing full stop), and the answer as they would type it. Anki compares
    character for character (after Unicode NFC): each of these marks a right answer wrong."""
    found = [f"'{char}'" for char in dict.fromkeys(answer) if ord(char) > 127]
    typed = "".join(_TYPED_INSTEAD.get(char, char) for char in answer)
    typed = "".join(char for char in unicodedata.normalize("NFKD", typed) if not unicodedata.combining(char))
    if answer.endswith(".") and not answer.endswith(".."):
        found.append("a closing full stop")
        typed = typed[:-1]
    return found, typed


def _plain(word: str) -> str:
    return word.lower().replace("’", "'")
