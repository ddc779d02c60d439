"""A picture's width and height in pixels as it is shown, read from its file's header (PNG, JPEG, GIF, WebP).

An occlusion card's masks are written in the picture's own pixels, and Anki keeps them as fractions
of its width and height: the size is all deckgen needs of a picture, so it reads the few header
bytes that say it rather than depend on an imaging library every other command would pay to import.

The size is the one a browser shows: a JPEG whose EXIF Orientation turns it a quarter turn (5 to 8,
as phones save photos held upright) is drawn by Chromium (Anki's reviewer, AnkiDroid's WebView, the
mask editor) with its width and height swapped, and its masks are drawn over that picture. So is a
PNG with such an eXIf chunk (Chromium 123 on); a WebP keeps its stored size whatever its EXIF says.
Each of these is measured against Chromium by tests/test_picture.py.
Every read is bounded by the header's bytes: a hostile file gives None or a size, never an exception.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Literal

HEADER_BYTES = 64 * 1024  # a JPEG's size stands after its metadata segments, which are mostly small
# JPEG start-of-frame markers (baseline, progressive, ...), which hold the size; not DHT, JPG or DAC.
_JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_APP1 = 0xE1  # Chromium reads its EXIF wherever it stands before the scan, after the frame too (measured)
_JPEG_SCAN = 0xDA
_EXIF = b"Exif\0\0"
_ORIENTATION_TAG = 0x0112
_QUARTER_TURNS = frozenset({5, 6, 7, 8})  # EXIF orientations that swap width and height
_IFD_ENTRY = 12
_BYTE_ORDERS: dict[bytes, Literal["little", "big"]] = {b"II": "little", b"MM": "big"}


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
        return _shown(width, height, _png_orientation(head))
    return None


def _png_orientation(head: bytes) -> int | None:
    """The orientation of an eXIf chunk (a bare EXIF block) before the picture's data, the only one
    Chromium honours (measured: one after IDAT, or one starting "Exif\0\0", leaves the picture as stored)."""
    position = 8
    while position + 8 <= len(head):  # each step moves on by 12 bytes or more
        length = int.from_bytes(head[position:position + 4], "big")
        kind = head[position + 4:position + 8]
        if kind == b"IDAT":
            return None
        if kind == b"eXIf":
            return _exif_orientation(head[position + 8:position + 8 + length])
        position += 12 + length
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
    orientation: int | None = None
    size: tuple[int, int] | None = None
    while position + 9 <= len(head):
        if head[position] != 0xFF:  # not a marker: a broken file, whose size is the frame's if it came
            break
        marker = head[position + 1]
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        length = int.from_bytes(head[position + 2:position + 4], "big")
        if marker == _JPEG_SCAN:  # the picture's data: what stands before it has been read
            break
        if marker in _JPEG_FRAMES and size is None:
            height, width = struct.unpack(">HH", head[position + 5:position + 9])
            size = width, height
        if marker == _JPEG_APP1 and orientation is None:
            segment = head[position + 4:position + 2 + length]
            orientation = _exif_orientation(segment[len(_EXIF):]) if segment.startswith(_EXIF) else None
        position += 2 + length
    return None if size is None else _shown(*size, orientation)


def _shown(width: int, height: int, orientation: int | None) -> tuple[int, int]:
    """The size as shown: a quarter turn swaps width and height."""
    return (height, width) if orientation in _QUARTER_TURNS else (width, height)


def _exif_orientation(tiff: bytes) -> int | None:
    """The Orientation tag (1 to 8) of an EXIF block's first directory (IFD0), or None. Every offset
    is checked against the block's length, and the entries read are at most those the block holds."""
    order = _BYTE_ORDERS.get(tiff[:2])
    if order is None or len(tiff) < 8:
        return None

    def number(start: int, size: int) -> int:
        return int.from_bytes(tiff[start:start + size], order)

    if number(2, 2) != 42:
        return None
    directory = number(4, 4)
    if directory + 2 > len(tiff):
        return None
    entries = min(number(directory, 2), (len(tiff) - directory - 2) // _IFD_ENTRY)
    for index in range(entries):
        entry = directory + 2 + index * _IFD_ENTRY
        if number(entry, 2) == _ORIENTATION_TAG:
            value = number(entry + 8, 2)  # a SHORT, held in the entry's first value bytes
            return value if 1 <= value <= 8 else None
    return None
