"""What the mask editor edits: an occlusion card's picture and masks, as plain frozen data.

`editable_occlusion` reads an occlusion card's masks (source/masks.py) into the editor's own small
classes, which are also what the editor page sends back: `masks_from_json` reads that (maskpage.py),
refusing anything not of that shape.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deckgen.source.deck import Card
from deckgen.source.masks import Mask, Picture

# How many numbers each shape has: a rectangle x, y, width, height; an ellipse centre x, centre y,
# radius x, radius y; a polygon its points' x and y in turn, at least three points.
SHAPE_NUMBERS = {"rect": 4, "ellipse": 4}
POLYGON_POINTS = 3
MAX_MASKS = 1_000  # a picture with more masks than this is not one an educator drew
MAX_NUMBERS = 10_000


@dataclass(frozen=True)
class EditorShape:
    kind: str  # "rect", "ellipse" or "polygon"
    coordinates: tuple[float, ...]  # in the picture's pixels; a polygon's flattened x1, y1, x2, y2 …


@dataclass(frozen=True)
class EditorMask:
    id: str
    label: str
    shapes: tuple[EditorShape, ...]  # one, or a group's several: one card hides them all


@dataclass(frozen=True)
class MaskEditor:
    """One occlusion card as its editor shows it."""

    card_id: str
    image: Path  # the picture's file
    masks: tuple[EditorMask, ...]
    indent: int = 4  # the columns before the card's keys in its file: the printed block's indent
    location: str = ""  # where the card is written, "cards/heart.yaml:12"


def whole(number: float) -> int:
    """A coordinate as a whole pixel, halves away from zero (not Python's round-half-even)."""
    return int(math.copysign(math.floor(abs(number) + 0.5), number))


def editable_occlusion(card: Card) -> MaskEditor | None:
    """The editor of an occlusion card, its picture and masks as the card holds them (None for a
    card of another kind), read as the preview's drawing reads them (preview/occlusion.py)."""
    picture, masks = card.value("image"), card.value("masks")
    if not isinstance(picture, Picture) or not isinstance(masks, tuple):
        return None
    location = card.location
    return MaskEditor(
        card_id=card.id,
        image=picture.path,
        masks=tuple(EditorMask(mask.id, mask.label, tuple(EditorShape(shape.kind, shape.coordinates)
                                                          for shape in mask.shapes))
                    for mask in masks if isinstance(mask, Mask)),
        # A card's location is its id's value; its keys start where `id: ` does, written as usual.
        indent=max(0, location.col - 1 - len("id: ")),
        location=f"{location.path}:{location.line}",
    )


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} is not text")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{what} is not valid text") from None
    return value


def _shape(value: Any) -> EditorShape:
    if not isinstance(value, dict) or value.get("kind") not in ("rect", "ellipse", "polygon"):
        raise ValueError("a shape is not a rect, an ellipse or a polygon")
    numbers = value.get("coordinates")
    if (not isinstance(numbers, list) or len(numbers) > MAX_NUMBERS or not all(
            isinstance(number, int | float) and not isinstance(number, bool) and math.isfinite(number)
            for number in numbers)):
        raise ValueError("a shape's coordinates are not numbers")
    kind = value["kind"]
    wanted = SHAPE_NUMBERS.get(kind)
    if (len(numbers) != wanted) if wanted is not None else (len(numbers) < 2 * POLYGON_POINTS or len(numbers) % 2):
        raise ValueError(f"a {kind} has {len(numbers)} coordinates")
    return EditorShape(kind, tuple(float(number) for number in numbers))


def masks_from_json(data: Any) -> tuple[EditorMask, ...]:
    """The masks the editor page sends: a list of {id, label, shapes: [{kind, coordinates}]}."""
    if not isinstance(data, list) or len(data) > MAX_MASKS:
        raise ValueError("the masks are not a list")
    masks = []
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("shapes"), list) or not item["shapes"]:
            raise ValueError("a mask has no shapes")
        shapes: Sequence[Any] = item["shapes"]
        masks.append(EditorMask(_text(item.get("id"), "a mask's id"), _text(item.get("label"), "a mask's label"),
                                tuple(_shape(shape) for shape in shapes)))
    return tuple(masks)
