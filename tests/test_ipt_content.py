"""The IPT deck paraphrases its essay: no card repeats a run of the essay's words.

The essay lives in the shared material beside the repository (../shared/essay/), which a clone
elsewhere (a GitHub runner) does not have; so every run of seven of its words is kept, hashed, in
tests/fixtures/essay-runs.txt (the runs, not the text), and the check reads that. Where the essay
is beside the repository, the test also holds the file to it; DECKGEN_UPDATE_ESSAY_RUNS=1 rewrites
it. Facts, names and lists of terms carry over, sentences do not. Text in quotation marks is an
attributed quote (used where a card explains what the essay gets wrong) and is not counted.
"""

from __future__ import annotations

import hashlib
import os
import re

import yaml
from conftest import FIXTURES, REPO

ESSAY = REPO.parent / "shared" / "essay" / "ipt-essay.txt"
RUNS = FIXTURES / "essay-runs.txt"
LONGEST_SHARED_RUN = 7  # words; a sentence copied from the essay shares far more


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def _hashed(run: list[str]) -> str:
    return hashlib.sha256(" ".join(run).encode("utf-8")).hexdigest()[:16]


def _runs(words: list[str]) -> list[tuple[int, str]]:
    return [(i, _hashed(words[i : i + LONGEST_SHARED_RUN])) for i in range(len(words) - LONGEST_SHARED_RUN + 1)]


def _essay_runs() -> set[str]:
    """The hashed runs of the essay's text (its reference list left out), from the file that keeps
    them; checked against the essay itself where it is at hand."""
    kept = set(RUNS.read_text().split())
    if ESSAY.exists():
        essay = ESSAY.read_text()
        current = {run for _, run in _runs(_words(essay[: essay.rfind("References")]))}
        if os.environ.get("DECKGEN_UPDATE_ESSAY_RUNS") == "1":
            RUNS.write_text("\n".join(sorted(current)) + "\n")
            kept = current
        assert kept == current, (
            "tests/fixtures/essay-runs.txt is not the essay's: rerun with DECKGEN_UPDATE_ESSAY_RUNS=1")
    return kept


def _card_texts():
    for path in sorted((REPO / "cards").glob("*.yaml")):
        if path.name in ("deck.yaml", "references.yaml"):
            continue
        for card in yaml.safe_load(path.read_text())["cards"]:
            for key in ("question", "answer", "text", "extra"):
                if card.get(key):
                    yield card["id"], key, card[key]
            for item in card.get("items", []):
                yield card["id"], "items", item


def test_no_card_copies_a_run_of_the_essay():
    runs = _essay_runs()
    assert len(runs) > 1500  # the essay has about 1,950 words before its references
    copied = []
    for card_id, key, text in _card_texts():
        unquoted = re.sub(r'"[^"]*"', " ", re.sub(r"\{\{c\d+::|::[^}]*\}\}|\}\}", " ", text))
        card_words = _words(unquoted)
        for i, run in _runs(card_words):
            if run in runs:
                copied.append(f"{card_id} {key}: {' '.join(card_words[i : i + LONGEST_SHARED_RUN])}")
                break
    assert copied == []


def test_a_card_that_copies_the_essay_is_caught():
    """The check can fail: seven words taken from the essay are found."""
    runs = _essay_runs()
    copied = "Recognizing the mental disorders are as widespread, debilitating, potentially lethal"
    assert any(run in runs for _, run in _runs(_words(copied)))
