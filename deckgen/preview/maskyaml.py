"""A card's `masks:` block as YAML the educator pastes into the card file: one line in flow style
per mask (a group's id, label and shapes on lines of their own), numbers as whole pixels.

Text is written plain where every YAML reader reads it back as the same text, and double-quoted
otherwise: `Left: atrium`, `yes`, `1990`, `null` or a leading `*` would not stay text unquoted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from deckgen.preview.maskedit import EditorMask, EditorShape, whole

# Letters, digits, spaces and a few marks that mean nothing in flow style; first a letter or digit.
_PLAIN = re.compile(r"[^\W_][\w .()'/-]*", re.UNICODE)
# Words YAML 1.1 (PyYAML, and so deckgen's loader) or 1.2 reads as true, false or nothing.
_SPECIAL = re.compile(r"(?i:y|n|yes|no|true|false|on|off|null|~|nan|inf)")
# Line and paragraph separators, NEL and the byte-order mark break or vanish inside a quoted scalar.
_ESCAPED = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\x85", "\ufeff": "\\ufeff"}


def yaml_text(text: str) -> str:
    """`text` as a YAML scalar that reads back as exactly `text`, inside a flow mapping too."""
    if _PLAIN.fullmatch(text) and not text.endswith(" ") and not _SPECIAL.fullmatch(text) \
            and not re.match(r"[\d.+-]", text):
        return text
    quoted = json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar
    return "".join(_ESCAPED.get(character) or _escaped(character) for character in quoted)


# What a YAML reader accepts written as itself (YAML 1.1's printable set, as PyYAML reads it).
_PRINTABLE = re.compile("[\x09\x0a\x0d\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _escaped(character: str) -> str:
    """A character as itself if YAML reads it so, else its escape (DEL, C1 controls, U+FFFE …)."""
    if _PRINTABLE.fullmatch(character):
        return character
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _numbers(numbers: Sequence[float]) -> str:
    return "[" + ", ".join(str(whole(number)) for number in numbers) + "]"


def yaml_shape(shape: EditorShape) -> str:
    """`rect: [x, y, w, h]`, `ellipse: [cx, cy, rx, ry]` or `polygon: [[x, y], …]`."""
    if shape.kind == "polygon":
        points = zip(shape.coordinates[0::2], shape.coordinates[1::2], strict=True)
        return "polygon: [" + ", ".join(_numbers(point) for point in points) + "]"
    return f"{shape.kind}: {_numbers(shape.coordinates)}"


def masks_yaml(masks: Sequence[EditorMask], indent: int = 0) -> str:
    """The `masks:` key and its list, indented by `indent` columns as the card's other keys are."""
    pad = " " * indent
    if not masks:
        return f"{pad}masks: []\n"
    lines = [f"{pad}masks:"]
    for mask in masks:
        named = f"id: {yaml_text(mask.id)}, label: {yaml_text(mask.label)}"
        if len(mask.shapes) == 1:
            lines.append(f"{pad}  - {{{named}, {yaml_shape(mask.shapes[0])}}}")
            continue
        lines += [f"{pad}  - id: {yaml_text(mask.id)}", f"{pad}    label: {yaml_text(mask.label)}",
                  f"{pad}    shapes: [" + ", ".join("{" + yaml_shape(shape) + "}" for shape in mask.shapes) + "]"]
    return "\n".join(lines) + "\n"
