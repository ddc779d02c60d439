"""Highlighting is bounded: only lexers measured on hostile code are used, on blocks of bounded
size, and any other block is plain code with a warning that says why.

The fuzz test feeds every allowed lexer runs of spaces, tabs, quotes, backslashes, nested brackets,
the systemd case (spaces and tabs) and random text, as long as a block is ever highlighted, and
each must finish within a second of CPU time (measured: the slowest, C on blank lines, takes about
0.2 s). It is marked slow: about half a minute."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time

import pytest
from conftest import REPO, make_project

from deckgen.errors import Location, Problem
from deckgen.text.highlight import ALLOWED_LANGUAGES, MAX_HIGHLIGHTED_CHARS, code_html
from deckgen.text.markup import to_html

FIELD_CHARS = 10_000  # the longest field a card may have


def _hostile(length: int) -> dict[str, str]:
    """Inputs that make regular-expression lexers backtrack or rescan, each `length` characters."""
    chance = random.Random(19)
    repeated = {
        "spaces": " ", "tabs": "\t", "spaces and tabs (systemd)": " \t", "blank lines": "\n",
        "spaces and newlines": " \n", "tabs, newlines, spaces": "\t\n ", "double quotes": '"',
        "single quotes": "'", "backticks": "`", "backslashes": "\\", "backslashed newlines": "\\\n",
        "backslashed quotes": '\\"', "quotes and spaces": '" ', "open brackets": "(", "open braces": "{",
        "angle brackets": "<", "${": "${", "$(": "$(", "comment openings": "/*", "hashes": "#",
        "html comments": "<!--", "triple quotes": '"""', "letters": "a", "words": "a ", "digits and dots": "1.",
        "colons": "a:", "equals": "=", "percents": "%", "at signs": "@", "slashes": "/", "stars": "*",
        "assignments with white space": "key = \t \t \t\n", "unicode": "é\u00a0\u2028漢",
    }
    inputs = {name: (unit * (length // len(unit) + 1))[:length] for name, unit in repeated.items()}
    half = length // 2
    inputs |= {
        "nested round brackets": "(" * half + ")" * half, "nested square brackets": "[" * half + "]" * half,
        "nested braces": "{" * half + "}" * half,
        "nested mixed brackets": ("([{<" * length)[:half] + (">}])" * length)[:half],
        "random ascii": "".join(chance.choice([chr(c) for c in range(32, 127)] + ["\n", "\t"]) for _ in range(length)),
        "random punctuation": "".join(chance.choice(" \t\n\\\"'`()[]{}<>$#/*-=:;,.|&!?%@^~_") for _ in range(length)),
        "random quotes and white space": "".join(chance.choice(" \t\n\"'\\") for _ in range(length)),
    }
    return inputs


def _slowest(language: str, length: int) -> tuple[float, str]:
    """The CPU time of the slowest hostile input of `length` characters, highlighted as `language`."""
    slowest = (0.0, "")
    for name, code in _hostile(length).items():
        started = time.process_time()
        code_html(code, language)
        slowest = max(slowest, (time.process_time() - started, name))
    return slowest


@pytest.mark.slow
@pytest.mark.parametrize("language", ALLOWED_LANGUAGES)
def test_every_allowed_lexer_highlights_hostile_code_of_the_largest_size_within_a_second(language):
    seconds, slowest = _slowest(language, MAX_HIGHLIGHTED_CHARS)

    assert seconds < 1.0, f"{language} took {seconds:.2f} s on {slowest}"


@pytest.mark.slow
@pytest.mark.parametrize("language", [*ALLOWED_LANGUAGES, "systemd", "make", "nosuchlanguage"])
def test_a_field_long_code_block_in_any_language_renders_within_a_second(language):
    seconds, slowest = _slowest(language, FIELD_CHARS)

    assert seconds < 1.0, f"{language} took {seconds:.2f} s on {slowest}"


WHERE = Location("cards/x.yaml", 4, 13)


def test_a_language_deckgen_does_not_highlight_is_plain_code_with_a_warning():
    result = to_html("```systemd\n[Unit]\nDescription=x\n```", WHERE, "answer", media_names={})

    assert result.html == "<pre><code>&#91;Unit&#93;\nDescription=x\n</code></pre>"
    assert result.warnings == (Problem(WHERE, (
        "warning: 'answer' has a code block in 'systemd', a language deckgen does not highlight (its highlighter "
        "can take minutes on some code): the build shows it as plain code; to colour it, name one of "
        f"{', '.join(ALLOWED_LANGUAGES)}")),)


def test_a_code_block_too_long_to_highlight_is_plain_code_with_a_warning():
    code = "x = 1\n" * 334  # 2,004 characters
    result = to_html(f"```python\n{code}```", WHERE, "answer", media_names={})

    assert result.html == f"<pre><code>{code}</code></pre>"
    assert result.warnings == (Problem(WHERE, (
        "warning: 'answer' has a code block of 2,004 characters: the build shows it as plain code, since only "
        "blocks up to 2,000 characters are highlighted (more could take minutes); shorten it, or mark it 'text'")),)


@pytest.mark.parametrize("language", ["python", "py", "sh", "c++", "js", "text", "nosuchlanguage", ""])
def test_an_allowed_or_unknown_language_gives_no_warning(language):
    result = to_html(f"```{language}\nx = 1\n```", WHERE, "answer", media_names={})

    assert result.warnings == ()


TIMED_CHECK = """
import sys, time
from deckgen.cli.main import main
started = time.process_time()  # CPU time: the machine may be shared
code = main(["check", "--strict"])
print(time.process_time() - started, code)
"""


@pytest.mark.parametrize("language, code", [
    ("systemd", "x" + " \t" * 4_975),  # the case: hours, were it highlighted
    ("cpp", "x" + "\n" * 9_950),  # an allowed lexer's slowest input, too long to highlight
])
@pytest.mark.slow
def test_checking_a_field_long_code_block_takes_under_two_seconds(language, code, tmp_path):
    project = make_project(tmp_path / "project")
    answer = json.dumps(f"```{language}\n{code}\n```")  # JSON's string is a YAML double-quoted one
    (project / "cards" / "code.yaml").write_text(
        f"subdeck: first\ncards:\n  - id: code\n    kind: basic\n    question: What is this?\n    answer: {answer}\n")

    done = subprocess.run([sys.executable, "-c", TIMED_CHECK], cwd=project, capture_output=True, text=True,
                          timeout=120, env={"PYTHONPATH": str(REPO), "PATH": ""})
    took, exit_code = done.stdout.split()

    assert exit_code == "1"  # the warning, as --strict makes it an error
    assert "shows it as plain code" in done.stderr
    assert float(took) < 2.0


def test_the_readme_lists_exactly_the_languages_deckgen_highlights():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    listed = readme.split("These languages are coloured, by any of their")[1].split("; and blocks")[0]
    listed = listed.split("…):", 1)[1]

    assert [name.strip() for name in " ".join(listed.split()).split(",")] == list(ALLOWED_LANGUAGES)
