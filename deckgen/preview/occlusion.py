"""An occlusion card's sides as students' Anki draws them: the picture with its masks over it.

Anki draws the masks with its own script (`anki.imageOcclusion.setup()` on a canvas), which the
preview does not run: its policy lets only the page's own script run, and the note type's hidden
`<div style>` and `<script>` would each be refused (a console error, and the masks' raw clozes
shown). So the preview draws what that script draws, from the card's masks as the educator wrote
them (source/masks.py), never from the Occlusion field's text: the picture (the Image field as
Anki holds it) with an SVG over it whose viewBox is the picture's size, so each shape stands at its
own pixels however wide the card is drawn. Around it, as the note type's templates
(render/occlusion.py) put them: the Header above, and on the back the Back Extra (with the
citation) below. Anki's "Toggle masks" button is left out: without Anki's script it does nothing.

Which masks show, as Anki's reviewer draws them: on the front, in hide-all-guess-one every mask
covered, the asked one in the "active" colour and the others in the "inactive" one; in
hide-one-guess-one only the asked one. On the back the asked one is revealed (its outline only) and
the others are as on the front.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass

from deckgen.source.deck import Card
from deckgen.source.masks import HIDE_ONE, Mask, Picture, Shape

# Anki's reviewer's colours, as the note type's CSS gives them (render/occlusion.CSS: the canvas's
# --active-shape-color, --inactive-shape-color, their 1px border, and the revealed mask's outline).
ASKED = "#ff8e8e"
OTHER = "#ffeba2"
BORDER = "#212121"
REVEALED = "#ff8e8e"


@dataclass(frozen=True)
class Occlusion:
    """What the preview needs of an occlusion card to draw it: its picture's size and its masks."""

    width: int
    height: int
    masks: tuple[Mask, ...]  # in the card's order: mask i is the note's cloze number i + 1
    hide_all: bool


def occlusions(cards: Iterable[Card]) -> dict[str, Occlusion]:
    """Every occlusion card's drawing, by card id (a card of any other kind has none)."""
    drawn = {}
    for card in cards:
        picture, masks = card.value("image"), card.value("masks")
        if isinstance(picture, Picture) and isinstance(masks, tuple):
            drawn[card.id] = Occlusion(picture.width, picture.height, masks, card.value("mode") != HIDE_ONE)
    return drawn


def occlusion_sides(occlusion: Occlusion, fields: dict[str, str], ordinal: int) -> tuple[str, str]:
    """The front and back of the note's card `ordinal` (0-based: the mask asked), from its fields."""
    header = fields.get("Header", "")
    above = f'<div class="occlusion-header">{header}</div>' if header.strip() else ""
    extra = fields.get("Back Extra", "")
    below = f'\n<div class="occlusion-back-extra">{extra}</div>' if extra.strip() else ""
    image = fields.get("Image", "")
    # The back names the mask asked under the picture, as the note type's back template does.
    label = html.escape(occlusion.masks[ordinal].label) if ordinal < len(occlusion.masks) else ""
    named = f'\n<div class="occlusion-label">{label}</div>' if label else ""
    front = f"{above}\n{_picture(occlusion, image, ordinal, answer=False)}"
    back = f"{above}\n{_picture(occlusion, image, ordinal, answer=True)}{named}{below}"
    return front, back


def _picture(occlusion: Occlusion, image: str, asked: int, answer: bool) -> str:
    masks = "".join(_mask(mask, index == asked, answer) for index, mask in enumerate(occlusion.masks)
                    if index == asked or occlusion.hide_all)
    return (f'<div class="preview-occlusion">{image}<svg class="preview-masks" viewBox="0 0 {occlusion.width} '
            f'{occlusion.height}" preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg">{masks}</svg></div>')


def _mask(mask: Mask, asked: bool, answer: bool) -> str:
    if asked and answer:
        paint, state = f'fill="none" stroke="{REVEALED}"', "revealed"
    else:
        paint, state = f'fill="{ASKED if asked else OTHER}" stroke="{BORDER}"', "asked" if asked else "other"
    label = html.escape(mask.label, quote=True)
    shapes = "".join(_shape(shape) for shape in mask.shapes)
    return (f'<g class="preview-mask preview-mask-{state}" data-mask="{html.escape(mask.id, quote=True)}" {paint} '
            f'stroke-width="1"><title>{label}</title>{shapes}</g>')


def _shape(shape: Shape) -> str:
    """One shape in the picture's pixels; its border a pixel wide however the picture is scaled."""
    numbers = [str(int(number)) if number == int(number) else repr(number) for number in shape.coordinates]
    if shape.kind == "rect":
        x, y, width, height = numbers
        drawn = f'<rect x="{x}" y="{y}" width="{width}" height="{height}"'
    elif shape.kind == "ellipse":
        x, y, radius_x, radius_y = numbers
        drawn = f'<ellipse cx="{x}" cy="{y}" rx="{radius_x}" ry="{radius_y}"'
    else:
        points = " ".join(f"{x},{y}" for x, y in zip(numbers[0::2], numbers[1::2], strict=True))
        drawn = f'<polygon points="{points}"'
    return drawn + ' vector-effect="non-scaling-stroke"/>'
