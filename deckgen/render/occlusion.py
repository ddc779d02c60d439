"""Anki's Image Occlusion, written as Anki writes it: the note type and the field of masks.

The note type is fixed here, not made from the project's templates/: Anki desktop (23.10+) and
AnkiDroid (2.17+) draw the masks with their own code (`anki.imageOcclusion.setup()`), which needs
the elements its stock note type has: the cloze field rendered in a hidden element, an `err`
element, and a container holding the picture and a canvas with Anki's ids. The templates are
deckgen's own text with those elements (Anki's are AGPL); their one script is the setup call, the
one the template policy lets through (templatepolicy.IMAGE_OCCLUSION_SETUP).

Each mask's label is a cloze of its number in the Comments field, which the back shows with
Anki's `cloze-only` filter: the student sees the asked mask's name once it is revealed. Cards are
made from the Occlusion field's numbers; the labels have the same numbers, so they make no other.

The masks are clozes in the Occlusion field, one number per mask in the order the card lists them,
each shape as `{{cN::image-occlusion:rect:left=…:top=…:width=…:height=…:oi=1}}` with coordinates
as fractions of the picture's width and height, as Anki's mask editor writes them (ankitects/anki
ts/routes/image-occlusion/shapes/to-cloze.ts; an ellipse's left and top are its bounding box's
corner, as review.ts draws it; `oi=1`: other masks hidden too).
"""

from __future__ import annotations

import html
import math

from deckgen.render.templatepolicy import IMAGE_OCCLUSION_SETUP
from deckgen.source.kinds import IMAGE_OCCLUSION_STOCK_KIND
from deckgen.source.masks import Mask, Picture, Shape
from deckgen.text import cloze
from deckgen.text.sanitise import inert

_PICTURE = """{{#Header}}<div class="occlusion-header">{{Header}}</div>{{/Header}}
<div style="display: none">{{cloze:Occlusion}}</div>
<div id="err"></div>
<div id="image-occlusion-container">
{{Image}}
<canvas id="image-occlusion-canvas"></canvas>
</div>
<script>""" + IMAGE_OCCLUSION_SETUP + "</script>"
FRONT = _PICTURE
# The back names the mask asked: `cloze-only` gives only the active number's text of the Comments
# field, which holds each mask's label under its mask's number (`mask_labels`).
BACK = _PICTURE + """
<div class="occlusion-label">{{cloze-only:Comments}}</div>
<div><button id="toggle">Toggle masks</button></div>
{{#Back Extra}}<div class="occlusion-back-extra">{{Back Extra}}</div>{{/Back Extra}}"""
# Anki's reviewer reads the masks' colours from the canvas's custom properties.
CSS = """#image-occlusion-canvas {
    --inactive-shape-color: #ffeba2;
    --active-shape-color: #ff8e8e;
    --inactive-shape-border: 1px #212121;
    --active-shape-border: 1px #212121;
    --highlight-shape-color: #ff8e8e00;
    --highlight-shape-border: 1px #ff8e8e;
}

.card {
    font-family: arial;
    font-size: 20px;
    text-align: center;
    color: black;
    background-color: white;
}

.nightMode.card {
    color: white;
    background-color: #2f2f31;
}

.occlusion-label {
    font-weight: bold;
    font-size: 1.2em;
    margin: 0.5em 0;
}

.source {
    font-size: 0.8em;
    opacity: 0.8;
}
"""
DECIMALS = 4  # as Anki's editor writes them: a ten-thousandth of the picture


# Each stock note type's card templates (front, back) and CSS, by Anki's originalStockKind.
STOCK_NOTE_TYPES = {IMAGE_OCCLUSION_STOCK_KIND: ((FRONT, BACK), CSS)}


def occlusion_field(masks: tuple[Mask, ...], picture: Picture, hide_all: bool) -> cloze.ClozeText:
    """The Occlusion field: each mask one cloze number, named by the mask's id (what the lock keeps
    of it, so that a moved mask is an edit and a reordered one a renumbering)."""
    parts: list[str | cloze.Deletion] = []
    for number, mask in enumerate(masks, start=1):
        for shape in mask.shapes:
            properties = _properties(shape, picture) + ([("oi", "1")] if hide_all else [])
            written = "".join(f":{key}={value}" for key, value in properties)
            parts += [cloze.Deletion(number, f"image-occlusion:{shape.kind}{written}", None, mask.id), "<br>"]
    return cloze.ClozeText(tuple(parts))


def mask_labels(masks: tuple[Mask, ...]) -> cloze.ClozeText:
    """The Comments field: each mask's label as a cloze of its mask's number, for the back to show
    the asked one's. Labels are plain text: escaped, and their braces and colons kept from Anki's cloze syntax."""
    return cloze.ClozeText(tuple(cloze.Deletion(number, _plain(mask.label), None, mask.id)
                                 for number, mask in enumerate(masks, start=1)))


def _plain(label: str) -> str:
    # Braces and colons kept from the cloze syntax, square brackets from Anki's own ([sound:…],
    # [latex], [$]): a label is text, played, spoken or compiled by nothing.
    return inert(html.escape(label, quote=False)).replace(":", "&#58;")


def _properties(shape: Shape, picture: Picture) -> list[tuple[str, str]]:
    """A shape's properties in Anki's order and units: fractions of the picture's width (x) and height (y)."""
    def x(value: float) -> str:
        return fraction(value / picture.width)

    def y(value: float) -> str:
        return fraction(value / picture.height)

    left, top, _, _ = shape.bounds()
    if shape.kind == "rect":
        width, height = shape.coordinates[2:]
        return [("left", x(left)), ("top", y(top)), ("width", x(width)), ("height", y(height))]
    if shape.kind == "ellipse":
        radius_x, radius_y = shape.coordinates[2:]
        return [("left", x(left)), ("top", y(top)), ("rx", x(radius_x)), ("ry", y(radius_y))]
    points = " ".join(f"{x(px)},{y(py)}" for px, py in zip(shape.coordinates[0::2], shape.coordinates[1::2],
                                                              strict=True))
    return [("left", x(left)), ("top", y(top)), ("points", points)]


def fraction(value: float) -> str:
    """A number as Anki's editor writes it: four decimals at most, no trailing zeros, no leading 0 (.25)."""
    # masks.py bounds every coordinate and every picture's size: a number not finite here is a bug.
    assert math.isfinite(value), f"a mask's fraction is {value}"
    text = f"{round(value, DECIMALS):.{DECIMALS}f}".rstrip("0").rstrip(".")
    if text in ("", "-0", "0"):
        return "0"
    return text.replace("0.", ".", 1) if text.startswith(("0.", "-0.")) else text
