"""What the mask editor edits: an occlusion card's picture and masks, as plain frozen data.

The editor is built against these small classes, not the occlusion kind's own (source/masks.py):
`editable_occlusion` is the one place that reads a card, duck-typed, so the editor does not depend
on how the kind stores its content beyond `values["masks"]` (masks with `id`, `label` and `shapes`,
each shape a `kind` and flat `coordinates`) and `values["image"]`. `masks_from_json` reads what the
editor page sends back (maskpage.py), refusing anything not of that shape.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


def _value(card: Any, key: str) -> Any:
    # deckgen's Card keeps its content as (key, value) pairs read by `value(key)`; a mapping works too.
    if hasattr(card, "value"):
        return card.value(key)
    values = card.values
    return values.get(key) if isinstance(values, Mapping) else dict(values).get(key)


def _image_name(image: Any) -> str:
    for attribute in ("text", "name"):  # a Text, a MediaFile or a Path
        if isinstance(getattr(image, attribute, None), str):
            return str(getattr(image, attribute))
    return str(image)


def editable_occlusion(card: Any, media_folder: Path) -> MaskEditor | None:
    """The editor of an occlusion card (None for a card without masks): its picture is the card's
    listed media file of that name, else the file of that name in `media_folder` (cards/media/)."""
    masks, image = _value(card, "masks"), _value(card, "image")
    if masks is None or image is None:
        return None
    name = _image_name(image)
    listed = {media.name: media.path for media in getattr(card, "media", ())}
    location = getattr(card, "location", None)
    return MaskEditor(
        card_id=card.id,
        image=listed.get(name, media_folder / name),
        masks=tuple(
            EditorMask(str(mask.id), str(mask.label), tuple(
                EditorShape(str(shape.kind), tuple(float(number) for number in shape.coordinates))
                for shape in mask.shapes))
            for mask in masks
        ),
        # A card's location is its id's value; its keys start where `id: ` does, written as usual.
        indent=max(0, location.col - 1 - len("id: ")) if location is not None else 4,
        location=f"{location.path}:{location.line}" if location is not None else "",
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
