"""The preview draws an occlusion card as students' Anki does: the picture with its masks over it as
SVG (Anki's own script, which draws them on a canvas, does not run in the preview), never the masks'
raw `image-occlusion:` clozes. On the static page and the served one; in a browser, the asked mask's
colour at its centre on the front and the picture's on the back."""

from __future__ import annotations

import html.parser
import re
import struct
import zlib

import pytest
from browser import browser, screenshot, screenshots, watched  # noqa: F401 (fixtures)
from conftest import make_project
from helpers import replace_in_file
from occlusion_fixture import HEIGHT, THREE_MASKS, WIDTH, add_occlusion_card

from deckgen.commands import tools as commands
from deckgen.output import write_files
from deckgen.preview.occlusion import ASKED, BORDER, OTHER, REVEALED
from deckgen.render.occlusion import CSS

# The fixture's masks as Anki's field holds them: fractions of the picture's width and height.
LEFT_ATRIUM = ("rect", {"x": .1 * WIDTH, "y": .2 * HEIGHT, "width": .2 * WIDTH, "height": .2 * HEIGHT})
AORTA = ("ellipse", {"cx": (.65 + .1) * WIDTH, "cy": (.2 + .1) * HEIGHT, "rx": .1 * WIDTH, "ry": .1 * HEIGHT})
VENTRICLES = [("rect", {"x": .25 * WIDTH, "y": 2 / 3 * HEIGHT, "width": .125 * WIDTH, "height": 1 / 6 * HEIGHT}),
              ("polygon", {"points": [(.5 * WIDTH, 2 / 3 * HEIGHT), (.7 * WIDTH, .7 * HEIGHT),
                                      (.6 * WIDTH, 14 / 15 * HEIGHT)]})]
SHAPES = {"left-atrium": [LEFT_ATRIUM], "aorta": [AORTA], "ventricles": VENTRICLES}
MASKS = list(SHAPES)
COVERED, FAINT = {"fill": ASKED, "stroke": BORDER}, {"fill": OTHER, "stroke": BORDER}
SHOWN = {"fill": "none", "stroke": REVEALED}


class _Masks(html.parser.HTMLParser):
    """Each drawn mask of each side of each card of the page: (card, side) -> [(mask id, paint, shapes)]."""

    def __init__(self) -> None:
        super().__init__()
        self.card, self.side = -1, -1
        self.masks: dict[tuple[int, int], list[tuple[str, dict[str, str], list]]] = {}
        self.pictures: dict[tuple[int, int], tuple[str, str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "div" and found.get("class") == "preview-card":
            self.card, self.side = self.card + 1, -1
        elif tag == "div" and found.get("class") == "card":
            self.side += 1
        elif tag == "svg":
            self.pictures[(self.card, self.side)] = (found["viewbox"], found["preserveaspectratio"])
        elif tag == "g":
            paint = {name: found[name] for name in ("fill", "stroke")}
            self.masks.setdefault((self.card, self.side), []).append((found["data-mask"], paint, []))
        elif tag in ("rect", "ellipse", "polygon"):
            numbers = {name: _numbers(value) for name, value in found.items() if name != "vector-effect"}
            self.masks[(self.card, self.side)][-1][2].append((tag, numbers))


def _numbers(value: str) -> float | list[tuple[float, ...]]:
    if "," in value:
        return [tuple(float(number) for number in point.split(",")) for point in value.split()]
    return float(value)


def _drawn(page: str) -> _Masks:
    masks = _Masks()
    masks.feed(page)
    return masks


def _expected(shapes: list) -> list:
    return [(kind, {name: value if isinstance(value, list) else pytest.approx(value)
                    for name, value in numbers.items()}) for kind, numbers in shapes]


def _as_drawn(shapes: list) -> list:
    return [(kind, {name: [pytest.approx(point) for point in value] if isinstance(value, list) else value
                    for name, value in numbers.items()}) for kind, numbers in shapes]


def _static_page(tmp_path, card_file: str = THREE_MASKS) -> str:
    project = make_project(tmp_path / "project")
    add_occlusion_card(project, card_file)
    preview = commands.preview(project)
    assert preview.problems == ()
    return preview.page


def _occlusion_cards(page: str) -> list[int]:
    names = re.findall(r'<div class="preview-card-name">([^<]*)</div>', page)
    return [index for index, name in enumerate(names) if name.startswith("Image Occlusion")]


def test_each_mask_card_shows_the_picture_with_every_mask_and_the_asked_one_revealed_on_the_back(tmp_path):
    page = _static_page(tmp_path)
    drawn = _drawn(page)

    assert "image-occlusion:" not in page
    cards = _occlusion_cards(page)
    assert len(cards) == 3
    for asked, card in zip(MASKS, cards, strict=True):
        for side in (0, 1):
            assert drawn.pictures[(card, side)] == (f"0 0 {WIDTH} {HEIGHT}", "none")
            masks = drawn.masks[(card, side)]
            assert [mask for mask, _, _ in masks] == MASKS
            for mask, paint, shapes in masks:
                assert _as_drawn(shapes) == _expected(SHAPES[mask])
                asked_paint = SHOWN if side else COVERED
                assert paint == (asked_paint if mask == asked else FAINT), (asked, side, mask)


def test_the_header_is_above_the_picture_and_the_back_extra_and_citation_below_it_on_the_back(tmp_path):
    card_file = THREE_MASKS.replace("    masks:", "    source: weissman2017\n    masks:")
    page = _static_page(tmp_path, card_file)

    front, back = re.search(r'<div class="preview-card"><div class="preview-card-name">Image Occlusion 1</div>'
                            r'<div class="preview-sides"><div class="card">(.*?)</div><div class="card">(.*?)</div>'
                            r"</div></div>\n", page, re.S).groups()

    picture = r'<div class="preview-occlusion"><img src="heart-[0-9a-f]+\.png"><svg .*?</svg></div>'
    assert re.fullmatch(r'<div class="occlusion-header">Name the chamber</div>\n' + picture, front, re.S)
    assert re.fullmatch(r'<div class="occlusion-header">Name the chamber</div>\n' + picture
                        + r'\n<div class="occlusion-label">Left atrium</div>'
                        + r'\n<div class="occlusion-back-extra">The <strong>left</strong> side pumps to the body\.'
                        r'<div class="source">[^<]*Weissman[^<]*2017[^<]*</div></div>', back, re.S)
    assert "<script" not in front + back and "canvas" not in front + back


def test_hide_one_guess_one_covers_only_the_asked_mask(tmp_path):
    page = _static_page(tmp_path, THREE_MASKS.replace("    masks:", "    mode: hide-one-guess-one\n    masks:"))
    drawn = _drawn(page)

    for asked, card in zip(MASKS, _occlusion_cards(page), strict=True):
        assert [(mask, paint) for mask, paint, _ in drawn.masks[(card, 0)]] == [(asked, COVERED)]
        assert [(mask, paint) for mask, paint, _ in drawn.masks[(card, 1)]] == [(asked, SHOWN)]


def test_a_label_with_markup_stays_text(tmp_path):
    page = _static_page(tmp_path, THREE_MASKS.replace("label: Aorta", 'label: "<script>alert(1)</script> & Aorta"'))

    assert "<script>alert(1)" not in page
    assert page.count("<title>&lt;script&gt;alert(1)&lt;/script&gt; &amp; Aorta</title>") == 6  # 3 cards, 2 sides


def test_the_colours_are_those_the_note_types_css_gives_ankis_reviewer():
    for colour in (f"--active-shape-color: {ASKED}", f"--inactive-shape-color: {OTHER}",
                   f"--inactive-shape-border: 1px {BORDER}", f"--active-shape-border: 1px {BORDER}",
                   f"--highlight-shape-border: 1px {REVEALED}"):
        assert colour in CSS


def test_the_served_page_draws_the_masks_and_links_each_card_to_its_mask_editor(tmp_path):
    project = make_project(tmp_path / "project")
    add_occlusion_card(project)
    with commands.serve_preview(project, 0) as server:
        page = server.page.html

    drawn = _drawn(page)
    cards = _occlusion_cards(page)
    assert "image-occlusion:" not in page and len(cards) == 3
    assert [(mask, paint) for mask, paint, _ in drawn.masks[(cards[1], 0)]] == [
        ("left-atrium", FAINT), ("aorta", COVERED), ("ventricles", FAINT)]
    assert re.findall(r'<a class="preview-edit-masks" href="([^"]+)">edit masks</a>', page) == ["/masks/heart-chambers"]


def test_a_moved_mask_is_drawn_where_it_now_is_on_the_served_page(tmp_path):
    project = make_project(tmp_path / "project")
    path = add_occlusion_card(project)
    with commands.serve_preview(project, 0) as server:
        replace_in_file(path, "rect: [40, 60, 80, 60]", "rect: [200, 150, 100, 75]")
        assert server.refresh()
        page = server.page.html

    drawn = _drawn(page)
    card = _occlusion_cards(page)[0]
    assert drawn.masks[(card, 0)][0][2] == [("rect", {"x": 200.0, "y": 150.0, "width": 100.0, "height": 75.0})]


@pytest.mark.slow
def test_in_a_browser_the_asked_masks_colour_is_at_its_centre_on_the_front_and_the_picture_on_the_back_in_each_view(
        tmp_path, watched, screenshots):
    project = make_project(tmp_path / "project")
    add_occlusion_card(project)
    preview = commands.preview(project)
    write_files(preview.files(), project)
    picture = (0x20, 0x60, 0xC0)  # occlusion_fixture.png's colour
    for view, width in (("page", 1280), ("_phone", 390), ("_compact", 1280)):
        page = watched(width, 900)
        page.page.goto(preview.output.as_uri())
        if view != "page":
            page.page.click(f"#{view}")
        sides = page.page.locator("#heart-chambers .preview-card").first.locator(".card .preview-occlusion")
        colours = []
        for side in range(2):
            sides.nth(side).scroll_into_view_if_needed()
            box = sides.nth(side).bounding_box()
            # The left atrium, rect [40, 60, 80, 60] of 400 x 300: its centre at (80, 90).
            x, y = box["x"] + box["width"] * 80 / WIDTH, box["y"] + box["height"] * 90 / HEIGHT
            colours.append(_pixel(page.page, x, y))
        screenshot(page, screenshots, f"preview-occlusion{view}.png")
        assert colours == [_rgb(ASKED), picture], view
        assert page.errors == []


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _pixel(page, x: float, y: float) -> tuple[int, int, int]:
    """The colour the screen shows at (x, y) of the viewport."""
    shot = page.screenshot(clip={"x": int(x), "y": int(y), "width": 1, "height": 1})
    # A 1 x 1 PNG: its one row, after the filter byte, is the pixel (RGB or RGBA, 8 bits).
    chunks, position = {}, 8
    while position < len(shot):
        length = struct.unpack(">I", shot[position:position + 4])[0]
        kind = shot[position + 4:position + 8]
        chunks[kind] = chunks.get(kind, b"") + shot[position + 8:position + 8 + length]
        position += 12 + length
    row = zlib.decompress(chunks[b"IDAT"])
    return row[1], row[2], row[3]

