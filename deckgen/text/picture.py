"""A picture's width and height in pixels, read from its file's header (PNG, JPEG, GIF, WebP).

An occlusion card's masks are written in the picture's own pixels, and Anki keeps them as fractions
of its width and height: the size is all deckgen needs of a picture, so it reads the few header
bytes that say it rather than depend on an imaging library every other command would pay to import.
"""

from __future__ import annotations

import struct
from pathlib import Path

HEADER_BYTES = 64 * 1024  # a JPEG's size stands after its metadata segments, which are mostly small
# JPEG start-of-frame markers (baseline, progressive, ...), which hold the size; not DHT, JPG or DAC.
_JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def picture_size(path: Path) -> tuple[int, int] | None:
    """The picture's (width, height), or None when its header says no size this reader knows."""
    with path.open("rb") as file:
        head = file.read(HEADER_BYTES)
    for reader in (_png, _gif, _webp, _jpeg):
        size = reader(head)
        if size is not None:
            return size if size[0] > 0 and size[1] > 0 else None
    return None


def _png(head: bytes) -> tuple[int, int] | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR" and len(head) >= 24:
        width, height = struct.unpack(">II", head[16:24])
        return width, height
    return None


def _gif(head: bytes) -> tuple[int, int] | None:
    if head[:6] in (b"GIF87a", b"GIF89a") and len(head) >= 10:
        width, height = struct.unpack("<HH", head[6:10])
        return width, height
    return None


def _webp(head: bytes) -> tuple[int, int] | None:
    if head[:4] != b"RIFF" or head[8:12] != b"WEBP" or len(head) < 30:
        return None
    chunk = head[12:16]
    if chunk == b"VP8X":  # extended: 24-bit sizes minus one
        return 1 + int.from_bytes(head[24:27], "little"), 1 + int.from_bytes(head[27:30], "little")
    if chunk == b"VP8L" and head[20] == 0x2F:  # lossless: 14-bit sizes minus one
        bits = int.from_bytes(head[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if chunk == b"VP8 " and head[23:26] == b"\x9d\x01\x2a":  # lossy: 14-bit sizes
        width, height = struct.unpack("<HH", head[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None


def _jpeg(head: bytes) -> tuple[int, int] | None:
    if not head.startswith(b"\xff\xd8"):
        return None
    position = 2
    while position + 9 <= len(head):
        if head[position] != 0xFF:
            return None
        marker = head[position + 1]
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        length = int.from_bytes(head[position + 2:position + 4], "big")
        if marker in _JPEG_FRAMES:
            height, width = struct.unpack(">HH", head[position + 5:position + 9])
            return width, height
        position += 2 + length
    return None
