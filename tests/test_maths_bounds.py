"""A field's maths is bounded: length, chemistry (\\ce, \\pu), TeX commands and nesting. Beyond the
bounds deckgen refuses the field; within them, the heaviest maths shows in Anki's own reviewer
(tests/reviewer.py) within five seconds (measured: one to three, on a loaded machine)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from conftest import make_project

from deckgen.text.maths import MAX_CHEMISTRY_CHARS, MAX_COMMANDS, MAX_DEPTH, MAX_MATHS_CHARS, problems


def _maths(body: str) -> str:
    return f"\\({body}\\)"


def test_the_issues_ten_thousand_character_chemistry_is_refused_at_its_field(tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    answer = json.dumps(_maths("\\ce{" + ("H2O + " * 2000)[:9_980] + "}"))
    (project / "cards" / "chemistry.yaml").write_text(
        "subdeck: first\ncards:\n  - id: water\n    kind: basic\n    question: Which reaction?\n"
        f"    answer: {answer}\n")

    result = run_cli("check", cwd=project)

    assert result.exit_code == 1
    assert sorted(result.stderr.splitlines()[:2]) == [
        "cards/chemistry.yaml:6:13: 'answer' gives \\ce and \\pu more than 300 characters, the most a field may give "
        "them: mhchem takes seconds on that much chemistry each time the card is shown; split the equations over "
        "several cards",
        "cards/chemistry.yaml:6:13: 'answer' holds 9,985 characters of maths, and a field may hold at most 600: "
        "Anki typesets maths each time the card is shown, which takes seconds for this much; split it over several "
        "cards",
    ]


@pytest.mark.parametrize("html, message", [
    (_maths("x+" * 301), "'answer' holds 602 characters of maths, and a field may hold at most 600: Anki "
                         "typesets maths each time the card is shown, which takes seconds for this much; split it "
                         "over several cards"),
    (_maths("\\ce{" + "A" * 200 + "} + \\pu{" + "1" * 101 + "}"),
     "'answer' gives \\ce and \\pu more than 300 characters, the most a field may give them: mhchem takes seconds "
     "on that much chemistry each time the card is shown; split the equations over several cards"),
    (_maths("\\sqrt" * 101 + " x"), "'answer' uses 101 TeX commands in its maths, and a field may use at most 100: "
                                   "Anki's reviewer slows down and can hang on that many; split it over several cards"),
    (_maths("x^{" * 21 + "x" + "}" * 21), "'answer' nests braces 21 levels deep in its maths, and maths may nest "
                                          "them at most 20 deep: Anki's reviewer can hang on deeper maths; write it "
                                          "with fewer levels"),
    (_maths("a") + " and " + _maths("b" * 600), "'answer' holds 601 characters of maths, and a field may hold "
     "at most 600: Anki typesets maths each time the card is shown, which takes seconds for this much; split it "
     "over several cards"),  # all the field's spans together
])
def test_maths_beyond_a_bound_is_refused(html, message):
    assert problems(html, "answer", True) == [message]


def test_text_outside_maths_and_escaped_braces_do_not_count():
    html = "x" * 5_000 + _maths("\\{" * 40 + "y") + "<code>\\(" + "{" * 50 + "\\)</code>"

    assert problems(html, "answer", True) == []


def _chemistry(length: int, unit: str) -> str:
    return unit * (length // len(unit))  # whole units: no brace left open


# The heaviest maths each bound still lets through: what the reviewer must show within five seconds.
WITHIN_BOUNDS = {
    "\\ce, the most": _maths("\\ce{" + _chemistry(MAX_CHEMISTRY_CHARS, "H2O + ") + "}" + "x+" * 145),
    "\\ce of brackets": _maths("\\ce{" + "(" * 150 + ")" * 150 + "}"),
    "\\ce of charges": _maths("\\ce{" + _chemistry(MAX_CHEMISTRY_CHARS, "A^{2+}_{3} ") + "}"),
    "\\ce of arrows": _maths("\\ce{" + _chemistry(MAX_CHEMISTRY_CHARS, "A -> B ") + "}"),
    "\\pu, the most": _maths("\\pu{" + _chemistry(MAX_CHEMISTRY_CHARS, "123 kJ mol-1 ") + "}"),
    "plain maths, the most": _maths("x+" * (MAX_MATHS_CHARS // 2)),
    "fractions nested deepest": _maths("\\frac{1}{" * MAX_DEPTH + "x" + "}" * MAX_DEPTH),
    "roots nested without braces": _maths("\\sqrt" * MAX_COMMANDS + " x"),
    "powers nested deepest": _maths("x^{" * MAX_DEPTH + "x" + "}" * MAX_DEPTH),
    "braces nested deepest, repeated": _maths(("{" * MAX_DEPTH + "x" + "}" * MAX_DEPTH) * 14),
    "a matrix": _maths("\\begin{matrix}" + "a&" * 285 + "\\end{matrix}"),
}


def test_the_heaviest_maths_within_the_bounds_passes_the_check():
    assert {name: problems(html, "answer", True) for name, html in WITHIN_BOUNDS.items()} == {
        name: [] for name in WITHIN_BOUNDS}


@pytest.mark.slow
def test_the_heaviest_maths_within_the_bounds_shows_in_ankis_reviewer_within_five_seconds():
    reviewer = pytest.importorskip("reviewer")
    reviewer.require_chromium()
    cache = Path.home() / ".cache" / "deckgen-reviewer-harness"
    took = {}
    with reviewer.ReviewerHarness(reviewer.fetch_reviewer_files(cache), card_timeout=30, trusted_points=0,
                                  max_elements=10) as harness:
        def shown(html: str) -> tuple[float, list]:
            started = time.perf_counter()
            findings = harness.check_cards([(html, "answer")], "hidden")
            return time.perf_counter() - started, findings

        # What showing any card costs in the harness (a page, both sides): not the maths's.
        baseline = min(shown(_maths("x"))[0] for _ in range(3))
        for name, html in WITHIN_BOUNDS.items():
            seconds, findings = shown(html)
            took[name] = (round(seconds - baseline, 1), sorted({finding.kind for finding in findings}))

    assert {name: kinds for name, (_, kinds) in took.items()} == {name: [] for name in WITHIN_BOUNDS}
    assert max(seconds for seconds, _ in took.values()) < 5.0, took
