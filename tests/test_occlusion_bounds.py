"""Masks placed where students see them, and bounded (issue 23): a phone photo turned by its EXIF
Orientation gets masks in the picture as shown; a coordinate beyond ±100,000 pixels and a picture
over 32,767 pixels a side are refused where they are written; no fraction written is inf or huge."""

from __future__ import annotations

import re
import sqlite3
import zipfile

import anki.collection  # noqa: F401  (first: anki.scheduler cannot be imported before it)
import pytest
from anki_client import import_package
from conftest import FIXTURES, make_project
from occlusion_fixture import THREE_MASKS, add_occlusion_card, png

HEADER = THREE_MASKS[:THREE_MASKS.index("    masks:")] + "    masks:\n"


def _check(tmp_path, run_cli, masks: str, picture: bytes | None = None):
    project = make_project(tmp_path / "project")
    add_occlusion_card(project, HEADER + masks, picture)
    return run_cli("check", cwd=project)


@pytest.mark.parametrize(("masks", "message"), [
    ("      - {id: a, label: A, ellipse: [-1.7e+308, 10, 1.7e+308, 5]}\n",
     "occlusion.yaml:9:37: 'ellipse' must be [centre x, centre y, radius x, radius y] in the picture's pixels: "
     "-1.7e+308 is more than 100000 pixels from the picture's corner (a picture is at most 32767 a side)"),
    ("      - {id: a, label: A, rect: [1.0e+300, 0, 10, 10]}\n",
     "occlusion.yaml:9:34: 'rect' must be [x, y, width, height] in the picture's pixels: 1e+300 is more than "
     "100000 pixels from the picture's corner (a picture is at most 32767 a side)"),
    ("      - {id: a, label: A, rect: [0, 0, 100001, 10]}\n",
     "occlusion.yaml:9:40: 'rect' must be [x, y, width, height] in the picture's pixels: 100001 is more than "
     "100000 pixels from the picture's corner (a picture is at most 32767 a side)"),
    ("      - {id: a, label: A, polygon: [[0, 0], [5, -2.5e+5], [9, 9]]}\n",
     "occlusion.yaml:9:49: 'polygon' must be [[x, y], [x, y], [x, y], ...] in the picture's pixels: -250000 is "
     "more than 100000 pixels from the picture's corner (a picture is at most 32767 a side)"),
    ("      - id: a\n        label: A\n        shapes: [{rect: [1, 2, 3, 4]}, {ellipse: [5, 6, 7, 1.0e+200]}]\n",
     "occlusion.yaml:11:60: 'ellipse' must be [centre x, centre y, radius x, radius y] in the picture's pixels: "
     "1e+200 is more than 100000 pixels from the picture's corner (a picture is at most 32767 a side)"),
], ids=["ellipse-overflowing", "rect-1e300", "just-over-the-bound", "polygon-point", "shape-of-a-group"])
def test_a_coordinate_far_beyond_any_picture_is_refused_at_the_number(tmp_path, run_cli, masks, message):
    result = _check(tmp_path, run_cli, masks)

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"cards/{message}", result.stderr


@pytest.mark.parametrize(("width", "height"), [(32_768, 1), (1, 2**32 - 1)])
def test_a_picture_over_32767_pixels_a_side_is_refused_at_its_name(tmp_path, run_cli, width, height):
    picture = png(width, 1)
    if height > 1:  # said in the header only: 4 GB of rows is the attack, not the fixture
        picture = picture[:20] + height.to_bytes(4, "big") + picture[24:]
    result = _check(tmp_path, run_cli, "      - {id: a, label: A, rect: [0, 0, 1, 1]}\n", picture)

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"cards/occlusion.yaml:5:12: picture 'heart.png' is {width} x {height} pixels, more than browsers draw "
        "(32767 a side): save it smaller")


def test_masks_at_the_bounds_are_written_as_short_finite_fractions(tmp_path, run_cli):
    """The reviewer's reproduction at the largest values taken (each mask reaching into the picture, as
    check asks): every number Anki reads is finite."""
    project = make_project(tmp_path / "project")
    add_occlusion_card(project, HEADER + "      - {id: a, label: A, ellipse: [-99990, 10, 100000, 5]}\n"
                                         "      - {id: b, label: B, rect: [-99990, -99990, 100000, 100000]}\n"
                                         "      - {id: c, label: C, polygon: [[-100000, 100000], [0, 0], [1, 1]]}\n")
    result = run_cli("build", "--output", str(tmp_path / "out"), cwd=project)
    assert result.exit_code == 0, result.stderr

    with zipfile.ZipFile(tmp_path / "out" / "test-1.0.0.apkg") as package:
        (tmp_path / "c.anki2").write_bytes(package.read("collection.anki2"))
    with sqlite3.connect(tmp_path / "c.anki2") as collection:
        [(fields,)] = collection.execute("select flds from notes").fetchall()
    occlusion = fields.split("\x1f")[0]
    numbers = re.findall(r"[-\d.]+(?:e[-+]?\d+)?|inf|nan", occlusion.replace("image-occlusion", ""))
    assert "inf" not in occlusion and "nan" not in occlusion
    assert max(len(number) for number in numbers) <= len("-500.0000"), occlusion


def test_a_fraction_not_finite_is_a_bug_not_a_field():
    from deckgen.render.occlusion import fraction

    for value in (float("inf"), float("-inf"), float("nan")):
        with pytest.raises(AssertionError):
            fraction(value)


def test_a_phone_photo_gets_its_masks_in_the_picture_as_shown(tmp_path, run_cli, student):
    """A 400 x 300 JPEG turned by EXIF (Orientation 6) is shown 300 x 400: a mask over its top-left
    quarter as shown is half its width and half its height, in the collection Anki imports."""
    project = make_project(tmp_path / "project")
    add_occlusion_card(project, HEADER.replace("image: heart.png", "image: photo.jpg")
                       + "      - {id: a, label: A, rect: [0, 0, 150, 200]}\n")
    (project / "cards" / "media" / "photo.jpg").write_bytes(
        (FIXTURES / "pictures" / "rotated-exif6-400x300.jpg").read_bytes())
    result = run_cli("build", "--output", str(tmp_path / "out"), cwd=project)
    assert result.exit_code == 0, result.stderr

    import_package(student, tmp_path / "out" / "test-1.0.0.apkg")
    [note_id] = student.find_notes("")
    assert student.get_note(note_id)["Occlusion"] == (
        "{{c1::image-occlusion:rect:left=0:top=0:width=.5:height=.5:oi=1}}<br>")
