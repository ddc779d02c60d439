"""The preview page in a real browser: Debian's headless Chromium, driven by Playwright, launched
as every browser test launches it (reviewer.launch_options).

A course of five IPT subdecks (tests/fixtures/course), as released and then changed (one card
edited, one added), is previewed with --since the release: every card shows, without a console
error or a request; search and filters narrow the list; night mode changes the colours; at 375 px
nothing overflows sideways. A served preview reloads when a card file is edited, and shows a problem
in place. Screenshots go to DECKGEN_SCREENSHOTS, or a temporary folder (tests/browser.py).

Needs Chromium (Debian's `chromium`: `apt-get install chromium`) and the `playwright` package;
without Chromium these tests are skipped, saying so.
"""

from __future__ import annotations

import shutil
import threading
import wave
from pathlib import Path

import pytest
from browser import Watched, browser, screenshot, screenshots, watched  # noqa: F401 (fixtures)
from conftest import FIXTURES, copy_of_course, make_project
from helpers import add_picture_card, add_sound_card, replace_in_file

from deckgen.commands import tools as commands
from deckgen.commands.pipeline import build
from deckgen.output import write_files
from deckgen.release.guards import Allowances

pytest.importorskip("playwright", reason="the browser tests need the playwright package (pip install -e '.[test]')")
import reviewer  # noqa: E402

reviewer.require_chromium()

RELEASE_TIME = 1764166041
EDITED = ("developed IPT together with\n      colleagues.", "developed IPT together with\n      their colleagues.")
ADDED = """
  - id: founders-guide-authors
    kind: basic
    question: Who wrote the 2017 guide to IPT with Weissman and Markowitz?
    answer: Gerald **Klerman**, as a posthumous co-author
    source: weissman2017
"""


class Deck:
    def __init__(self, page: Path, cards: int) -> None:
        self.page, self.cards = page, cards

    @property
    def url(self) -> str:
        return self.page.as_uri()


@pytest.fixture(scope="module")
def ipt(tmp_path_factory) -> Deck:
    """The fixture course built as released, then one card edited and one added, previewed since the release."""
    folder = tmp_path_factory.mktemp("ipt")
    project = copy_of_course(folder / "project")
    released = shutil.move(build(project, RELEASE_TIME).output, folder / "ipt-1.0.0.apkg")
    founders = project / "cards" / "founders.yaml"
    replace_in_file(founders, *EDITED)
    founders.write_text(founders.read_text() + ADDED)
    # A card added inside the deck's 0.2.0 numbering, which has no gaps: allowed to renumber positions.
    cards = build(project, RELEASE_TIME, allow=Allowances(repositioning=True)).stats.cards  # as the package holds
    preview = commands.preview(project, since=released)
    preview.output.write_text(preview.page, encoding="utf-8")
    return Deck(preview.output, cards)


def test_every_card_shows_without_a_console_error_or_a_request(ipt, watched, screenshots):
    page = watched()
    page.page.goto(ipt.url)

    assert page.shown_cards() == ipt.cards == 130
    assert page.status() == "130 cards"
    screenshot(page, screenshots, "preview-day.png")
    assert page.errors == []
    assert page.requests == [ipt.url]  # the page itself, and nothing else


def test_search_and_each_filter_narrow_the_list(ipt, watched, screenshots):
    page = watched()
    page.page.goto(ipt.url)
    every = page.shown_notes()

    page.page.fill("#_search", "Klerman weissman")
    searched = page.shown_notes()
    texts = page.page.evaluate(
        "Array.from(document.querySelectorAll('.preview-note:not([hidden])')).map((n) => n.textContent.toLowerCase())")
    page.page.fill("#_search", "cards/founders.yaml:4")
    by_place = page.shown_notes()
    page.page.fill("#_search", "")
    page.page.select_option("#_subdeck", "limitations")
    limitations = page.shown_notes()
    limitations_status = page.status()
    page.page.select_option("#_subdeck", "")
    page.page.select_option("#_kind", "cloze")
    cloze = page.page.evaluate(
        "Array.from(document.querySelectorAll('.preview-note:not([hidden])')).map((n) => n.dataset.kind)")
    page.page.select_option("#_tag", "ipt::retired")
    retired_cloze = page.shown_notes()
    page.page.select_option("#_kind", "")
    page.page.select_option("#_tag", "")
    page.page.check("#_changed")
    changed = page.shown_notes()
    screenshot(page, screenshots, "preview-changed.png")
    page.page.uncheck("#_changed")

    assert 0 < len(searched) < len(every)
    assert all("klerman" in text and "weissman" in text for text in texts)
    assert by_place[0] == "founders-who"  # cards/founders.yaml:4, and every card at :4x
    assert limitations and all(card_id.startswith("limitations-") for card_id in limitations)
    assert limitations_status == "19 of 130 cards"
    assert cloze and set(cloze) == {"cloze"}
    assert retired_cloze and len(retired_cloze) < len(cloze)
    assert changed == ["founders-who", "founders-guide-authors"]
    assert page.shown_notes() == every and page.status() == "130 cards"
    assert page.errors == []


def _colours(page: Watched) -> dict[str, str]:
    return page.page.evaluate("""() => {
        const style = (element) => getComputedStyle(element);
        const card = document.querySelector('.preview-sides > .card');
        return {page: style(document.body).backgroundColor, card: style(card).backgroundColor,
                text: style(card).color, cloze: style(document.querySelector('.card .cloze')).color};
    }""")


def test_night_mode_changes_the_colours_by_the_decks_own_night_rules(ipt, watched, screenshots):
    page = watched()
    page.page.goto(ipt.url)
    day = _colours(page)

    page.page.click("#_night")
    night = _colours(page)
    screenshot(page, screenshots, "preview-night.png")
    page.page.reload()
    remembered = _colours(page)

    assert day == {"page": "rgb(234, 238, 242)", "card": "rgb(253, 253, 252)", "text": "rgb(31, 35, 40)",
                   "cloze": "rgb(5, 80, 174)"}
    # templates/style.css: .nightMode.card, .night_mode .card and .nightMode .cloze
    assert night == {"page": "rgb(13, 17, 23)", "card": "rgb(28, 31, 36)", "text": "rgb(230, 237, 243)",
                     "cloze": "rgb(121, 192, 255)"}
    assert remembered == night
    assert page.page.get_attribute("#_night", "aria-pressed") == "true"
    assert page.errors == []


def _overflow(page: Watched) -> tuple[int, int]:
    return tuple(page.page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]"))


def test_at_phone_width_nothing_overflows_sideways(ipt, watched, screenshots):
    page = watched(width=375, height=812)
    page.page.goto(ipt.url)

    day = _overflow(page)
    screenshot(page, screenshots, "preview-phone.png")
    page.page.click("#_night")
    night = _overflow(page)
    page.page.click("#_night")
    page.page.select_option("#_subdeck", "culture")
    filtered = _overflow(page)

    assert day[1] == 375
    assert day[0] <= day[1] and night[0] <= night[1] and filtered[0] <= filtered[1]
    assert page.errors == []


def test_the_phone_width_view_shows_each_card_as_wide_as_a_phone(ipt, watched):
    page = watched()
    page.page.goto(ipt.url)

    page.page.click("#_phone")
    widths = page.page.evaluate(
        "Array.from(document.querySelectorAll('.preview-sides > .card'))"
        ".map((card) => card.getBoundingClientRect().width)")

    assert set(widths) == {390}  # a card is as wide as Anki's screen on a 390 px phone
    assert _overflow(page)[0] <= 1280
    assert page.errors == []


def test_a_cards_anchor_shows_that_card(ipt, watched):
    page = watched()
    page.page.goto(ipt.url + "#limitations-motivation")

    top = page.page.evaluate("document.getElementById('limitations-motivation').getBoundingClientRect().top")

    assert 0 <= top < 50
    assert page.page.evaluate("document.querySelector(':target').id") == "limitations-motivation"


@pytest.fixture
def served(tmp_path):
    """The golden deck's preview, served on a free port from a thread."""
    project = make_project(tmp_path / "project", FIXTURES / "golden")
    with commands.serve_preview(project, 0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        server.project = project
        yield server
        server.shutdown()
        thread.join(timeout=10)


def test_the_served_page_reloads_when_a_card_file_is_edited_and_shows_problems_in_place(served, watched, screenshots):
    page = watched()
    page.page.goto(served.url)
    page.page.wait_for_selector("#_live:has-text('live')")
    cards = served.project / "cards" / "kinds.yaml"

    replace_in_file(cards, "Who founded *interpersonal psychotherapy*?", "Who first described *IPT*?")
    page.page.wait_for_selector("#golden-basic .question:has-text('Who first described IPT?')", timeout=15_000)
    replace_in_file(cards, "    topic: Phases", "    topci: Phases")
    page.page.wait_for_selector("#golden-list .preview-card-problems", timeout=15_000)
    problem = page.page.inner_text("#golden-list .preview-card-problems")
    shown_with_problem = page.shown_cards()
    alert = page.page.inner_text(".preview-alert")
    page.page.evaluate("document.getElementById('golden-list').scrollIntoView()")
    screenshot(page, screenshots, "preview-problem.png")
    replace_in_file(cards, "    topci: Phases", "    topic: Phases")
    page.page.wait_for_selector("#_problems", state="detached", timeout=15_000)

    assert problem == "cards/kinds.yaml:27:5: unknown key 'topci' (did you mean 'topic'?)"
    assert shown_with_problem == 9  # the last cards without problems stay on the page
    assert alert == "1 problem"
    assert page.shown_cards() == 9
    assert page.errors == []
    assert {url.split("?")[0] for url in page.requests} <= {served.url, served.url + "_version"}
    page.close()  # before the server stops: a page left polling a stopped server logs errors


def test_the_written_page_shows_its_pictures_and_a_player_for_each_sound(tmp_path, watched):
    project = make_project(tmp_path / "project")
    add_picture_card(project)
    add_sound_card(project)
    preview = commands.preview(project)
    write_files(preview.files(), project)
    page = watched()

    page.page.goto(preview.output.as_uri())

    assert page.page.evaluate("Array.from(document.images).map((image) => image.naturalWidth)") == [1, 1]
    assert page.page.evaluate("document.querySelectorAll('audio.preview-sound[controls]').length") == 2
    assert "[sound:" not in page.page.inner_text("body")
    assert page.errors == []


@pytest.fixture(scope="module")
def short(tmp_path_factory) -> Deck:
    """tests/fixtures/preview: maths of each shape, a typed card and short cards, previewed to a file,
    with a rule for AnkiDroid's and AnkiMobile's `mobile` class added to the deck's CSS."""
    project = make_project(tmp_path_factory.mktemp("short") / "project", FIXTURES / "preview")
    style = project / "templates" / "style.css"
    style.write_text(style.read_text() + MOBILE_RULE)
    preview = commands.preview(project)
    assert preview.problems == ()
    write_files(preview.files(), project)
    return Deck(preview.output, preview.cards)


def _maths(page: Watched, card_id: str) -> list[dict]:
    return page.page.evaluate("""(id) => Array.from(document.getElementById(id).querySelectorAll('.card'))
        .map((card) => ({maths: card.querySelectorAll('math').length,
                         displays: Array.from(card.querySelectorAll('math')).map((m) => getComputedStyle(m).display),
                         height: Math.min(...Array.from(card.querySelectorAll('math'))
                                          .map((m) => m.getBoundingClientRect().height))}))""", card_id)


@pytest.mark.slow
def test_maths_is_typeset_as_mathml_with_nothing_fetched(short, watched, screenshots):
    page = watched()
    page.page.goto(short.url)

    text = page.page.inner_text("main")
    inline, display, cloze = (_maths(page, card_id) for card_id in ("maths-inline", "maths-display", "maths-cloze"))
    page.page.evaluate("document.getElementById('maths-inline').scrollIntoView()")
    screenshot(page, screenshots, "preview-maths.png")

    assert "\\(" not in text and "\\)" not in text and "\\[" not in text and "\\]" not in text
    # front: three spans; back: the question again and two in the answer
    assert [side["maths"] for side in inline] == [3, 5]
    assert [side["maths"] for side in display] == [0, 1] and display[1]["displays"] == ["block math"]
    assert [side["maths"] for side in cloze] == [0, 1]  # the front hides the deletion: [...]
    assert all(side["height"] > 5 for side in inline + display[1:] + cloze[1:])  # drawn, not empty
    # mhchem's \ce, which latex2mathml cannot typeset, shows as its TeX, marked, and never as \( … \)
    assert page.page.inner_text("#maths-chemistry .preview-maths-tex") == "\\ce{H2O}"
    assert page.requests == [short.url]
    assert page.errors == []


MOBILE_RULE = "\n.mobile .question { color: rgb(1, 2, 3); }\n"


def _phone_look(page: Watched) -> dict:
    return page.page.evaluate("""() => {
        const card = document.querySelector('#short-1 .card'), question = card.querySelector('.question');
        return {font: getComputedStyle(card).fontSize, padding: getComputedStyle(card).paddingLeft,
                question: getComputedStyle(question).color, width: card.getBoundingClientRect().width};
    }""")


@pytest.mark.slow
def test_the_phone_view_applies_the_decks_own_phone_css(short, watched, screenshots):
    phone = watched(width=390, height=844)  # a phone: the deck's @media (max-width: 480px) applies itself
    phone.page.goto(short.url)
    on_a_phone = phone.page.evaluate("getComputedStyle(document.querySelector('#short-1 .card')).fontSize")
    wide = watched()
    wide.page.goto(short.url)
    desktop = _phone_look(wide)

    wide.page.click("#_phone")
    phone_view = _phone_look(wide)
    screenshot(wide, screenshots, "preview-phone-view.png")

    # templates/style.css: .card 20px; @media (max-width: 480px) .card 18px, padding 0.5em 0.6em
    assert desktop["font"] == "20px" and desktop["question"] != "rgb(1, 2, 3)"
    assert phone_view["font"] == on_a_phone == "18px"
    assert phone_view["padding"] == "10.8px"  # 0.6em of 18px
    assert phone_view["question"] == "rgb(1, 2, 3)"  # .mobile, as on AnkiDroid
    assert phone_view["width"] == 390
    assert wide.errors == [] and phone.errors == []


def _type_box(page: Watched) -> dict:
    return page.page.evaluate("""() => {
        const card = document.querySelector('#typed-founder .card'), box = card.querySelector('input#typeans');
        const style = getComputedStyle(card);
        return {box: box.getBoundingClientRect().width, font: getComputedStyle(box).fontSize,
                inside: card.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)};
    }""")


@pytest.mark.slow
def test_the_type_in_box_is_as_wide_as_the_card_as_in_ankis_reviewer(short, watched, screenshots):
    page = watched()
    page.page.goto(short.url)
    wide = _type_box(page)
    page.page.click("#_phone")
    phone = _type_box(page)
    page.page.evaluate("document.getElementById('typed-founder').scrollIntoView()")
    screenshot(page, screenshots, "preview-typed.png")

    assert wide["box"] == pytest.approx(wide["inside"], abs=1) and wide["box"] > 400  # clientWidth is whole px
    assert phone["box"] == pytest.approx(phone["inside"], abs=1) and phone["box"] > 300
    assert wide["font"] == phone["font"] == "20px"  # the answer field's size, as the reviewer sets it
    assert page.errors == []


def _notes_on_screen(page: Watched) -> int:
    return page.page.evaluate("""() => Array.from(document.querySelectorAll('.preview-note')).filter((note) => {
        const box = note.getBoundingClientRect();
        return box.top >= 0 && box.left >= 0 && box.bottom <= innerHeight && box.right <= innerWidth;
    }).length""")


@pytest.mark.slow
def test_the_compact_view_shows_many_notes_a_screen(short, watched, screenshots):
    page = watched(width=1280, height=800)
    page.page.goto(short.url)
    normal = _notes_on_screen(page)

    page.page.click("#_compact")
    compact = _notes_on_screen(page)
    screenshot(page, screenshots, "preview-compact.png")
    page.page.reload()
    remembered = _notes_on_screen(page)
    page.page.select_option("#_subdeck", "second")  # no notes: the filters hide the subdeck, tiles and all
    filtered = page.page.evaluate("document.querySelector('.preview-subdeck').getBoundingClientRect().height")

    assert normal < 5 <= compact
    assert filtered == 0
    assert remembered == compact and page.page.get_attribute("#_compact", "aria-pressed") == "true"
    assert _overflow(page)[0] <= 1280
    assert page.errors == []


def _media_shown(page: Watched) -> dict:
    """Each picture's drawn width, and whether each sound's player could read its sound."""
    return page.page.evaluate("""async () => ({
        pictures: Array.from(document.images).map((image) => image.naturalWidth),
        sounds: await Promise.all(Array.from(document.querySelectorAll('audio.preview-sound')).map((audio) =>
            new Promise((done) => {
                audio.addEventListener('loadedmetadata', () => done('loaded'), {once: true});
                audio.addEventListener('error', () => done('error ' + (audio.error && audio.error.code)), {once: true});
                audio.load();
                setTimeout(() => done('timeout'), 5000);
            }))),
    })""")


@pytest.mark.slow
def test_pictures_and_sounds_show_on_the_written_page_as_on_the_served_one(tmp_path, watched):
    project = make_project(tmp_path / "project")
    add_picture_card(project)
    with wave.open(str(project / "cards" / "media" / "tone.wav"), "wb") as sound:  # a sound a browser can play
        sound.setnchannels(1), sound.setsampwidth(2), sound.setframerate(8000), sound.writeframes(bytes(1600))
    (project / "cards" / "sounds.yaml").write_text(
        "subdeck: first\ncards:\n  - {id: sound, kind: basic, question: 'Which tone? [sound:tone.wav]', answer: A, "
        "media: [tone.wav]}\n")
    preview = commands.preview(project, output=tmp_path / "elsewhere" / "cards.html")
    write_files(preview.files(), project)
    written = watched()
    written.page.goto(preview.output.as_uri())
    on_the_written_page = _media_shown(written)

    with commands.serve_preview(project, 0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        served = watched()
        served.page.goto(server.url)
        on_the_served_page = _media_shown(served)
        served.close()
        server.shutdown()
        thread.join(timeout=10)

    assert on_the_written_page == on_the_served_page == {"pictures": [1, 1], "sounds": ["loaded", "loaded"]}
    assert written.errors == []
