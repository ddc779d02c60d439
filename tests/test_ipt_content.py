"""The IPT deck paraphrases its essay: no card repeats a run of the essay's words.

The essay lives in the shared material beside the repository (../shared/essay/); facts, names
and lists of terms carry over, sentences do not. Text in quotation marks is an attributed quote
(used where a card explains what the essay gets wrong) and is not counted.
"""

from __future__ import annotations

import re

import pytest
import yaml

from conftest import REPO

ESSAY = REPO.parent / "shared" / "essay" / "ipt-essay.txt"
LONGEST_SHARED_RUN = 7  # words; a sentence copied from the essay shares far more


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


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


@pytest.mark.skipif(not ESSAY.exists(), reason=f"the essay is not beside the repository ({ESSAY})")
def test_no_card_copies_a_run_of_the_essay():
    essay = ESSAY.read_text()
    words = _words(essay[: essay.rfind("References")])
    runs = {tuple(words[i : i + LONGEST_SHARED_RUN]) for i in range(len(words) - LONGEST_SHARED_RUN + 1)}
    copied = []
    for card_id, key, text in _card_texts():
        unquoted = re.sub(r'"[^"]*"', " ", re.sub(r"\{\{c\d+::|::[^}]*\}\}|\}\}", " ", text))
        card_words = _words(unquoted)
        for i in range(len(card_words) - LONGEST_SHARED_RUN + 1):
            if tuple(card_words[i : i + LONGEST_SHARED_RUN]) in runs:
                copied.append(f"{card_id} {key}: {' '.join(card_words[i : i + LONGEST_SHARED_RUN])}")
                break
    assert copied == []
