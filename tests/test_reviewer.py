"""No card runs script in a student's Anki: the XSS corpus, shown by Anki's own reviewer.

Cards are built by deckgen, imported with the official `anki` package and rendered by its backend
(card.question() / card.answer()), then shown in headless Chromium with the reviewer of Anki
desktop 26.9.3 (its reviewer.js, MathJax configuration and MathJax, taken from the `aqt` wheel on
PyPI; see reviewer.py), with play buttons hidden and shown. Every element is hovered and clicked;
a dialog, a script, a navigation or a request to another host is a finding.

Needs Chromium (Debian's `chromium`: `apt-get install chromium`) and the `playwright` package;
without Chromium these tests are skipped, saying so.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
from anki_client import import_package
from conftest import FIXTURES, make_project
from helpers import add_typed_note_type, drop_refused_card_files, inside, yaml_string

pytest.importorskip("playwright", reason="the browser tests need the playwright package (pip install -e '.[test]')")
import reviewer  # noqa: E402

reviewer.require_chromium()

CACHE = Path(os.environ.get("REVIEWER_HARNESS_CACHE", Path.home() / ".cache" / "deckgen-reviewer-harness"))
XSS = FIXTURES / "xss"
MODES = ("hidden", "shown")


@pytest.fixture(scope="module")
def harness():
    with reviewer.ReviewerHarness(reviewer.fetch_reviewer_files(CACHE), capture_html=True, card_timeout=8) as shown:
        yield shown


# --- the harness sees what Anki would run --------------------------------------------------------

ATTACKS = {  # written straight into an Anki note, past deckgen: each must be found
    "img onerror": ("<img src=x onerror=alert(1)>", {"dialog", "script"}),
    "MathJax \\href overlay": (
        r"\(\href{javascript:alert(1)}{\style{position:fixed;top:0;left:0;width:100vw;height:100vh;"
        r"display:block;opacity:0}{n}}\)", {"dialog", "script"}),
    "MathJax \\style remote image": (r"\(\style{background-image:url(http://example.com/x.png)}{x}\)",
                                     {"remote-request"}),
    "TTS cut through an attribute": ('<a title="[anki:tts]">T</a>[/anki:tts]" onmouseover="alert(1)">hover</a>',
                                     {"dialog", "script"}),
}


def _note(collection, front: str, back: str = "answer") -> None:
    note = collection.new_note(collection.models.by_name("Basic"))
    note["Front"], note["Back"] = front, back
    collection.add_note(note, collection.decks.id("Default"))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("attack", ATTACKS)
def test_the_harness_finds_each_attack_in_anki_itself(attack, mode, harness, student):
    front, expected = ATTACKS[attack]
    _note(student, front)

    findings = harness.check_cards(reviewer.cards_from_collection(student), mode, student)

    assert expected <= {finding.kind for finding in findings}, [str(finding) for finding in findings]


def test_harmless_maths_is_typeset_and_finds_nothing(harness, student):
    _note(student, r"\(x^2\)", r"\[y = 2\]")

    findings = harness.check_cards(reviewer.cards_from_collection(student), "hidden", student)

    assert findings == []
    assert "<mjx-container" in harness.rendered[(0, "question", "hidden")]


# --- deckgen's cards -----------------------------------------------------------------------------


def _cards_with(number: int, first: str, second: str) -> str:
    """Cards of every kind with `first` at the end of one field and `second` at the start of the
    next, in every pair of neighbouring fields (for a single payload, both are the payload). The
    words around them keep a field from being empty once the sanitiser has removed a payload."""
    ends, starts = yaml_string("Text " + first), yaml_string(second + " text")
    lines = ["subdeck: first", "cards:"]
    # A topic is plain text and never holds maths (a fixture tests that refusal): it gets the
    # payload's end unless that has a backslash.
    topic = first[-40:] if "\\" not in first and "&#92;" not in first else f"Topic {number}"
    lines += [f"  - id: basic-{number}", "    kind: basic", f"    topic: {yaml_string(topic)}",
              f"    question: {starts}", f"    answer: {ends}", f"    extra: {starts}"]
    lines += [f"  - id: reverse-{number}", "    kind: reverse", f"    question: {ends}", f"    answer: {starts}",
              f"    extra: {ends}"]
    lines += [f"  - id: cloze-{number}", "    kind: cloze", f"    text: {yaml_string('{{c1::hidden}} ' + first)}",
              f"    extra: {starts}"]
    lines += [f"  - id: list-{number}", "    kind: list", f"    question: {ends}", f"    items: [{starts}, {ends}]",
              f"    extra: {starts}"]
    return "\n".join(lines) + "\n"


SINGLE = (XSS / "payloads.txt").read_text().splitlines() + (XSS / "anki-syntax.txt").read_text().splitlines()


def _corpus() -> list[tuple[str, str]]:
    split = [tuple(line.split("\t")) for line in (XSS / "split.txt").read_text().splitlines()]
    return [(payload, payload) for payload in SINGLE] + split


def _construct_cards(number: int, payload: str) -> dict[str, str]:
    """Card files with the payload inside each construct of the markup that holds text, by file
    name: t… a table cell, k… code blocks (in a cloze text too, where braces stay Anki's), m… maths.
    Apart, so that a construct deckgen refuses leaves the others in the corpus."""
    def card_file(*cards: tuple[str, str, dict[str, str]]) -> str:
        lines = ["subdeck: first", "cards:"]
        for card_id, kind, fields in cards:
            lines += [f"  - id: {card_id}-{number}", f"    kind: {kind}"]
            lines += [f"    {key}: {yaml_string(value)}" for key, value in fields.items()]
        return "\n".join(lines) + "\n"

    return {
        f"t{number:03}": card_file(("table", "basic", {
            "question": inside("table cell", payload), "answer": "Text", "extra": inside("table cell", payload)})),
        f"k{number:03}": card_file(
            ("code", "basic",
             {"question": inside("code block", payload), "answer": inside("code block of HTML", payload)}),
            ("cloze-code", "cloze", {"text": "{{c1::hidden}} " + inside("code block", payload)}),
        ),
        f"m{number:03}": card_file(("maths", "basic", {
            "question": inside("maths span", payload), "answer": inside("display maths", payload)})),
    }


@pytest.fixture(scope="module")
def corpus_deck(tmp_path_factory):
    """The corpus built by deckgen, one card file per payload (p…), and per payload inside each
    construct (t…, k…, m…); files deckgen refuses are left out (refusal is the defence for them), and the
    rest are built and imported by a student."""
    from anki.collection import Collection

    from deckgen.cli.main import main

    folder = tmp_path_factory.mktemp("corpus")
    project = make_project(folder / "project")
    corpus = _corpus()
    for number, (first, second) in enumerate(corpus):
        (project / "cards" / f"p{number:03}.yaml").write_text(_cards_with(number, first, second))
    for number, payload in enumerate(SINGLE):
        for name, text in _construct_cards(number, payload).items():
            (project / "cards" / f"{name}.yaml").write_text(text)
    refused, problems = drop_refused_card_files(project)
    assert main(["build", "--project", str(project)]) == 0
    collection = Collection(str(folder / "collection.anki2"))
    import_package(collection, project / "build" / "test-1.0.0.apkg")
    yield collection, refused, problems
    collection.close()


@pytest.mark.parametrize("mode", MODES)
def test_no_card_of_the_corpus_runs_script_navigates_or_fetches(mode, corpus_deck, harness):
    collection, refused, _ = corpus_deck
    cards = reviewer.cards_from_collection(collection)
    assert len(cards) > 400

    findings = [finding for finding in reviewer.serious(harness.check_cards(cards, mode, collection))
                if not _followed_an_allowed_link(finding)]

    assert findings == [], "\n".join(str(finding) for finding in findings[:20])


def _followed_an_allowed_link(finding) -> bool:
    """Clicking a card's own https link (Markdown's [text](https://…), which cards may use) opens
    it, in Anki in the system browser: that is the link working, not an attack."""
    return finding.kind == "navigation" and finding.detail.startswith("navigation attempt to https://example.org/")


def test_deckgen_refuses_exactly_the_live_maths_and_the_unlisted_sound(corpus_deck):
    _, refused_files, problems = corpus_deck
    corpus = _corpus()
    refused = {corpus[int(name[1:])] for name in refused_files if name.startswith("p")}
    # TeX reaches MathJax where the text keeps a delimiter: written \( (a maths span, kept whole),
    # \\( (Markdown makes it \( ) or as an entity; `code` MathJax never reads.
    live_maths = {line for line in (XSS / "anki-syntax.txt").read_text().splitlines()
                  if line.startswith(("\\", "&#92;")) and "are fine" not in line}
    split_maths = {pair for pair in _corpus() if pair[0] != pair[1] and "\\\\" in pair[0] + pair[1]}

    assert {first for first, second in refused if first == second} == live_maths | {"[sound:evil.mp3]"}
    assert {pair for pair in refused if pair[0] != pair[1]} == split_maths
    assert all(": warning:" not in problem for problem in problems)


def test_in_a_table_code_or_maths_deckgen_refuses_only_what_would_play_or_typeset_live(corpus_deck):
    _, refused_files, problems = corpus_deck
    live_maths = {line for line in (XSS / "anki-syntax.txt").read_text().splitlines()
                  if line.startswith(("\\", "&#92;")) and "are fine" not in line}
    sounds = {payload for payload in SINGLE if "[sound:" in payload}
    refused = {kind: {SINGLE[int(name[1:])] for name in refused_files if name[0] == kind} for kind in "tkm"}

    # A table cell is inline markup like any field: the same maths and sounds are refused as there.
    assert refused["t"] == live_maths | {"[sound:evil.mp3]"}
    # MathJax never reads code, but Anki plays a sound wherever it stands, and a cloze text's braces
    # are Anki's: those, and only those, are refused in a code block.
    assert {payload for payload in refused["k"] if "[sound:" not in payload} == {
        payload for payload in refused["k"] if "{n}}" in payload}
    assert all(re.search(r": '\w+' plays sound '(evil|a)\.mp3'|: unbalanced braces in cloze text", problem)
               for problem in problems if problem.startswith("cards/k"))
    # Inside maths the text is TeX as written (\\href is a line break and letters): refused are the
    # sounds and what the allow-list reads as a command, an environment or an unpaired delimiter.
    assert sounds <= refused["m"]
    assert not {payload for payload in refused["m"] if "\\" not in payload and "&#92;" not in payload} - sounds


def test_a_card_with_maths_code_and_a_table_is_typeset_and_finds_nothing(tmp_path, run_cli, harness, student):
    project = make_project(tmp_path / "project", FIXTURES / "golden")
    assert run_cli("build", "--strict", cwd=project).exit_code == 0
    import_package(student, project / "build" / "test-1.0.0.apkg")
    cards = reviewer.cards_from_collection(student, "Answer:*sum_of_squares*")  # the golden card with all three
    assert len(cards) == 1

    findings = harness.check_cards(cards, "hidden", student)

    assert reviewer.serious(findings) == []
    back = harness.rendered[(0, "answer", "hidden")]
    assert back.count("<mjx-container") == 3  # the question's inline maths, the display maths, the table's
    assert '<span class="k">def</span>' in back and '<th class="align-right">n</th>' in back


def test_a_typed_cards_front_shows_ankis_type_in_box(tmp_path, run_cli, harness, student):
    project = make_project(tmp_path / "project")
    add_typed_note_type(project)
    (project / "cards" / "typed.yaml").write_text(
        "subdeck: first\ncards:\n  - id: bowlby\n    kind: typed\n"
        "    question: Whose attachment theory? Type the surname.\n"
        "    answer: Bowlby\n")
    assert run_cli("build", cwd=project).exit_code == 0
    import_package(student, project / "build" / "test-1.0.0.apkg")

    findings = harness.check_cards(reviewer.cards_from_collection(student), "shown", student)

    assert reviewer.serious(findings) == []
    front = harness.rendered[(0, "question", "shown")]
    assert re.search(r'<input type="text" id="typeans"', front), front


# --- the corpus in templates and stylesheets -----------------------------------------------------

TEMPLATE_CARDS = ("subdeck: first\ncards:\n  - id: plain\n    kind: basic\n    question: Question\n    answer: Answer\n"
                  "    extra: Extra\n")


def _template_project(folder: Path) -> Path:
    project = make_project(folder)
    (project / "cards" / "first.yaml").write_text(TEMPLATE_CARDS)
    return project


def _in_template(payloads: list[str]) -> str:
    """The basic front template with each payload in a div of its own, as Jinja leaves it ({% raw %})."""
    held = "".join(f'<div class="p">{{% raw %}}{payload}{{% endraw %}}</div>\n' for payload in payloads)
    return '<div class="question">{{ anki.field("Question") }}</div>\n' + held


def _in_css(payload: str) -> list[str]:
    """The payload as CSS: as it is, in a comment, and in a string (three stylesheets)."""
    return [payload, f"/* {payload} */", f".p::after {{ content: {json.dumps(payload)}; }}"]


def _passes(project: Path) -> bool:
    from deckgen.commands.pipeline import check
    from deckgen.errors import DeckError

    try:
        check(project)
    except DeckError:
        return False
    return True


@pytest.fixture(scope="module")
def template_corpus(tmp_path_factory):
    """Each payload of the corpus in a card template and in the stylesheet, checked by deckgen: what
    it passes (the template's and the CSS's), and a deck built with all of that, imported by a student."""
    from anki.collection import Collection

    from deckgen.cli.main import main

    folder = tmp_path_factory.mktemp("template-corpus")
    project = _template_project(folder / "project")
    front, stylesheet = project / "templates" / "basic.front.html", project / "templates" / "style.css"
    original_front, original_css = front.read_text(), stylesheet.read_text()
    passed_templates, passed_css = [], []
    for payload in SINGLE:
        front.write_text(_in_template([payload]))
        if _passes(project):
            passed_templates.append(payload)
        front.write_text(original_front)
        for css in _in_css(payload):
            stylesheet.write_text(original_css + "\n" + css + "\n")
            if _passes(project):
                passed_css.append(css)
        stylesheet.write_text(original_css)
    front.write_text(_in_template(passed_templates))
    stylesheet.write_text(original_css + "\n" + "\n".join(passed_css) + "\n")
    assert main(["build", "--project", str(project)]) == 0
    collection = Collection(str(folder / "collection.anki2"))
    import_package(collection, project / "build" / "test-1.0.0.apkg")
    yield collection, passed_templates, passed_css
    collection.close()


LIVE_IN_A_TAG = re.compile(r"<\s*(script|svg|math|iframe|object|embed|style|link|meta|base|form)\b|<[^>]*(\son\w+\s*=|"
                           r"javascript:|data:)", re.IGNORECASE)


def test_deckgen_refuses_every_payload_that_would_act_in_a_template_or_the_css(template_corpus):
    _, passed_templates, passed_css = template_corpus

    assert not [payload for payload in passed_templates if LIVE_IN_A_TAG.search(payload)]
    assert not [css for css in passed_css if re.search(r"</|<!|url\(\s*['\"]?(https?:|//|javascript:|data:)", css,
                                                        re.IGNORECASE) and not css.startswith(("/*", ".p::after"))]
    # What passes is plain text in a template (an entity-written tag: brackets, backslashes and tags a
    # browser reads otherwise are refused too), and in CSS whatever a comment or string holds that
    # cannot end the style element and holds no '<' (Anki rewrites `<img … src=` even there).
    assert len(passed_templates) >= 1 and len(passed_css) >= len(SINGLE) // 2, (len(passed_templates), len(passed_css))


@pytest.mark.parametrize("mode", MODES)
def test_what_the_template_policy_allows_runs_nothing_in_the_reviewer(mode, template_corpus, harness):
    collection, _, _ = template_corpus
    cards = reviewer.cards_from_collection(collection)
    assert len(cards) == 1

    findings = [finding for finding in reviewer.serious(harness.check_cards(cards, mode, collection))
                if not _followed_an_allowed_link(finding) and not _address_in_a_css_comment_or_string(finding)]

    assert findings == [], "\n".join(str(finding) for finding in findings[:20])


def _address_in_a_css_comment_or_string(finding) -> bool:
    """The harness's static scan reads every url(…) in the <style> text, comments and strings too
    (they load nothing; a request would be a "remote-request" finding, which is not excused): the
    stylesheet's comments and strings hold the corpus's addresses on purpose."""
    return finding.kind == "latent-remote" and finding.data.get("where") == "style"


def test_a_template_script_is_refused_and_runs_in_the_reviewer_only_where_the_deck_allows_it(
        tmp_path, run_cli, harness, student):
    project = _template_project(tmp_path / "project")
    (project / "templates" / "basic.front.html").write_text(_in_template(["<script>alert(1)</script>"]))
    assert run_cli("check", cwd=project).exit_code == 1  # deckgen before the template policy: 0, and it shipped
    settings = project / "cards" / "deck.yaml"
    settings.write_text(settings.read_text() + "allow_template_script: true\n")
    assert run_cli("build", cwd=project).exit_code == 0
    import_package(student, project / "build" / "test-1.0.0.apkg")

    findings = harness.check_cards(reviewer.cards_from_collection(student), "hidden", student)

    assert {"dialog", "script"} <= {finding.kind for finding in findings}, [str(finding) for finding in findings]


def test_a_hostile_shared_deck_acts_in_the_reviewer_until_deckgen_import_releases_it_clean(
        tmp_path, run_cli, harness, student):
    """Issue 19: `deckgen import` copied a package's templates and CSS verbatim. The shared deck's
    script runs and loads remote files in Anki's reviewer; once imported and released by deckgen, the
    same student's card (its note type replaced in place) runs and loads nothing."""
    from test_import import hostile_shared_deck

    package = hostile_shared_deck(tmp_path / "author")
    import_package(student, package)
    cards = reviewer.cards_from_collection(student)
    before = {finding.kind for finding in harness.check_cards(cards, "hidden", student)}
    assert {"script", "remote-request"} <= before, before
    project = tmp_path / "project"
    assert run_cli("import", str(package), str(project), cwd=tmp_path).exit_code == 0
    assert run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": str(int(time.time()))}).exit_code == 0
    import_package(student, project / "build" / "shared-1.0.0.apkg")
    student.close()
    student.reopen()

    for mode in MODES:
        findings = harness.check_cards(reviewer.cards_from_collection(student), mode, student)
        assert findings == [], [str(finding) for finding in findings]
