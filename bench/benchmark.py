"""Benchmark: deckgen's full build against genanki writing the same notes, in one invocation.

    python bench/benchmark.py [--cards 100000]

Each side runs in a fresh child process of this invocation, so all are measured on the same
machine at the same time, each with its own peak memory. Two baselines: genanki writing notes it
is handed in memory, and the smallest script that reads the same YAML cards and writes them
with genanki. The target is a ratio, not a time:
deckgen, with every check on (validation, markup, sanitising, lock file, reproducible package),
within 2x of genanki's own time for a 100,000-card deck.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET_RATIO = 2.0


def make_project(root: Path, cards: int) -> None:
    """A project with `cards` basic cards spread over a few files and subdecks."""
    shutil.copytree(REPO / "templates", root / "templates")
    (root / "cards").mkdir()
    shutil.copy(REPO / "tests" / "fixtures" / "base" / "cards" / "deck.yaml", root / "cards" / "deck.yaml")
    shutil.copy(REPO / "tests" / "fixtures" / "base" / "cards" / "references.yaml", root / "cards" / "references.yaml")
    per_file = 4_000  # card files stay under the 1 MB limit
    for start in range(0, cards, per_file):
        lines = [f"subdeck: {'first' if start % 8_000 == 0 else 'second'}", "cards:"]
        for number in range(start, min(start + per_file, cards)):
            lines += [
                f"  - id: card-{number}",
                "    kind: basic",
                f"    question: What is fact **{number}** of interpersonal psychotherapy?",
                f"    answer: Fact {number}, as the *guide* states it",
                f"    extra: Explanation of fact {number}.",
                "    source: weissman2017",
            ]
        (root / "cards" / f"part-{start // per_file:03}.yaml").write_text("\n".join(lines) + "\n")


def run_genanki(root: Path, cards: int) -> None:
    """The baseline: genanki alone, the same number of notes with the same texts, as its docs show."""
    import genanki

    model = genanki.Model(
        1700000000101, "Baseline basic",
        fields=[{"name": name} for name in ("Question", "Answer", "Extra", "Topic", "Source", "Reference")],
        templates=[{"name": "Card 1", "qfmt": "{{Question}}", "afmt": "{{FrontSide}}<hr id=answer>{{Answer}}"}],
    )
    deck = genanki.Deck(1700000000001, "Baseline")
    for number in range(cards):
        deck.add_note(genanki.Note(model=model, fields=[
            f"What is fact <strong>{number}</strong> of interpersonal psychotherapy?",
            f"Fact {number}, as the <em>guide</em> states it", f"Explanation of fact {number}.", "",
            "Weissman et al., 2017", "Weissman, M. M. (2017). The guide.",
        ]))
    genanki.Package(deck).write_to_file(root / "baseline.apkg")


def run_yaml_and_genanki(root: Path, cards: int) -> None:
    """A second baseline: the smallest script that reads the same YAML cards (with libyaml) and
    writes them with genanki, with no validation, markup, sanitising or lock file."""
    import html

    import genanki
    import yaml

    model = genanki.Model(
        1700000000101, "Baseline basic",
        fields=[{"name": name} for name in ("Question", "Answer", "Extra")],
        templates=[{"name": "Card 1", "qfmt": "{{Question}}", "afmt": "{{FrontSide}}<hr id=answer>{{Answer}}"}],
    )
    deck = genanki.Deck(1700000000001, "Baseline")
    for path in sorted((root / "cards").glob("part-*.yaml")):
        for card in yaml.load(path.read_text(), Loader=yaml.CSafeLoader)["cards"]:
            fields = [html.escape(card[key]) for key in ("question", "answer", "extra")]
            deck.add_note(genanki.Note(model=model, fields=fields, guid=genanki.guid_for(card["id"])))
    genanki.Package(deck).write_to_file(root / "baseline-yaml.apkg")


def run_deckgen(root: Path, cards: int) -> None:
    """deckgen as `deckgen build` runs it: through the command line's own entry point, which also
    pauses the cycle collector for the command, as a process does."""
    import os

    from deckgen.cli import main

    os.environ["SOURCE_DATE_EPOCH"] = "1764000000"
    if main(["build", "--project", str(root)]) != 0:
        raise SystemExit("deckgen build failed")


SIDES = {"genanki": run_genanki, "yaml+genanki": run_yaml_and_genanki, "deckgen": run_deckgen}


def child(side: str, root: Path, cards: int) -> None:
    started = time.perf_counter()
    SIDES[side](root, cards)
    seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mib": peak_mib}))


def measure(side: str, root: Path, cards: int) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--child", side, "--root", str(root), "--cards", str(cards)],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--child", choices=list(SIDES), help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments.child, arguments.root, arguments.cards)
        return 0
    with tempfile.TemporaryDirectory(prefix="deckgen-bench-") as folder:
        root = Path(folder)
        make_project(root, arguments.cards)
        results = {side: measure(side, root, arguments.cards) for side in SIDES}
    ours = results["deckgen"]
    print(f"cards: {arguments.cards:,}")
    for side, result in results.items():
        print(f"{side:>13}: {result['seconds']:7.2f} s, peak {result['peak_mib']:5.0f} MiB")
    for baseline in ("genanki", "yaml+genanki"):
        ratio = ours["seconds"] / results[baseline]["seconds"]
        memory = ours["peak_mib"] / results[baseline]["peak_mib"]
        print(f"deckgen / {baseline}: time {ratio:.2f}x, memory {memory:.2f}x")
    ratio = ours["seconds"] / results["genanki"]["seconds"]
    print(f"target: deckgen within {TARGET_RATIO:.1f}x of genanki's own time: {'met' if ratio <= TARGET_RATIO else 'NOT met'}")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
