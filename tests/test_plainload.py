"""The fast reading of card files (plainload.py, Key.quick) against the position-keeping one.

A file the fast reading accepts must give exactly the cards the position-keeping reading gives,
located at the same places; a file with anything to report must be left to the position-keeping
reading, whose messages say where. Generated files, written in every YAML style, are read both ways.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import make_project
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deckgen.commands.pipeline import check
from deckgen.errors import DeckError, ProblemCollector
from deckgen.render.notes import render_deck
from deckgen.source.cardfile import CardContext, quick_card_file, validate_card_file
from deckgen.source.load import Pointer, Positions, check_characters, compose
from deckgen.source.plainload import read_plain
from deckgen.source.project import load_project

PROPERTY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text an educator might write, and text that means something else to YAML 1.1 or 1.2.
WORDS = st.sampled_from([
    "What is IPT?", "yes", "No", "on", "off", "null", "Null", "~", "true", "FALSE", "42", "0o17", "0x1F", "1_000",
    "1:20", "3.10", ".inf", "-.5", "1e3", "2001-01-01", "=", "<<", "*bold*", "**Weissman**", "&amp;", "a & b",
    "!important", "#hash", "a # comment", "a: b", "- item", "[x]", "{y}", "'quoted'", '"double"', "%", "@at",
    "`code`", "tab\there", "é", "😀", "\u2028", "\x85", "  spaced  ", "", " ", "{{c1::hidden}}", "{{c1::a}} {{c2::b}}",
    "\\(x_1\\)", "back\\slash", "line\nbreak", "trailing ", "fact **5** of", "a, *b*", "x\r\ny",
])
PROSE = st.from_regex(r"[A-Za-z][a-zA-Z .,?()*_'\"-]{0,29}", fullmatch=True)
# Mostly text a card could have; now and then anything at all.
TEXT = st.one_of(PROSE, PROSE, PROSE, PROSE, WORDS, st.lists(WORDS, min_size=1, max_size=4).map(" ".join),
                 st.text(max_size=30))


def _indented(text: str, indent: str) -> str:
    return "\n".join(indent + line if line else "" for line in text.split("\n"))


@st.composite
def yaml_value(draw, text, indent: str) -> str:
    """`text` written in one of YAML's styles (not always validly: that is part of the test)."""
    style = draw(st.sampled_from(["plain", "plain", "single", "double", "double-ascii", "literal", "folded"] * 3
                                 + ["list"]))
    if style == "plain":
        return " " + text
    if style == "single":
        return " '" + text.replace("'", "''") + "'"
    if style in ("double", "double-ascii"):
        return " " + json.dumps(text, ensure_ascii=style == "double-ascii")
    if style == "list":
        return " [" + ", ".join(json.dumps(part) for part in text.split()) + "]"
    marker = draw(st.sampled_from(["", "-", "+"]))
    return f" {'|' if style == 'literal' else '>'}{marker}\n" + _indented(text, indent + "  ")


KEYS = ["id", "kind", "subdeck", "question", "answer", "text", "items", "ordered", "extra", "topic", "corrects",
        "source", "tags", "media", "retired", "unknown"]


@st.composite
def card_file(draw) -> str:
    """A card file. Half of them are written with care (every value text a card may hold, in any
    style), so that many are read fast; the others now and then have anything a file may have."""
    careful = draw(st.booleans())
    text = PROSE if careful else TEXT
    subdecks = ["first", "second"] + ([] if careful else ["x"])
    lines = []
    if draw(st.integers(0, 3)):
        lines.append("subdeck: " + draw(st.sampled_from(subdecks + ["'first'"])))
    lines.append("cards:")
    for number in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["basic", "reverse", "cloze", "list"] + ([] if careful else ["typo"])))
        card = {"id": f"card-{number}", "kind": kind}
        if draw(st.booleans()):
            card["subdeck"] = draw(st.sampled_from(subdecks))
        if not careful and draw(st.integers(0, 3)) == 0:  # keys a card of its kind may or may not have
            for key in draw(st.lists(st.sampled_from(KEYS), max_size=3)):
                card[key] = draw(TEXT)
        if kind in ("basic", "reverse", "typo"):
            card.setdefault("question", draw(text))
            card.setdefault("answer", draw(text))
        elif kind == "cloze":
            card.setdefault("text", draw(st.sampled_from(["{{c1::a}} b", "{{c1::a}} {{c2::b}}", "no deletion"])))
        else:
            card.setdefault("question", draw(text))
            card.setdefault("items", draw(st.lists(text.filter(lambda item: " " not in item), min_size=2, max_size=4)
                                          .map(" ".join)))
        entries = list(card.items())
        if not careful and draw(st.integers(0, 9)) == 0:
            entries.append(draw(st.sampled_from(entries)))  # a duplicate key
        lines += _card_lines(draw, entries)
    return "\n".join(lines) + "\n"


def _card_lines(draw, entries: list[tuple[str, str]]) -> list[str]:
    lines = []
    for position, (key, value) in enumerate(entries):
        lead = "  - " if position == 0 else "    "
        if key == "items" or (key in ("tags", "media") and draw(st.booleans())):
            lines.append(f"{lead}{key}:")
            lines += [f"      -{draw(yaml_value(part, '      '))}" for part in value.split() or [value]]
        elif key in ("id", "kind"):
            lines.append(f"{lead}{key}: {value}")
        elif key in ("retired", "ordered"):
            lines.append(f"{lead}{key}: {draw(st.sampled_from(['true', 'True', 'false', 'yes', 'no', '1']))}")
        else:
            lines.append(f"{lead}{key}:{draw(yaml_value(value, '    '))}")
    return lines


SEED = "subdeck: first\ncards:\n  - id: seed\n    kind: basic\n    question: q\n    answer: a\n"


@pytest.fixture(scope="module")
def context(tmp_path_factory) -> CardContext:
    root = tmp_path_factory.mktemp("plainload") / "project"
    make_project(root)
    (root / "cards" / "seed.yaml").write_text(SEED)
    project = load_project(root)
    return CardContext(project.settings, dict(project.references), root / "cards" / "media", "cards/media")


def _both_ways(text: str, context: CardContext, folder: Path):
    """Each reading as the pipeline runs it, after the checks of the file's characters."""
    problems = ProblemCollector()
    try:
        check_characters(text, "cards/x.yaml")
        slow = validate_card_file(compose(text, "cards/x.yaml"), None, context, problems)
    except DeckError as error:
        return [], list(error.problems), None
    path = folder / "x.yaml"
    path.write_text(text, encoding="utf-8")
    document = read_plain(text)
    quick = quick_card_file(document, context, Positions(path, text, "cards/x.yaml")) if document is not None else None
    return slow, problems.problems, quick


def _as_read(card) -> dict:
    """A card's values with every place found: what the rest of the pipeline sees."""
    def placed(value):
        return value if isinstance(value, bool) else tuple(map(placed, value)) if isinstance(value, tuple) else (
            value.value, value.location)

    values = {name: getattr(card, name) for name in card.__dataclass_fields__ if name != "where"}
    values["location"] = card.location
    values["values"] = tuple((key, placed(value)) for key, value in card.values)  # every kind's content
    for name in ("extra", "topic", "corrects"):
        if values[name] is not None:
            values[name] = (values[name].value, values[name].location)
    values["media"] = tuple((media.name, media.path) for media in card.media)
    return values


@pytest.mark.slow  # hypothesis: 400 examples, about 5 s
@PROPERTY
@given(card_file())
def test_a_file_read_fast_gives_the_cards_and_places_of_the_careful_reading(context, text):
    slow, problems, quick = _both_ways(text, context, context.media_dir.parent)
    if quick is not None:
        assert not problems, f"read fast, but the careful reading reports {problems[0]}"
        assert [_as_read(card) for card in quick] == [_as_read(card) for card in slow]


def test_the_fast_reading_takes_the_usual_card_file(context):
    """Without this, the property above could pass by never reading anything fast."""
    text = ("subdeck: first\ncards:\n  - id: a\n    kind: basic\n    question: What is **IPT**?\n"
            "    answer: >\n      A time-limited\n      therapy\n    tags: [ipt, 'core']\n"
            "  - id: b\n    kind: list\n    question: \"Four areas\"\n    items:\n      - grief\n      - disputes\n"
            "    ordered: true\n  - id: c\n    kind: cloze\n    text: '{{c1::Weissman}} and Klerman'\n")
    slow, problems, quick = _both_ways(text, context, context.media_dir.parent)
    assert not problems and quick is not None and len(quick) == 3
    assert [_as_read(card) for card in quick] == [_as_read(card) for card in slow]
    assert str(quick[1].items[1].location) == "cards/x.yaml:15:9"


def test_what_a_card_corrects_is_read_both_ways_and_never_reaches_students(context, tmp_path):
    """`corrects:` is for maintainers: kept with its place, and in no field of the note."""
    text = ("subdeck: first\ncards:\n  - id: a\n    kind: basic\n    question: Who founded IPT?\n"
            "    answer: Klerman and Weissman\n    corrects: The essay names Sullivan (Weissman et al., 2017)\n")
    slow, problems, quick = _both_ways(text, context, context.media_dir.parent)
    assert not problems and quick is not None
    assert [_as_read(card) for card in quick] == [_as_read(card) for card in slow]
    assert str(quick[0].corrects.location) == "cards/x.yaml:7:15"
    root = make_project(tmp_path / "project")
    (root / "cards" / "first.yaml").write_text(text)
    rendered = render_deck(load_project(root), root / "templates")
    assert not any("Sullivan" in field for note in rendered.notes for field in note.fields)


@pytest.mark.parametrize("text", [
    "cards:\n  - &a\n    id: a\n    kind: basic\n    question: q\n    answer: a\n    subdeck: first\n",
    "cards:\n  - id: a\n    kind: basic\n    question: !!str q\n    answer: a\n    subdeck: first\n",
    "%YAML 1.1\n---\ncards:\n  - id: a\n    kind: basic\n    question: q\n    answer: a\n    subdeck: first\n",
    "cards:\n  - id: a\n    kind: basic\n    question: \"\\ud83d\"\n    answer: a\n    subdeck: first\n",
    "cards:\n  - id: a\n    kind: basic\n    question: q\u2028r\n    answer: a\n    subdeck: first\n",
])
def test_what_the_fast_reader_cannot_vouch_for_goes_to_the_careful_reading(text):
    assert read_plain(text) is None


def test_a_problem_in_a_file_read_fast_is_found_at_its_place(tmp_path):
    """A problem found after validation (here, by the renderer) still names its file:line:col."""
    root = make_project(tmp_path / "project")
    card_file = root / "cards" / "first.yaml"
    (root / "cards" / "seed.yaml").write_text(SEED.replace("seed", "other"))
    card_file.write_text("subdeck: first\ncards:\n  - id: a\n    kind: basic\n    question: q\n"
                         "    answer: 'see ![the chart](chart.png)'\n")
    assert read_plain(card_file.read_text()) is not None
    with pytest.raises(DeckError) as raised:
        check(root)
    assert [str(problem) for problem in raised.value.problems] == [
        "cards/first.yaml:6:13: 'answer' shows image 'chart.png', which the card does not list: "
        "add 'chart.png' to the card's media: list"]


def test_a_file_changed_since_it_was_read_fast_is_named_at_its_start(tmp_path):
    """A place is found by reading the file again; if it changed meanwhile (saved during a build),
    a line from the new file could point at the wrong card: the file is named, as for any problem
    of a whole file."""
    path = tmp_path / "first.yaml"
    text = "subdeck: first\ncards:\n  - id: a\n    kind: basic\n    question: q\n    answer: a\n"
    path.write_text(text)
    positions = Positions(path, text, "cards/first.yaml")
    assert str(Pointer(positions, 0, "answer").location) == "cards/first.yaml:6:13"
    moved = Positions(path, text, "cards/first.yaml")
    path.write_text("# a comment\n" + text)
    assert str(Pointer(moved, 0, "answer").location) == "cards/first.yaml:1:1"
