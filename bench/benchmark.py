"""Benchmark: deckgen's full build against genanki writing the same notes, in one invocation.

    python bench/benchmark.py [--cards 1000,10000,100000]

Each side runs in a fresh child process of this invocation, so all are measured on the same
machine at the same time, each with its own peak memory. Two baselines: genanki writing notes it
is handed in memory, and the smallest script that reads the same YAML cards and writes them
with genanki. Then `deckgen build` and `deckgen check` as the command line runs them, and the
build's stages timed one by one. These builds and checks are clean ones (`--no-cache`). Each size is
then released once (`deckgen release`, which writes the lock) and built and checked again, as a
course between releases is. Last, the everyday rebuild: a build that fills the cache under build/,
one card's text changed in one card file, and the build again (the "one-file edit" row). The
targets are ratios, not times: deckgen, with every check on (validation, markup, sanitising, lock
file, reproducible package), within 2x of genanki's own time and peak memory for a 100,000-card
deck, `check` within genanki's time, the rebuild after a one-file edit within 0.5x, and linear growth.

Then the commands an educator runs every day on the course deck in cards/, as whole processes
(interpreter start and imports included, which is most of their time at this size): the first run,
then the median of three more, wall and CPU seconds, each against genanki writing as many notes,
also as a whole process. The tables printed are the README's.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET_RATIO = 2.0
EDIT_RATIO = 0.5  # a rebuild after editing one card file, against genanki's full build
GROWTH_LIMIT = 12  # build time at 10x the cards: at most 12x (linear, with room for noise)
RELEASE_TIME = "1764000000"  # SOURCE_DATE_EPOCH of every build and release measured
WARM_RUNS = 3


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
    """`deckgen build` as the command line runs it: through its own entry point, which also pauses
    the cycle collector for the command, as a process does. A clean build: no cache read or written."""
    _deckgen(root, "build", "--no-cache")


def run_deckgen_check(root: Path, cards: int) -> None:
    """`deckgen check`: everything a build does but write the package (clean, as the build)."""
    _deckgen(root, "check", "--no-cache")


def run_deckgen_edited(root: Path, cards: int) -> None:
    """`deckgen build` with its cache, which a build before the edit filled (edit_one_file)."""
    _deckgen(root, "build")


def _deckgen(root: Path, command: str, *options: str) -> None:
    from deckgen.cli.main import main

    os.environ["SOURCE_DATE_EPOCH"] = RELEASE_TIME
    if main([command, "-q", *options, "--project", str(root)]) != 0:
        raise SystemExit(f"deckgen {command} failed")


def edit_one_file(root: Path) -> None:
    """Fill the cache with a build (in a process of its own), then change one card's question in one
    card file, as an educator's edit does."""
    subprocess.run(deckgen_command("build", "-q", "--project", str(root)), check=True, capture_output=True,
                   env={**os.environ, "SOURCE_DATE_EPOCH": RELEASE_TIME})
    path = root / "cards" / "part-000.yaml"
    path.write_text(path.read_text().replace("What is fact **0** of", "What is fact **0**, edited, of", 1))


def run_stages(root: Path, cards: int) -> dict:
    """`deckgen build`'s stages, one after another as build runs them, each timed."""
    import gc

    from deckgen.apkg.writer import package_bytes
    from deckgen.commands.pipeline import CheckResult, plan, read_lock_in
    from deckgen.paths import ProjectPaths
    from deckgen.release.guards import Allowances
    from deckgen.render.notes import render_deck
    from deckgen.source.project import load_project

    gc.disable()  # as the command line does
    seconds = {}
    started = time.perf_counter()
    project = load_project(root)
    seconds["load and validate"] = time.perf_counter() - started
    started = time.perf_counter()
    deck = render_deck(project, ProjectPaths(root).templates)
    seconds["render"] = time.perf_counter() - started
    started = time.perf_counter()
    release = plan(CheckResult(project, deck), read_lock_in(root, ProjectPaths(root).lock), 1764000000, Allowances())
    seconds["plan"] = time.perf_counter() - started
    started = time.perf_counter()
    package_bytes(deck, release)
    seconds["package"] = time.perf_counter() - started
    return seconds


SIDES = {
    "genanki": run_genanki, "yaml+genanki": run_yaml_and_genanki,
    "deckgen build": run_deckgen, "deckgen check": run_deckgen_check,
}
# Measured once the deck is released: the build then compares every card with the lock.
RELEASED_SIDES = {"deckgen build (released)": run_deckgen, "deckgen check (released)": run_deckgen_check}
EDITED_SIDE = "deckgen build (one-file edit)"
ALL_SIDES = {**SIDES, **RELEASED_SIDES, EDITED_SIDE: run_deckgen_edited}


def child(side: str, root: Path, cards: int) -> None:
    started = time.perf_counter()
    stages = run_stages(root, cards) if side == "stages" else ALL_SIDES[side](root, cards)
    seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mib": peak_mib, "stages": stages}))


def measure(side: str, root: Path, cards: int) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--child", side, "--root", str(root), "--cards", str(cards)],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def measure_size(cards: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="deckgen-bench-") as folder:
        root = Path(folder)
        make_project(root, cards)
        results = {side: measure(side, root, cards) for side in SIDES}
        results["stages"] = measure("stages", root, cards)["stages"]
        release_once(root)
        results.update({side: measure(side, root, cards) for side in RELEASED_SIDES})
        edit_one_file(root)
        results[EDITED_SIDE] = measure(EDITED_SIDE, root, cards)
    return results


def deckgen_command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "deckgen", *arguments]


def release_once(root: Path) -> None:
    """The generated deck's first release: cards/deck.lock records every card."""
    subprocess.run(deckgen_command("release", "1.0.0", "-q", "--project", str(root)), check=True,
                   capture_output=True, env={**os.environ, "SOURCE_DATE_EPOCH": RELEASE_TIME})


def whole_process(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user and system) of one run of `command`, start to exit."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, "SOURCE_DATE_EPOCH": RELEASE_TIME})
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def first_and_warm(command: list[str], cwd: Path) -> dict:
    """The first run, then the median of WARM_RUNS more (wall and CPU seconds)."""
    first = whole_process(command, cwd)
    warm = sorted(whole_process(command, cwd) for _ in range(WARM_RUNS))
    walls, cpus = sorted(wall for wall, _ in warm), sorted(cpu for _, cpu in warm)
    return {"first": first[0], "wall": walls[WARM_RUNS // 2], "cpu": cpus[WARM_RUNS // 2]}


DAILY_COMMANDS = (("--help",), ("check",), ("lint",), ("build",))


def measure_daily() -> dict[str, dict]:
    """The daily commands on a copy of the course deck (cards/ and templates/), and genanki writing
    as many notes, each as a whole process."""
    from deckgen.source.project import load_project

    with tempfile.TemporaryDirectory(prefix="deckgen-bench-course-") as folder:
        root = Path(folder)
        shutil.copytree(REPO / "cards", root / "cards")
        shutil.copytree(REPO / "templates", root / "templates")
        notes = len(load_project(root).cards)  # each card is one note
        results = {f"genanki, {notes} notes": first_and_warm(
            [sys.executable, __file__, "--child", "genanki", "--root", str(root), "--cards", str(notes)], root)}
        for arguments in DAILY_COMMANDS:
            results["deckgen " + " ".join(arguments)] = first_and_warm(deckgen_command(*arguments), root)
    return results


README_START, README_END = "<!-- benchmark: start -->", "<!-- benchmark: end -->"


def table(results: dict[int, dict]) -> str:
    """The results as the README shows them: a table of every side and size, then the stages."""
    lines = ["| cards | side | time | peak memory | time / genanki | memory / genanki |", "|---|---|---|---|---|---|"]
    for cards, sides in results.items():
        base = sides["genanki"]
        for side in ALL_SIDES:
            result = sides[side]
            lines.append(f"| {cards:,} | {side} | {result['seconds']:.2f} s | {result['peak_mib']:.0f} MiB | "
                         f"{result['seconds'] / base['seconds']:.2f}x | {result['peak_mib'] / base['peak_mib']:.2f}x |")
    largest = max(results)
    stages = results[largest]["stages"]
    lines += ["", f"`deckgen build` stages at {largest:,} cards: "
              + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in stages.items()) + "."]
    return "\n".join(lines)


def daily_table(results: dict[str, dict]) -> str:
    """The daily commands on the course deck, each against genanki's whole process (the first row)."""
    lines = ["| course deck | cold (first run) | warm (median of 3) | warm CPU | warm / genanki | CPU / genanki |",
             "|---|---|---|---|---|---|"]
    base = next(iter(results.values()))
    for side, result in results.items():
        lines.append(f"| {side} | {result['first']:.2f} s | {result['wall']:.2f} s | {result['cpu']:.2f} s | "
                     f"{result['wall'] / base['wall']:.2f}x | {result['cpu'] / base['cpu']:.2f}x |")
    return "\n".join(lines)


def update_readme(readme: Path, text: str) -> None:
    document = readme.read_text(encoding="utf-8")
    start, end = document.index(README_START) + len(README_START), document.index(README_END)
    readme.write_text(f"{document[:start]}\n{text}\n{document[end:]}", encoding="utf-8")


def report(results: dict[int, dict], daily: dict[str, dict]) -> bool:
    """Print the tables; whether every target is met."""
    print(table(results))
    print()
    print(daily_table(daily))
    largest = max(results)
    sides = results[largest]
    build_time = sides["deckgen build"]["seconds"] / sides["genanki"]["seconds"]
    build_memory = sides["deckgen build"]["peak_mib"] / sides["genanki"]["peak_mib"]
    check_time = sides["deckgen check"]["seconds"] / sides["genanki"]["seconds"]
    edit_time = sides[EDITED_SIDE]["seconds"] / sides["genanki"]["seconds"]
    targets = [
        (f"build time <= {TARGET_RATIO:.1f}x genanki at {largest:,}", build_time, build_time <= TARGET_RATIO),
        (f"build memory <= {TARGET_RATIO:.1f}x genanki at {largest:,}", build_memory, build_memory <= TARGET_RATIO),
        (f"check time <= 1.0x genanki at {largest:,}", check_time, check_time <= 1.0),
        (f"one-file edit rebuild <= {EDIT_RATIO:.1f}x genanki at {largest:,}", edit_time, edit_time <= EDIT_RATIO),
    ]
    smaller = [cards for cards in results if cards * 10 == largest]
    if smaller:
        growth = sides["deckgen build"]["seconds"] / results[smaller[0]]["deckgen build"]["seconds"]
        targets.append((f"build time {largest:,} / {smaller[0]:,} <= {GROWTH_LIMIT}", growth, growth <= GROWTH_LIMIT))
    print()
    for name, value, met in targets:
        print(f"target: {name}: {value:.2f} {'met' if met else 'NOT met'}")
    return all(met for *_, met in targets)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", type=lambda text: [int(size) for size in text.split(",")],
                        default=[1_000, 10_000, 100_000],
                        help="deck sizes, comma-separated (default: 1000,10000,100000)")
    parser.add_argument("--readme", type=Path, metavar="FILE",
                        help="also write the table into FILE, between its benchmark markers (README.md)")
    parser.add_argument("--child", choices=[*ALL_SIDES, "stages"], help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments.child, arguments.root, arguments.cards[0])
        return 0
    # As pip installs deckgen: compiled, so no run pays for compiling it (PYTHONDONTWRITEBYTECODE).
    compileall.compile_dir(REPO / "deckgen", quiet=1)
    results = {cards: measure_size(cards) for cards in arguments.cards}
    daily = measure_daily()
    met = report(results, daily)
    if arguments.readme:
        update_readme(arguments.readme, table(results) + "\n\n" + daily_table(daily))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
