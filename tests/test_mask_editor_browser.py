"""The mask editor of an occlusion card (preview/maskpage.py, maskedit.js) in a real browser, served
as `deckgen preview --serve` serves it: Debian's headless Chromium, driven by Playwright, launched as
every browser test launches it (reviewer.launch_options).

The editor is built from its own input (EditorMask), as the occlusion kind's cards give it: a picture
of 800 × 600 pixels shown at half its size, with two masks. A mask dragged by (20, 10) pixels of the
picture and a rectangle drawn print, parsed back, exactly the masks on screen; a label of HTML and
script shows as text, and nothing runs.
"""

from __future__ import annotations

import struct
import threading
import zlib

import pytest
import yaml
from browser import Watched, browser, screenshot, screenshots, watched  # noqa: F401 (fixtures)

from deckgen.preview.maskedit import EditorMask, EditorShape, MaskEditor
from deckgen.preview.maskpage import YAML_ACTION, editor_pages, yaml_answer
from deckgen.preview.serve import Page, PreviewServer

pytest.importorskip("playwright", reason="the browser tests need the playwright package (pip install -e '.[test]')")
import reviewer  # noqa: E402

reviewer.require_chromium()

HOSTILE = '<img src=x onerror="window.pwned = 1"><script>window.pwned = 1</script> & "quoted"'


def png(width: int, height: int) -> bytes:
    """A grey PNG of the given size."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xc0" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.fixture
def editor(tmp_path):
    """An occlusion card's editor, served on a free port from a thread, the way serve_preview serves it."""
    picture = tmp_path / "heart.png"
    picture.write_bytes(png(800, 600))
    card = MaskEditor("heart-chambers", picture, (
        EditorMask("left-atrium", "Left atrium", (EditorShape("rect", (120, 40, 80, 60)),)),
        EditorMask("aorta", HOSTILE, (EditorShape("ellipse", (300, 90, 40, 25)),)),
    ), indent=4, location="cards/heart.yaml:3")
    pages = editor_pages([card])
    with PreviewServer(lambda version: Page("<p>preview</p>", pages.media, pages.documents, {YAML_ACTION: yaml_answer}),
                       (), 0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield server.url + "masks/heart-chambers"
        server.shutdown()
        thread.join(timeout=10)


def _at_half_size(page: Watched, url: str) -> dict:
    """The editor open with its picture shown at exactly half its size, and where the picture is."""
    page.page.goto(url)
    page.page.wait_for_selector("body[data-ready='true']")
    room = page.page.evaluate("document.body.clientWidth - 48")  # the body's padding: 1.5rem each side
    page.page.set_viewport_size({"width": 1280 - (room - 400), "height": 900})
    box = page.page.evaluate("(() => { const r = document.getElementById('_overlay').getBoundingClientRect();"
                             " return {x: r.x, y: r.y, width: r.width, height: r.height}; })()")
    assert (box["width"], box["height"]) == (400, 300)
    return box


def _drag(page: Watched, box: dict, start: tuple[int, int], end: tuple[int, int]) -> None:
    """A drag between two points given in the picture's pixels."""
    def screen(point: tuple[int, int]) -> tuple[float, float]:
        return box["x"] + point[0] / 2, box["y"] + point[1] / 2

    page.page.mouse.move(*screen(start))
    page.page.mouse.down()
    page.page.mouse.move(*screen(end), steps=5)
    page.page.mouse.up()


def _printed(page: Watched) -> str:
    page.page.wait_for_selector("#_yaml[data-current='true']")
    return page.page.inner_text("#_yaml")


def test_a_dragged_mask_and_a_drawn_one_print_as_yaml_of_the_masks_on_screen(editor, watched, screenshots):
    page = watched()
    box = _at_half_size(page, editor)
    before = yaml.safe_load(_printed(page))

    _drag(page, box, (160, 70), (180, 80))  # the left atrium's middle, by (20, 10)
    page.page.click("[data-tool='rect']")
    _drag(page, box, (400, 300), (500, 380))
    printed = _printed(page)
    screenshot(page, screenshots, "mask-editor.png")

    assert [mask["id"] for mask in before["masks"]] == ["left-atrium", "aorta"]
    assert printed.startswith("    masks:\n      - {id: left-atrium, label: Left atrium, rect: [140, 50, 80, 60]}\n")
    assert yaml.safe_load(printed) == {"masks": [
        {"id": "left-atrium", "label": "Left atrium", "rect": [140, 50, 80, 60]},
        {"id": "aorta", "label": HOSTILE, "ellipse": [300, 90, 40, 25]},
        {"id": "mask-3", "label": "", "rect": [400, 300, 100, 80]},
    ]}
    assert page.errors == []


def test_a_label_of_html_and_script_shows_as_text_and_runs_nothing(editor, watched):
    page = watched()
    page.page.goto(editor)
    page.page.wait_for_selector("body[data-ready='true']")

    shown = page.page.evaluate("""() => ({
        labels: Array.from(document.querySelectorAll('#_overlay .mask-label')).map((label) => label.textContent),
        inputs: Array.from(document.querySelectorAll('#_list input[data-field=label]')).map((input) => input.value),
        elements: document.querySelectorAll('#_overlay script, #_overlay img, #_list script, #_list img').length,
        pwned: window.pwned === undefined ? null : window.pwned,
    })""")

    assert shown == {"labels": ["Left atrium", HOSTILE], "inputs": ["Left atrium", HOSTILE], "elements": 0,
                     "pwned": None}
    assert page.errors == []


def test_the_copy_button_copies_the_printed_block(editor, watched):
    page = watched()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=editor.rsplit("/masks/", 1)[0])
    page.page.goto(editor)
    printed = _printed(page)

    page.page.click("#_copy")
    page.page.wait_for_selector("#_copied:has-text('Copied')")

    assert page.page.evaluate("navigator.clipboard.readText()") == printed
    assert page.errors == []


def test_masks_are_renamed_resized_drawn_as_polygons_and_deleted(editor, watched):
    page = watched()
    box = _at_half_size(page, editor)

    page.page.fill("#_list li:nth-child(1) input[data-field=id]", "atrium")
    page.page.fill("#_list li:nth-child(1) input[data-field=label]", "Left: atrium")
    _drag(page, box, (170, 70), (170, 70))  # choose it: its corner handle shows
    _drag(page, box, (200, 100), (240, 120))  # its corner, by (40, 20)
    page.page.click("#_list li:nth-child(2) .mask-delete")
    page.page.click("[data-tool='polygon']")
    for point in ((600, 400), (700, 420), (650, 500), (600, 400)):  # the first corner again closes it
        page.page.mouse.click(box["x"] + point[0] / 2, box["y"] + point[1] / 2)
    page.page.click("[data-tool='ellipse']")
    _drag(page, box, (20, 500), (100, 560))

    assert yaml.safe_load(_printed(page)) == {"masks": [
        {"id": "atrium", "label": "Left: atrium", "rect": [120, 40, 120, 80]},
        {"id": "mask-2", "label": "", "polygon": [[600, 400], [700, 420], [650, 500]]},
        {"id": "mask-3", "label": "", "ellipse": [60, 530, 40, 30]},
    ]}
    assert page.errors == []
