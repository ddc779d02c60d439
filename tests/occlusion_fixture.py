"""An occlusion card in a fixture project: a picture of known size and masks in its pixels."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from helpers import replace_in_file

OCCLUSION_NOTE_TYPE_ID = 1700000000106
WIDTH, HEIGHT = 400, 300

THREE_MASKS = """\
subdeck: first
cards:
  - id: heart-chambers
    kind: occlusion
    image: heart.png
    header: Name the chamber
    back_extra: The **left** side pumps to the body.
    masks:
      - {id: left-atrium, label: Left atrium, rect: [40, 60, 80, 60]}
      - {id: aorta, label: Aorta, ellipse: [300, 90, 40, 30]}
      - id: ventricles
        label: Ventricles
        shapes: [{rect: [100, 200, 50, 50]}, {polygon: [[200, 200], [280, 210], [240, 280]]}]
"""


def png(width: int = WIDTH, height: int = HEIGHT, colour: bytes = b"\x20\x60\xc0") -> bytes:
    """A PNG of one colour, `width` x `height` pixels."""
    rows = b"".join(b"\x00" + colour * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


def add_occlusion_card(project: Path, card_file: str = THREE_MASKS, picture: bytes | None = None) -> Path:
    """The project with cards/occlusion.yaml holding `card_file`, cards/media/heart.png (400 x 300)
    and a note-type id for occlusion cards."""
    replace_in_file(project / "cards" / "deck.yaml", "  list: 1700000000104\n",
                    f"  list: 1700000000104\n  occlusion: {OCCLUSION_NOTE_TYPE_ID}\n")
    (project / "cards" / "media").mkdir(exist_ok=True)
    (project / "cards" / "media" / "heart.png").write_bytes(png() if picture is None else picture)
    path = project / "cards" / "occlusion.yaml"
    path.write_text(card_file)
    return path
