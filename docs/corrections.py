"""The table of the essay's errors in docs/content-review.md, generated from the cards' `corrects:`.

Each card that teaches a fact the source essay gets wrong keeps the essay's error in its `corrects:`
key (for maintainers, never shown to students). This script writes those keys as one table between
the markers below, so that the review record cannot drift from the cards:

    python3 docs/corrections.py            # rewrite the table in docs/content-review.md
    python3 docs/corrections.py --check    # exit 1 if the table differs from the cards

tests/test_ipt_content.py holds the document to the cards the same way.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
REVIEW = REPO / "docs" / "content-review.md"
START = "<!-- corrections: start (python3 docs/corrections.py writes this table) -->"
END = "<!-- corrections: end -->"


def corrections(cards: Path) -> list[tuple[str, str, str, bool]]:
    """(card id, what the essay gets wrong and what is correct, source key, retired) for every card
    with a `corrects:` key, in file and card order."""
    found = []
    for path in sorted(cards.glob("*.yaml")):
        if path.name in ("deck.yaml", "references.yaml"):
            continue
        for card in yaml.safe_load(path.read_text())["cards"]:
            if card.get("corrects"):
                found.append((card["id"], " ".join(card["corrects"].split()), card.get("source", ""),
                              bool(card.get("retired"))))
    return found


def table(cards: Path) -> str:
    """The markdown table of the corrections, one row a card."""
    rows = ["| card | what the essay says, and what is correct | card's source |", "|---|---|---|"]
    for card_id, text, source, retired in corrections(cards):
        shown = text.replace("|", "\\|")
        rows.append(f"| `{card_id}`{' (retired)' if retired else ''} | {shown} | `{source}` |")
    return "\n".join(rows) + "\n"


def with_table(document: str, cards: Path) -> str:
    """The review document with its corrections table replaced by the one the cards give."""
    before, rest = document.split(START, 1)
    _, after = rest.split(END, 1)
    return f"{before}{START}\n{table(cards)}{END}{after}"


def main(argv: list[str]) -> int:
    document = REVIEW.read_text()
    wanted = with_table(document, REPO / "cards")
    if "--check" in argv:
        if wanted != document:
            print("docs/content-review.md: the corrections table differs from the cards' corrects: keys; "
                  "run python3 docs/corrections.py", file=sys.stderr)
            return 1
        return 0
    REVIEW.write_text(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
