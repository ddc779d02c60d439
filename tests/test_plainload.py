"""The fast reading of card files (plainload.py, Key.quick) against the position-keeping one.

A file the fast reading accepts must give exactly the cards the position-keeping reading gives,
located at the same places; a file with anything to report must be left to the position-keeping
reading, whose messages say where. Generated files, written in every YAML style, are read both ways.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import pytest
from conftest import make_project
from helpers import PNG
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from deckgen.commands.pipeline import check
from deckgen.errors import DeckError, ProblemCollector, located
from deckgen.paths import ProjectPaths
from deckgen.render.notes import render_deck
from deckgen.source.cardfile import CARD_FILE_KEYS, CardContext, card_keys, quick_card_file, validate_card_file
from deckgen.source.load import Pointer, Positions, check_characters, compose
from deckgen.source.plainload import read_plain
from deckgen.source.project import load_project, read_card_file

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
def yaml_value(draw, text, indent: str, styles: tuple[str, ...] = ("plain", "plain", "single", "double",
                                                                  "double-ascii", "literal", "folded")) -> str:
    """`text` written in one of YAML's styles (not always validly: that is part of the test)."""
    style = draw(st.sampled_from(list(styles) * 3 + (["list"] if len(styles) > 3 else [])))
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
    values["media"] = tuple((media.name, media.path, located(media.where)) for media in card.media)
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
        "add 'chart.png' to the card's 'media'"]


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


# The two readers agree on every key of every kind. Each key is given good values and bad ones
# (of its own rules: a pattern, a choice, a length, a reserved tag, a missing file; and of its
# kind's: cloze deletions, a list's size), written in any YAML style.
DECLARED_TYPES = """  typed: 1700000000105
  drug:
    id: 1700000000201
    fields: [Drug, Class]
    optional: [Class]
    templates:
      - {name: Drug, front: drug.front.html, back: drug.back.html}
  fact:
    id: 1700000000202
    cloze: true
    fields: [Text, Back Extra]
    optional: [Back Extra]
    templates:
      - {name: Cloze, front: fact.front.html, back: fact.back.html}
"""
KIND_KEYS = {"basic": ["question", "answer"], "reverse": ["question", "answer"], "typed": ["question", "answer"],
             "cloze": ["text"], "list": ["question", "items", "ordered"], "drug": ["drug", "class"],
             "fact": ["text", "back_extra"]}
COMMON_KEYS = ["subdeck", "topic", "extra", "source", "corrects", "tags", "media", "retired", "guid"]
DECLARED_COMMON = ["subdeck", "tags", "media", "retired", "guid"]


class Raw(str):
    """A value written as it is after 'key: ' (a YAML word, a flow list, nothing)."""


GOOD_CLOZE_TEXTS = st.sampled_from(["{{c1::a}} b", "{{c1::a}} {{c2::b}}", "{{c1::a::hint}} and {{c3::b}}"])
CLOZE_TEXTS = st.one_of(GOOD_CLOZE_TEXTS, st.sampled_from(["no deletion", "{{c0::x}} y", "{{c1::open", "{{c501::b}}"]))
TAGS = st.sampled_from(["ipt", "ipt::core", "a.b", "x-y_z", "bad tag", "-dash", "test::retired",
                        "Test::Retired::old", "ipt::", "é"])
MEDIA = st.sampled_from(["chart.png", "chart.png", "missing.png", "../chart.png", "notes.txt", ".hidden.png"])
TRUTH = st.sampled_from(["true", "True", "TRUE", "false", "False"])
WORDS_OF_TRUTH = st.one_of(TRUTH, st.sampled_from(["yes", "no", "1", "~", "'true'", "[true]", "tRUE"]))
# Names (ids, kinds, choices, tags, files) written carefully: on one line, as one word.
NAME_STYLES = ("plain", "single", "double")
NAMES = {"id", "kind", "subdeck", "source", "guid", "tags", "media"}
ODD = st.sampled_from([Raw(""), Raw("~"), Raw("[a, b]"), Raw("{a: b}"), Raw("42"), Raw("true"), "x" * 10_001])


def _texts(good: st.SearchStrategy, careful: bool) -> st.SearchStrategy:
    return good if careful else st.one_of(good, good, TEXT, ODD)


def _value(draw, key: str, kind: str, careful: bool):
    """A value for `key` of a `kind` card: mostly good when `careful`, anything now and then else."""
    if key == "id":
        return draw(st.sampled_from(["card-1", "card.2_x"] if careful else ["card-1", "Card 1", "-x", "a" * 65]))
    if key == "kind":
        return kind
    if key == "subdeck":
        return draw(st.sampled_from(["first", "second"] if careful else ["first", "x", "First"]))
    if key == "source":
        return draw(st.sampled_from(["weissman2017"] if careful else ["weissman2017", "nosuch", "Weissman2017"]))
    if key == "guid":
        return draw(st.sampled_from(["abc$%1"] if careful else ["abc$%1", "has space", "é", "a" * 65]))
    if key in ("retired", "ordered"):
        return Raw(draw(TRUTH if careful else WORDS_OF_TRUTH))
    if key == "topic":
        return draw(_texts(st.sampled_from(["Phases", "Grief"]), careful) if careful
                    else st.one_of(PROSE, st.just("t" * 41), TEXT))
    if key == "text":
        return draw(GOOD_CLOZE_TEXTS if careful else st.one_of(CLOZE_TEXTS, TEXT, ODD))
    if key == "tags":
        return draw(st.one_of(st.lists(TAGS, max_size=3), st.just(Raw("ipt")))) if not careful \
            else draw(st.lists(st.sampled_from(["ipt", "ipt::core", "a.b"]), max_size=2))
    if key == "media":
        return draw(st.lists(MEDIA, max_size=2)) if not careful else ["chart.png"]
    if key == "items":
        sizes = st.sampled_from([2, 3]) if careful else st.sampled_from([0, 1, 2, 3, 3, 501])
        return draw(sizes.flatmap(lambda size: st.lists(_texts(PROSE, careful), min_size=size, max_size=size)))
    return draw(_texts(PROSE, careful))


@st.composite
def every_key_card_file(draw) -> str:
    """A card file whose cards, of every kind, have every key they may have, with good or bad values."""
    careful = draw(st.booleans())
    lines = []
    if careful or draw(st.integers(0, 3)):
        subdecks = ["first", "second"] if careful else ["first"] * 4 + ["x", "[a]"]
        lines.append("subdeck: " + draw(st.sampled_from(subdecks)))
    if draw(st.integers(0, 4)) == 0:
        tags = draw(st.lists(st.just("ipt") if careful else TAGS, min_size=careful, max_size=2))
        lines += ["tags:"] + [f"  -{draw(yaml_value(tag, '  ', NAME_STYLES))}" for tag in tags]
    lines.append("cards:")
    for number in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(list(KIND_KEYS) + ([] if careful else ["typo"])))
        optional = [key for key in (DECLARED_COMMON if kind in ("drug", "fact") else COMMON_KEYS)
                    if draw(st.integers(0, 2)) == 0]
        keys = ["id", "kind"] + KIND_KEYS.get(kind, ["question"]) + optional
        if not careful and draw(st.integers(0, 4)) == 0:
            keys.remove(draw(st.sampled_from(keys)))  # a required key left out, or an optional one
        if not careful and draw(st.integers(0, 4)) == 0:
            keys.append(draw(st.sampled_from(["unknown", "questoin", "text", "items", "topic"])))
        entries = [(key, _value(draw, key, kind, careful)) for key in keys]
        entries[0] = ("id", entries[0][1].replace("1", str(number)))
        lines += _every_key_lines(draw, entries, careful)
    return "\n".join(lines) + "\n"


def _every_key_lines(draw, entries: list[tuple[str, object]], careful: bool) -> list[str]:
    lines = []
    for position, (key, value) in enumerate(entries):
        lead = "  - " if position == 0 else "    "
        styles = NAME_STYLES if careful and key in NAMES else ("plain", "single", "double", "literal", "folded")
        if not careful:
            styles += ("plain", "double-ascii")  # and, now and then, a list
        if isinstance(value, list):
            if draw(st.integers(0, 3)) == 0:
                lines.append(f"{lead}{key}: [{', '.join(json.dumps(item) for item in value)}]")
            else:
                lines.append(f"{lead}{key}:" + ("" if value else " []"))
                lines += [f"      -{draw(yaml_value(item, '      ', styles))}" for item in value]
        elif isinstance(value, Raw):
            lines.append(f"{lead}{key}: {value}".rstrip())
        else:
            lines.append(f"{lead}{key}:{draw(yaml_value(value, '    ', styles))}")
    return lines


class EveryKind(NamedTuple):
    root: Path
    context: CardContext

    def __repr__(self) -> str:  # hypothesis shows it with each failing example
        return "every_kind"


@pytest.fixture(scope="module")
def every_kind(tmp_path_factory) -> EveryKind:
    """A project with every built-in kind, two declared note types (one a cloze type) and a picture."""
    root = tmp_path_factory.mktemp("every-kind") / "project"
    make_project(root)
    deck = root / "cards" / "deck.yaml"
    deck.write_text(deck.read_text().replace("subdecks:\n", DECLARED_TYPES + "subdecks:\n"))
    for name in ("drug.front.html", "drug.back.html", "fact.front.html", "fact.back.html"):
        (root / "templates" / name).write_text("{{ anki.field('Drug') }}\n")
    (root / "cards" / "media").mkdir()
    (root / "cards" / "media" / "chart.png").write_bytes(PNG)
    (root / "cards" / "media" / "notes.txt").write_text("not a picture")
    (root / "cards" / "seed.yaml").write_text(SEED)
    project = load_project(root)
    return EveryKind(root, CardContext(project.settings, dict(project.references), root / "cards" / "media",
                                       "cards/media"))


def _as_loaded(text: str, root: Path, context: CardContext):
    """The file's cards and problems as the project loader gives them (fast, falling back to careful)."""
    path = root / "cards" / "x.yaml"
    path.write_text(text, encoding="utf-8")
    problems = ProblemCollector()
    cards = read_card_file(path, ProjectPaths(root), context, problems)
    return cards, problems.found()


def _plainly_typed(document, context: CardContext) -> bool:
    """Whether every value of the file read plainly is of the type its key's check takes (text where
    the careful reading takes text, and not a number YAML 1.2 reads in it): the fast reading may
    leave only other files to the careful one."""
    if type(document) is not dict or type(document.get("cards")) is not list:
        return False
    keys = {key.name: key for key in CARD_FILE_KEYS}
    if not all(_typed(value, keys[name]) for name, value in document.items() if name != "cards"):
        return False
    for card in document["cards"]:
        kind = card.get("kind") if type(card) is dict else None
        if type(kind) is not str:
            return False
        keys = {key.name: key for key in card_keys(kind, context.settings.kinds)}
        if not all(name in keys and _typed(value, keys[name]) for name, value in card.items()):
            return False
    return True


def _typed(value, key) -> bool:
    return type(value) is key.wants and (key.wants is not list or all(type(item) is str for item in value))


def _check_both_readers(text: str, root: Path, context: CardContext) -> tuple[bool, bool]:
    """The two readers' contract for one file; whether it was read fast, and whether it was valid."""
    slow, problems, quick = _both_ways(text, context, root / "cards")
    if quick is not None:
        assert not problems, f"read fast, but the careful reading reports {problems[0]}"
        assert [_as_read(card) for card in quick] == [_as_read(card) for card in slow]
    elif not problems:
        document = read_plain(text)
        assert document is None or not _plainly_typed(document, context), \
            "the careful reading takes this file, and every value is plainly typed, but the fast reading refuses it"
    cards, loaded = _as_loaded(text, root, context)
    assert loaded == tuple(sorted(set(problems))), "the loader's problems are not the careful reading's"
    assert [_as_read(card) for card in cards] == [_as_read(card) for card in slow]
    return quick is not None, not problems


@pytest.mark.slow  # hypothesis: 300 examples, about 10 s
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(every_key_card_file())
def test_the_two_readers_agree_on_every_key_of_every_kind(every_kind, text):
    root, context = every_kind
    fast, valid = _check_both_readers(text, root, context)
    event("read fast" if fast else "valid, read carefully" if valid else "with problems")


def _one_card(*lines: str) -> str:
    return "subdeck: first\ncards:\n  - id: a\n" + "".join(f"    {line}\n" for line in lines)


BASIC = ("kind: basic", "question: What is IPT?", "answer: A therapy")
# A rule of every key and every kind, each met and broken once: (file, read fast, valid).
EXAMPLES = [
    (_one_card(*BASIC, "topic: Phases", "extra: See *the guide*", "source: weissman2017", "corrects: Sullivan",
               "tags: [ipt, 'ipt::core']", "media: [chart.png]", "retired: True", "guid: abc$%1"), True, True),
    (_one_card("kind: list", "question: Four areas", "items: [grief, disputes, transitions]", "ordered: true"),
     True, True),
    (_one_card("kind: cloze", "text: '{{c1::Weissman}} and {{c2::Klerman}}'"), True, True),
    (_one_card("kind: typed", "question: Who?", "answer: Klerman"), True, True),
    (_one_card("kind: drug", "drug: Insulin", "media: [chart.png]"), True, True),
    (_one_card("kind: fact", "text: '{{c1::Insulin}} lowers glucose'", "back_extra: Pancreas"), True, True),
    # Numbers to YAML 1.2: the fast reading leaves them to the careful one, which takes their text.
    (_one_card("kind: basic", "question: 42", "answer: 1e3"), False, True),
    (_one_card(*BASIC, "topic: " + "t" * 41), False, False),
    (_one_card(*BASIC, "tags: ['Test::Retired::old']"), False, False),
    (_one_card(*BASIC, "tags: [bad tag]"), False, False),
    (_one_card(*BASIC, "tags: ipt"), False, False),
    (_one_card(*BASIC, "media: [missing.png, notes.txt]"), False, False),
    (_one_card(*BASIC, "source: nosuch"), False, False),
    (_one_card(*BASIC, "subdeck: x"), False, False),
    (_one_card(*BASIC, "guid: has space"), False, False),
    (_one_card(*BASIC, "retired: yes"), False, False),
    (_one_card(*BASIC, "extra: \"\\x85\""), False, False),
    (_one_card("kind: cloze", "text: '{{c0::Weissman}}'"), False, False),
    (_one_card("kind: fact", "text: no deletion"), False, False),
    (_one_card("kind: list", "question: Q", "items: [one]"), False, False),
    (_one_card("kind: list", "question: Q", "items: [" + ", ".join(f"i{n}" for n in range(501)) + "]"), False, False),
    (_one_card("kind: list", "question: Q", "items: [one, {a: b}, '']", "ordered: ~"), False, False),
    (_one_card("kind: typo", "question: Q", "answer: A"), False, False),
    ("subdeck: first\ntags: [ipt, 'bad tag']\ncards:\n  - id: a\n    kind: basic\n    question: Q\n    answer: A\n",
     False, False),
]


@pytest.mark.parametrize(("text", "fast", "valid"), EXAMPLES)
def test_the_two_readers_agree_on_a_rule_of_every_key(every_kind, text, fast, valid):
    """The property above, on one example of each rule (fast to run)."""
    root, context = every_kind
    assert _check_both_readers(text, root, context) == (fast, valid)
