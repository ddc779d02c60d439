"""A picture's size as students see it (text/picture.py): the size Chromium shows, EXIF rotation
applied, read within the header's bytes whatever they hold.

tests/fixtures/pictures/rotated-exif6-400x300.jpg is a 400 × 300 baseline JPEG (Chromium's encoder)
whose EXIF Orientation is 6, as a phone saves a photo held upright: Chromium draws it 300 × 400.
exif6-40x30.webp is a 40 × 30 WebP (Chromium's encoder) given an EXIF chunk of Orientation 6, which
Chromium leaves unturned. The PNGs are made here, with an eXIf chunk where a test needs one.
"""

from __future__ import annotations

import random
import struct
import zlib

import pytest
from browser import browser  # noqa: F401 (a fixture)
from conftest import FIXTURES
from occlusion_fixture import png as one_colour_png

from deckgen.text.picture import picture_size

PICTURES = FIXTURES / "pictures"
ROTATED_JPEG = (PICTURES / "rotated-exif6-400x300.jpg").read_bytes()
WEBP_WITH_EXIF = (PICTURES / "exif6-40x30.webp").read_bytes()
ORIENTATION_VALUE = 30  # where the fixture JPEG's Orientation value (a big-endian SHORT) stands


def exif(orientation: int, order: bytes = b"MM") -> bytes:
    """A bare EXIF block (TIFF header, IFD0 of one entry): what a PNG's eXIf chunk holds."""
    e = ">" if order == b"MM" else "<"
    entry = struct.pack(e + "HHIHH", 0x0112, 3, 1, orientation, 0)
    return order + struct.pack(e + "HI", 42, 8) + struct.pack(e + "H", 1) + entry + struct.pack(e + "I", 0)


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int, before_data: bytes = b"", after_data: bytes = b"") -> bytes:
    """A PNG with chunks added before its image data (after IHDR) and after it (before IEND)."""
    plain = one_colour_png(width, height)
    header_end, end = 8 + 25, len(plain) - 12
    return plain[:header_end] + before_data + plain[header_end:end] + after_data + plain[end:]


def jpeg_turned(orientation: int) -> bytes:
    """The fixture JPEG with its Orientation set to `orientation`."""
    value = ORIENTATION_VALUE
    return ROTATED_JPEG[:value] + orientation.to_bytes(2, "big") + ROTATED_JPEG[value + 2:]


def jpeg_exif_after_frame() -> bytes:
    """The fixture JPEG with its EXIF segment moved after the frame header, just before the scan."""
    segments, position = [], 2
    while ROTATED_JPEG[position + 1] != 0xDA:
        length = int.from_bytes(ROTATED_JPEG[position + 2:position + 4], "big")
        segments.append(ROTATED_JPEG[position:position + 2 + length])
        position += 2 + length
    exif_segments = [segment for segment in segments if segment[4:10] == b"Exif\0\0"]
    others = [segment for segment in segments if segment[4:10] != b"Exif\0\0"]
    return b"\xff\xd8" + b"".join(others + exif_segments) + ROTATED_JPEG[position:]


# What each picture is shown as, as Chromium 156 measured it (test_chromium_shows_each_picture_at_the_size_read).
SHOWN = {
    "jpeg-exif-6": (jpeg_turned(6), "image/jpeg", (300, 400)),
    **{f"jpeg-exif-{turn}": (jpeg_turned(turn), "image/jpeg", (400, 300) if turn < 5 else (300, 400))
       for turn in (1, 2, 3, 4, 5, 7, 8)},
    "jpeg-exif-after-frame": (jpeg_exif_after_frame(), "image/jpeg", (300, 400)),
    "png-exif-6": (png(40, 30, chunk(b"eXIf", exif(6))), "image/png", (30, 40)),
    "png-exif-6-little-endian": (png(40, 30, chunk(b"eXIf", exif(6, b"II"))), "image/png", (30, 40)),
    "png-exif-1": (png(40, 30, chunk(b"eXIf", exif(1))), "image/png", (40, 30)),
    "png-exif-after-data": (png(40, 30, after_data=chunk(b"eXIf", exif(6))), "image/png", (40, 30)),
    "png-exif-with-jpeg-prefix": (png(40, 30, chunk(b"eXIf", b"Exif\0\0" + exif(6))), "image/png", (40, 30)),
    "webp-exif-6": (WEBP_WITH_EXIF, "image/webp", (40, 30)),
}


def test_a_phone_photo_turned_by_exif_has_its_shown_size(tmp_path):
    picture = tmp_path / "photo.jpg"
    picture.write_bytes(ROTATED_JPEG)

    assert picture_size(picture) == (300, 400)


@pytest.mark.parametrize("name", SHOWN)
def test_each_picture_has_the_size_chromium_shows(tmp_path, name):
    data, _, shown = SHOWN[name]
    picture = tmp_path / "picture"
    picture.write_bytes(data)

    assert picture_size(picture) == shown


@pytest.mark.slow
@pytest.mark.parametrize("name", ["jpeg-exif-6", "jpeg-exif-after-frame", "png-exif-6", "webp-exif-6"])
def test_any_cut_or_damage_gives_a_size_or_none_never_an_exception(tmp_path, name):
    """The reviewer's fuzzing, kept: every truncation, and random bytes overwritten (seeded)."""
    data = SHOWN[name][0]
    picture = tmp_path / "picture"
    damaged = [data[:cut] for cut in range(len(data))]
    chance = random.Random(23)
    for _ in range(1000):
        changed = bytearray(data)
        for _ in range(chance.randint(1, 8)):
            at = chance.randrange(min(len(changed), 200))  # the headers, where the reader looks
            changed[at] = chance.choice((0x00, 0xFF, 0x12, 0x01, 0xE1, chance.randrange(256)))
        damaged.append(bytes(changed))
    for each in damaged:
        picture.write_bytes(each)
        size = picture_size(picture)
        assert size is None or (isinstance(size, tuple) and min(size) > 0), each


@pytest.mark.parametrize(("directory", "entries"), [(8, 0xFFFF), (0xFFFFFFFF, 1), (2, 0x0101)])
def test_an_exif_block_that_lies_about_its_entries_is_read_within_its_bytes(tmp_path, directory, entries):
    block = b"MM" + struct.pack(">HI", 42, directory) + struct.pack(">H", entries) + b"\x00" * 30
    picture = tmp_path / "picture.png"
    picture.write_bytes(png(40, 30, chunk(b"eXIf", block)))

    assert picture_size(picture) == (40, 30)


@pytest.mark.slow
def test_chromium_shows_each_picture_at_the_size_read(browser, tmp_path):
    """What Anki's reviewer, AnkiDroid's WebView and the mask editor draw masks over: Chromium's
    naturalWidth and naturalHeight, for every picture above, are the size picture.py reads."""
    import base64

    read = {}
    for name, (data, _, _) in SHOWN.items():
        (tmp_path / name).write_bytes(data)
        read[name] = picture_size(tmp_path / name)
    page = browser.new_page()
    try:
        measured = {}
        for name, (data, media_type, _) in SHOWN.items():
            source = f"data:{media_type};base64," + base64.b64encode(data).decode()
            measured[name] = tuple(page.evaluate("""(source) => new Promise((done) => {
                const picture = new Image();
                picture.onload = () => done([picture.naturalWidth, picture.naturalHeight]);
                picture.onerror = () => done([0, 0]);
                picture.src = source;
            })""", source))
    finally:
        page.close()

    assert measured == read
