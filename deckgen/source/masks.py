"""An occlusion card's picture and its masks: the YAML an educator writes, read with every value's place.

A mask is one Anki card, whose reviews belong to its number (its place in the list): an id (which
lets a release tell a moved mask, an edit, from a reordered one), a label (what it hides, in the
student's words, shown on the back) and one shape or several (`shapes:`, a group hidden and asked
together). Shapes are written in the picture's own pixels: a rectangle [x, y, width, height] from
its top left corner, an ellipse [centre x, centre y, radius x, radius y], a polygon [[x, y], ...].
Rendering turns them into Anki's fractions of the picture (render/occlusion.py). A mask wholly
outside its picture is an error (its card would hide nothing); one partly outside is lint's to say
(L015), since a mask slightly off the edge still works.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deckgen.errors import Location, Where
from deckgen.source.deck import CARD_ID
from deckgen.source.keys import (
    ChoiceKey,
    Complaint,
    Complaints,
    Key,
    Reader,
    TextKey,
    complain,
    did_you_mean,
    one_of,
)
from deckgen.source.load import Mapping, Node, Scalar, Sequence
from deckgen.source.maskcell import cell_masks
from deckgen.source.quickread import EXPLAIN, QuickReader
from deckgen.text.cloze import MAX_CLOZE_NUMBER
from deckgen.text.media import media_problem
from deckgen.text.picture import picture_size

SHAPE_KINDS = ("rect", "ellipse", "polygon")
# What each shape's numbers are, in the words its messages use.
_COORDINATES = {"rect": "[x, y, width, height]", "ellipse": "[centre x, centre y, radius x, radius y]",
                "polygon": "[[x, y], [x, y], [x, y], ...]"}
_SIZES = {"rect": ("width", "height"), "ellipse": ("radius x", "radius y")}
MIN_POLYGON_POINTS = 3
# Chromium draws no canvas over 32,767 pixels a side, and a picture that says more (a PNG may say
# 2^32 - 1) is a decompression bomb rather than a diagram.
MAX_PICTURE_SIDE = 32_767
# A mask's numbers are known before its picture's size (the card's keys are read apart): a fixed bound,
# three of the largest pictures' sides, refuses the absurd (1e+300, whose sums overflow to inf) and
# leaves every mask near a picture to lint's warning (L015).
MAX_COORDINATE = 100_000
PICTURE_TYPES = (".png", ".jpg", ".jpeg", ".gif", ".webp")
HIDE_ALL = "hide-all-guess-one"
HIDE_ONE = "hide-one-guess-one"
MODES = (HIDE_ALL, HIDE_ONE)
_MASK_KEYS = ("id", "label", *SHAPE_KINDS, "shapes")


@dataclass(frozen=True)
class Shape:
    kind: str  # "rect" | "ellipse" | "polygon"
    coordinates: tuple[float, ...]  # in the picture's pixels; a polygon's flattened: x1, y1, x2, y2, ...
    where: Location | None = field(default=None, compare=False)

    def bounds(self) -> tuple[float, float, float, float]:
        """The shape's bounding box: left, top, right, bottom, in pixels."""
        if self.kind == "rect":
            x, y, width, height = self.coordinates
            return x, y, x + width, y + height
        if self.kind == "ellipse":
            x, y, radius_x, radius_y = self.coordinates
            return x - radius_x, y - radius_y, x + radius_x, y + radius_y
        xs, ys = self.coordinates[0::2], self.coordinates[1::2]
        return min(xs), min(ys), max(xs), max(ys)


@dataclass(frozen=True)
class Mask:
    id: str
    label: str
    shapes: tuple[Shape, ...]
    where: Location | None = field(default=None, compare=False)  # of its id


@dataclass(frozen=True)
class Picture:
    """An occlusion card's picture: a file in cards/media/ and its size in pixels."""

    name: str
    path: Path
    width: int
    height: int
    where: Where


class PictureKey(TextKey):
    """The picture an occlusion card masks: a PNG, JPEG, GIF or WebP image in cards/media/ whose size
    deckgen can read."""

    def __init__(self) -> None:
        super().__init__("image", "The picture, a file in cards/media/ (PNG, JPEG, GIF or WebP).", True,
                         expected="a picture's file name in cards/media/")

    def rules(self, text: str, context: Any) -> Any:
        name = text.strip()
        if not name.lower().endswith(PICTURE_TYPES):
            return complain(f"'image' must be a picture ({', '.join(PICTURE_TYPES)}), got '{name}'")
        problem = media_problem(name, context.media_dir, context.shown_media_dir, "the card's image:")
        if problem:
            return complain(problem)
        path = (context.media_dir / name).resolve()
        size = picture_size(path)
        if size is None:
            return complain(f"picture '{name}' does not say its width and height: save it again as a PNG or JPEG")
        if max(size) > MAX_PICTURE_SIDE:
            return complain(f"picture '{name}' is {size[0]} x {size[1]} pixels, more than browsers draw "
                            f"({MAX_PICTURE_SIDE} a side): save it smaller")
        return name, path, size

    def made(self, value: Any, reader: Any, at: Any) -> Picture:
        name, path, (width, height) = value
        return Picture(name, path, width, height, reader.place(at))

    def json_schema(self, context: Any) -> dict[str, Any]:
        return {**super().json_schema(context), "pattern": r"^[^./\\][^/\\]*\.([pP][nN][gG]|[jJ][pP][eE]?[gG]|"
                                                          r"[gG][iI][fF]|[wW][eE][bB][pP])$"}


def masks_outside(masks: tuple[Mask, ...], picture: Picture) -> Complaints | None:
    """A complaint at each mask that lies wholly outside its picture: Anki draws nothing of it, so
    its card would ask the student for nothing they can see."""
    complaints = []
    for index, mask in enumerate(masks):
        if all(_outside(shape, picture) for shape in mask.shapes):
            lefts, tops, rights, bottoms = zip(*(shape.bounds() for shape in mask.shapes), strict=True)
            left, top, right, bottom = min(lefts), min(tops), max(rights), max(bottoms)
            complaints.append(Complaint(
                f"mask '{mask.id}' lies wholly outside the picture ({picture.width} x {picture.height} pixels; the "
                f"mask spans x {left:g} to {right:g}, y {top:g} to {bottom:g}): its card would hide nothing; "
                f"give it coordinates inside the picture, x 0 to {picture.width} and y 0 to {picture.height}, in "
                "the picture's own pixels", key="masks", item=index))
    return Complaints(tuple(complaints)) if complaints else None


def _outside(shape: Shape, picture: Picture) -> bool:
    left, top, right, bottom = shape.bounds()
    return right <= 0 or bottom <= 0 or left >= picture.width or top >= picture.height


def _unknown_mode(mode: str, modes: Any) -> str:
    return f"unknown mode '{mode}'{did_you_mean(mode, modes)}: use {one_of(list(modes))}"


MODE = ChoiceKey("mode", f"{HIDE_ALL} (the default: every mask hidden, one asked) or {HIDE_ONE} (only the asked "
                 "mask hidden).", lambda context: MODES, _unknown_mode, expected="a mode")


class MasksKey(Key):
    """The masks: a list of mappings, each read where it stands, every problem said at its place.
    Nested values have no plain reading of their own: an occlusion card is always read carefully."""

    def __init__(self) -> None:
        super().__init__("masks", "The masks, one Anki card each: id, label and rect, ellipse, polygon or shapes.",
                         True)

    def read(self, node: Node, reader: Reader) -> tuple[Mask, ...] | None:
        problems = len(reader.problems.problems)
        if isinstance(node, Scalar) and node.location.path.endswith(TABLE_FILES):
            cell = cell_masks(node, reader.add, reader.budget)
            if cell is None:  # a line of it that cannot be read is said; "empty" would be wrong
                return None
            node = cell
        if not isinstance(node, Sequence):
            reader.add(node.location, f"'masks' must be a list of masks, got {node.describe()}")
            return None
        if not node.items:
            reader.add(node.location, "'masks' is empty: add a mask ({id: ..., label: ..., rect: [x, y, width, "
                                      "height]})")
        if len(node.items) > MAX_CLOZE_NUMBER:
            reader.add(node.location, f"an occlusion card has at most {MAX_CLOZE_NUMBER} masks (one Anki card "
                                      "each): split the picture's masks over two cards")
        masks = [mask for mask in (_mask(item, reader) for item in node.items) if mask is not None]
        first: dict[str, Mask] = {}
        for mask in masks:
            earlier = first.setdefault(mask.id, mask)
            if earlier is not mask:
                reader.add(mask.where or node.location, f"duplicate mask id '{mask.id}' (first used at "
                                                        f"{earlier.where}): give each mask its own id")
        return tuple(masks) if len(reader.problems.problems) == problems else None

    def check(self, value: Any, context: Any) -> Any:
        return complain("'masks' is read where it stands")

    def quick(self, value: Any, reader: QuickReader, steps: tuple[str | int, ...]) -> Any:
        return EXPLAIN

    def json_schema(self, context: Any) -> dict[str, Any]:
        number = {"type": "number", "minimum": -MAX_COORDINATE, "maximum": MAX_COORDINATE}
        four = {"type": "array", "items": number, "minItems": 4, "maxItems": 4}
        polygon = {"type": "array", "minItems": MIN_POLYGON_POINTS,
                   "items": {"type": "array", "items": number, "minItems": 2, "maxItems": 2}}
        shapes = {"rect": four, "ellipse": four, "polygon": polygon}
        one_shape = [{"required": [kind]} for kind in SHAPE_KINDS]
        shape = {"type": "object", "properties": shapes, "additionalProperties": False, "oneOf": one_shape}
        mask = {"type": "object", "required": ["id", "label"], "additionalProperties": False,
                "properties": {"id": {"type": "string", "pattern": "^" + CARD_ID.pattern.removesuffix("\\Z") + "$"},
                               "label": {"type": "string", "minLength": 1}, **shapes,
                               "shapes": {"type": "array", "items": shape, "minItems": 1}},
                "oneOf": [*one_shape, {"required": ["shapes"]}]}
        return {"type": "array", "items": mask, "minItems": 1, "maxItems": MAX_CLOZE_NUMBER}


# A spreadsheet card file (tablefile.py) holds the masks in one cell, a mask a line, each written as
# YAML (`mask_yaml`, what `deckgen export csv` writes): read by maskcell.py, each value placed at the cell.
TABLE_FILES = (".csv", ".tsv")


def mask_yaml(mask: Mask) -> str:
    """A mask as one line of YAML, as a spreadsheet cell holds it: {id: a, label: "A", rect: [1, 2, 3, 4]}."""
    def numbers(shape: Shape) -> str:
        values = [str(int(value)) if value == int(value) else repr(value) for value in shape.coordinates]
        if shape.kind == "polygon":
            return "[" + ", ".join(f"[{x}, {y}]" for x, y in zip(values[0::2], values[1::2], strict=True)) + "]"
        return "[" + ", ".join(values) + "]"

    shapes = [f"{shape.kind}: {numbers(shape)}" for shape in mask.shapes]
    shape = shapes[0] if len(shapes) == 1 else "shapes: [" + ", ".join("{" + each + "}" for each in shapes) + "]"
    return f"{{id: {mask.id}, label: {json.dumps(mask.label)}, {shape}}}"


def _mask(node: Node, reader: Reader) -> Mask | None:
    if not isinstance(node, Mapping):
        reader.add(node.location, "a mask must be a mapping with 'id', 'label' and a shape (rect, ellipse, polygon "
                                  f"or shapes), got {node.describe()}")
        return None
    mask_id = _text(node, "id", reader)
    what = f"mask '{mask_id}'" if mask_id else "a mask"
    unknown = [key for key in node.keys() if key.text not in _MASK_KEYS]
    for key in unknown:
        hint = did_you_mean(key.text, _MASK_KEYS)
        reader.add(key.location, f"unknown key '{key.text}' in {what}{hint}: a mask has id, label and one "
                                 "shape: rect, ellipse or polygon (or several under 'shapes')")
    if node.get("id") is None:
        reader.add(node.location, "a mask has no 'id': add 'id:' (a stable name, which lets deckgen tell a moved "
                                  "mask from a reordered one)")
    elif mask_id is not None and not CARD_ID.match(mask_id):
        reader.add(node.located("id"), f"mask id '{mask_id}' must be lower-case letters, digits, '.', '-' or '_' "
                                       "(at most 64, starting with a letter or digit)")
        mask_id = None
    label = _text(node, "label", reader)
    if node.get("label") is None:
        reader.add(node.location, f"{what} has no 'label': add 'label:' (what the mask hides, in the student's words)")
    # A misspelt or unknown shape already has its message; "no shape" would only repeat it.
    shapes = _shapes_of(node, what, reader) if not unknown else None
    if mask_id is None or label is None or shapes is None:
        return None
    return Mask(mask_id, label, shapes, node.located("id"))


def _text(node: Mapping, key: str, reader: Reader) -> str | None:
    value = node.get(key)
    if value is None:
        return None
    if isinstance(value, Scalar) and (value.kind == "nothing" or not value.text.strip()):
        reader.add(value.location, f"the mask's '{key}' is empty: write it")
        return None
    if not isinstance(value, Scalar):
        reader.add(value.location, f"the mask's '{key}' must be text, got {value.describe()}")
        return None
    return value.text.strip()


def _shapes_of(node: Mapping, what: str, reader: Reader) -> tuple[Shape, ...] | None:
    given = [key.text for key in node.keys() if key.text in (*SHAPE_KINDS, "shapes")]
    if not given:
        reader.add(node.location, f"{what} has no shape: add rect: {_COORDINATES['rect']}, ellipse: "
                                  f"{_COORDINATES['ellipse']}, polygon: {_COORDINATES['polygon']} or shapes: [...] "
                                  "(in the picture's pixels)")
        return None
    if len(given) > 1:
        reader.add(node.located(given[1]), f"{what} has both '{given[0]}' and '{given[1]}': give one shape, or list "
                                           "several under 'shapes:'")
        return None
    if given[0] != "shapes":
        shape = _shape(given[0], node.get(given[0]), reader)
        return None if shape is None else (shape,)
    listed = node.get("shapes")
    assert listed is not None  # a key that is there
    if not isinstance(listed, Sequence) or not listed.items:
        got = "an empty list" if isinstance(listed, Sequence) else listed.describe()
        reader.add(listed.location, f"'shapes' must be a list of shapes ({{rect: [x, y, width, height]}}, ...), "
                                    f"got {got}")
        return None
    shapes = [_listed_shape(item, reader) for item in listed.items]
    return None if any(shape is None for shape in shapes) else tuple(s for s in shapes if s is not None)


def _listed_shape(node: Node, reader: Reader) -> Shape | None:
    if not isinstance(node, Mapping) or len(node.entries) != 1:
        reader.add(node.location, "a shape of 'shapes' must be one of rect: [...], ellipse: [...] or polygon: [...], "
                                  f"got {node.describe() if not isinstance(node, Mapping) else 'several keys'}")
        return None
    key, value = node.entries[0]
    if key.text not in SHAPE_KINDS:
        reader.add(key.location, f"unknown shape '{key.text}'{did_you_mean(key.text, SHAPE_KINDS)}: use rect, "
                                 "ellipse or polygon")
        return None
    return _shape(key.text, value, reader)


def _number(node: Node) -> float | None:
    if isinstance(node, Scalar) and node.kind in ("a whole number", "a number"):
        try:
            value = float(node.text)
        except ValueError:  # YAML 1.1 numbers Python does not read (1_000, 0x1F, .inf)
            return None
        return value if value == value and abs(value) != float("inf") else None
    return None


def _shape(kind: str, node: Node | None, reader: Reader) -> Shape | None:
    assert node is not None  # a key that is there
    expected = f"'{kind}' must be {_COORDINATES[kind]} in the picture's pixels"
    if kind == "polygon":
        return _polygon(node, expected, reader)
    if not isinstance(node, Sequence):
        reader.add(node.location, f"{expected}, got {node.describe()}")
        return None
    if len(node.items) != len(_SIZES[kind]) + 2:
        reader.add(node.location, f"{expected}: 4 numbers, got {len(node.items)}")
        return None
    numbers = [_number(item) for item in node.items]
    for item, number in zip(node.items, numbers, strict=True):
        if number is None:
            reader.add(item.location, f"{expected}: numbers, got {item.describe()}")
            return None
    if _far(node, numbers, expected, reader):
        return None
    for size, name in zip(numbers[2:], _SIZES[kind], strict=True):
        if size is not None and size <= 0:
            reader.add(node.location, f"'{kind}' has a {name} of {size:g}: a mask's {' and '.join(_SIZES[kind])} "
                                      "must be more than 0")
            return None
    return Shape(kind, tuple(n for n in numbers if n is not None), node.location)


def _polygon(node: Node, expected: str, reader: Reader) -> Shape | None:
    if not isinstance(node, Sequence) or len(node.items) < MIN_POLYGON_POINTS:
        got = f"{len(node.items)} points" if isinstance(node, Sequence) else node.describe()
        reader.add(node.location, f"{expected}: at least {MIN_POLYGON_POINTS} points, got {got}")
        return None
    flat: list[float] = []
    for point in node.items:
        numbers = [_number(item) for item in point.items] if isinstance(point, Sequence) else []
        if len(numbers) != 2 or None in numbers:
            reader.add(point.location, f"a polygon point must be two numbers [x, y], got "
                                       f"{point.describe() if not isinstance(point, Sequence) else point_text(point)}")
            return None
        if _far(point, numbers, expected, reader):
            return None
        flat += [n for n in numbers if n is not None]
    return Shape("polygon", tuple(flat), node.location)


def _far(numbered: Node, numbers: list[float | None], expected: str, reader: Reader) -> bool:
    """Whether a number of the list `numbered` is beyond MAX_COORDINATE, said at the first such."""
    items = numbered.items if isinstance(numbered, Sequence) else ()
    for item, number in zip(items, numbers, strict=True):
        if number is not None and abs(number) > MAX_COORDINATE:
            reader.add(item.location, f"{expected}: {number:g} is more than {MAX_COORDINATE} pixels from the "
                                      f"picture's corner (a picture is at most {MAX_PICTURE_SIDE} a side)")
            return True
    return False


def point_text(point: Sequence) -> str:
    """A point as written, for a message: [1, a]."""
    return "[" + ", ".join(item.text if isinstance(item, Scalar) else item.describe() for item in point.items) + "]"
