"""Occlusion cards: masks over a picture, written as Anki's own Image Occlusion note type."""

from __future__ import annotations

import json
import re
from pathlib import Path

import anki.collection  # noqa: F401  (first: anki.scheduler cannot be imported before it)
import pytest
from anki.scheduler.v3 import CardAnswer
from anki_client import answer_card, import_package, rendered_problems, scheduling_of, strip_style
from conftest import make_project
from occlusion_fixture import THREE_MASKS, add_occlusion_card

# What Anki's mask editor writes for THREE_MASKS over a 400 x 300 picture (ts/routes/image-occlusion/
# shapes/to-cloze.ts): fractions of the width (x) and height (y); an ellipse by its bounding box's
# corner and radii; a group as several shapes under one number; "hide all, guess one" as oi=1.
ANKI_EDITOR_OCCLUSIONS = (
    "{{c1::image-occlusion:rect:left=.1:top=.2:width=.2:height=.2:oi=1}}<br>"
    "{{c2::image-occlusion:ellipse:left=.65:top=.2:rx=.1:ry=.1:oi=1}}<br>"
    "{{c3::image-occlusion:rect:left=.25:top=.6667:width=.125:height=.1667:oi=1}}<br>"
    "{{c3::image-occlusion:polygon:left=.5:top=.6667:points=.5,.6667 .7,.7 .6,.9333:oi=1}}<br>"
)


def _shapes(collection, note_id) -> list:
    """The masks as Anki's own parser reads them back: (ordinal, shape, properties as numbers)."""
    parsed = collection.get_image_occlusion_note(note_id).note
    found = []
    for occlusion in parsed.occlusions:
        for shape in occlusion.shapes:
            properties = {p.name: [[round(float(n), 4) for n in point.split(",")] for point in p.value.split()]
                          for p in shape.properties}
            found.append((occlusion.ordinal, shape.shape, properties))
    return sorted(found, key=repr), parsed.occlude_inactive


def _imported(tmp_path, run_cli, student, card_file: str = THREE_MASKS):
    """The one note a fixture project with `card_file` gives a student, once built and imported."""
    project = make_project(tmp_path / "project")
    add_occlusion_card(project, card_file)
    result = run_cli("build", "--output", str(tmp_path / "out"), cwd=project)
    assert result.exit_code == 0, result.stderr
    log = import_package(student, tmp_path / "out" / "test-1.0.0.apkg")
    assert (len(log.new), len(log.conflicting)) == (1, 0)
    [note_id] = student.find_notes("")
    return student.get_note(note_id)


def test_an_occlusion_card_imports_as_ankis_image_occlusion_note_type(tmp_path, run_cli, student):
    note = _imported(tmp_path, run_cli, student)

    note_id = note.id
    note_type = note.note_type()
    assert note_type["originalStockKind"] == 6 and note_type["type"] == 1
    assert [field["name"] for field in note_type["flds"]] == ["Occlusion", "Image", "Header", "Back Extra", "Comments"]
    assert len(note.card_ids()) == 3
    assert note["Occlusion"] == ANKI_EDITOR_OCCLUSIONS
    assert note["Image"].startswith('<img src="heart-') and note["Header"] == "Name the chamber"
    # What Anki itself makes of the same masks, added through its own image-occlusion call.
    picture = str(Path(student.media.dir()) / note["Image"].split('"')[1])
    anki_note_type = student.models.by_name("Image Occlusion")
    student.add_image_occlusion_note(notetype_id=anki_note_type["id"], image_path=picture,
                                     occlusions=ANKI_EDITOR_OCCLUSIONS, header="", back_extra="", tags=[])
    [anki_note_id] = [nid for nid in student.find_notes("") if nid != note_id]
    assert _shapes(student, note_id) == _shapes(student, anki_note_id)
    assert rendered_problems(student) == []


def test_the_back_of_each_card_names_the_mask_it_asks_and_the_front_none(tmp_path, run_cli, student):
    note = _imported(tmp_path, run_cli, student, THREE_MASKS.replace("label: Aorta", 'label: "Aorta {{c1::x}} <b>"'))

    sides = {}
    for card_id in note.card_ids():
        card = student.get_card(card_id)
        sides[card.ord] = [re.findall(r'<div class="occlusion-label">(.*?)</div>', strip_style(side))
                           for side in (card.question(), card.answer())]

    assert sides == {0: [[], ["Left atrium"]], 1: [[], ["Aorta &#123;&#123;c1&#58;&#58;x&#125;&#125; &lt;b&gt;"]],
                     2: [[], ["Ventricles"]]}
    # Anki's own image-occlusion code still reads the note, its masks under the same numbers.
    parsed = student.get_image_occlusion_note(note.id).note
    assert sorted({occlusion.ordinal for occlusion in parsed.occlusions}) == [1, 2, 3]
    assert rendered_problems(student) == []


def test_a_label_in_anki_syntax_plays_and_compiles_nothing(tmp_path, run_cli, student):
    """A label is text: Anki's [sound:…] and [latex] in it are shown, never played or compiled."""
    label = "[sound:heart.mp3] [latex]x[/latex]"
    note = _imported(tmp_path, run_cli, student, THREE_MASKS.replace("label: Aorta", f'label: "{label}"'))
    card = next(student.get_card(card_id) for card_id in note.card_ids() if student.get_card(card_id).ord == 1)

    answer = card.answer()

    assert "[sound:" not in note["Comments"] and "[latex]" not in note["Comments"]
    assert card.answer_av_tags() == []
    assert re.findall(r'<div class="occlusion-label">(.*?)</div>', strip_style(answer)) == [
        "&#91;sound&#58;heart.mp3&#93; &#91;latex&#93;x&#91;/latex&#93;"]


def test_hide_one_guess_one_leaves_the_other_masks_shown(tmp_path, run_cli, student):
    note = _imported(tmp_path, run_cli, student,
                     THREE_MASKS.replace("    masks:", "    mode: hide-one-guess-one\n    masks:"))

    assert note["Occlusion"] == ANKI_EDITOR_OCCLUSIONS.replace(":oi=1", "")
    assert _shapes(student, note.id)[1] is False


@pytest.mark.parametrize(("masks", "message"), [
    ("      - {id: a, label: A, circle: [1, 2, 3]}\n",
     "occlusion.yaml:9:27: unknown key 'circle' in mask 'a': a mask has id, label and one shape: rect, ellipse or "
     "polygon (or several under 'shapes')"),
    ("      - {id: a, label: A, rect: [1, 2, 3]}\n",
     "occlusion.yaml:9:33: 'rect' must be [x, y, width, height] in the picture's pixels: 4 numbers, got 3"),
    ("      - {id: a, label: A, rect: [1, 2, wide, 4]}\n",
     "occlusion.yaml:9:40: 'rect' must be [x, y, width, height] in the picture's pixels: numbers, got text 'wide'"),
    ("      - {id: a, label: A, ellipse: [1, 2, 0, 4]}\n",
     "occlusion.yaml:9:36: 'ellipse' has a radius x of 0: a mask's radius x and radius y must be more than 0"),
    ("      - {id: a, label: A, rect: [1, 2, 3, -4]}\n",
     "occlusion.yaml:9:33: 'rect' has a height of -4: a mask's width and height must be more than 0"),
    ("      - {id: a, label: A, polygon: [[1, 2], [3, 4]]}\n",
     "occlusion.yaml:9:36: 'polygon' must be [[x, y], [x, y], [x, y], ...] in the picture's pixels: at least 3 "
     "points, got 2 points"),
    ("      - {label: A, rect: [1, 2, 3, 4]}\n",
     "occlusion.yaml:9:9: a mask has no 'id': add 'id:' (a stable name, which lets deckgen tell a moved mask from a "
     "reordered one)"),
    ("      - {id: a, label: A, rect: [1, 2, 3, 4]}\n      - {id: a, label: B, rect: [5, 6, 7, 8]}\n",
     "occlusion.yaml:10:14: duplicate mask id 'a' (first used at cards/occlusion.yaml:9:14): give each mask its own "
     "id"),
    ("      - {id: a, rect: [1, 2, 3, 4]}\n",
     "occlusion.yaml:9:9: mask 'a' has no 'label': add 'label:' (what the mask hides, in the student's words)"),
    ("      - {id: a, label: A, rect: [1, 2, 3, 4], ellipse: [1, 2, 3, 4]}\n",
     "occlusion.yaml:9:56: mask 'a' has both 'rect' and 'ellipse': give one shape, or list several under 'shapes:'"),
    ("      - {id: a, label: , rect: [1, 2, 3, 4]}\n",
     "occlusion.yaml:9:24: the mask's 'label' is empty: write it"),
    ("      - {id: a, label: A, shapes: [{circle: [1, 2, 3]}]}\n",
     "occlusion.yaml:9:37: unknown shape 'circle': use rect, ellipse or polygon"),
])
def test_each_mistake_in_a_mask_is_said_where_it_stands(tmp_path, run_cli, masks, message):
    project = make_project(tmp_path / "project")
    header = THREE_MASKS[:THREE_MASKS.index("    masks:")]
    add_occlusion_card(project, header + "    masks:\n" + masks)

    result = run_cli("check", cwd=project)

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"cards/{message}", result.stderr


@pytest.mark.parametrize(("change", "message"), [
    (("header: Name the chamber", "header:"),
     "occlusion.yaml:6:12: 'header' is empty: write the header, or remove the line"),
    (("image: heart.png", "image: lungs.png"),
     "occlusion.yaml:5:12: media file 'lungs.png' not found in cards/media/: add the file or fix the name"),
    (("image: heart.png", "image: heart.mp3"),
     "occlusion.yaml:5:12: 'image' must be a picture (.png, .jpg, .jpeg, .gif, .webp), got 'heart.mp3'"),
    (("    masks:", "    mode: hide-all\n    masks:"),
     "occlusion.yaml:8:11: unknown mode 'hide-all' (did you mean 'hide-all-guess-one'?): use hide-all-guess-one or "
     "hide-one-guess-one"),
])
def test_a_missing_picture_and_an_unknown_mode_are_said_where_they_stand(tmp_path, run_cli, change, message):
    project = make_project(tmp_path / "project")
    add_occlusion_card(project, THREE_MASKS.replace(*change))

    result = run_cli("check", cwd=project)

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"cards/{message}", result.stderr


def test_a_file_named_as_a_picture_that_is_none_is_refused(tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    add_occlusion_card(project, picture=b"<script>alert(1)</script>")

    result = run_cli("check", cwd=project)

    assert result.stderr.splitlines()[0] == ("cards/occlusion.yaml:5:12: media file 'heart.png' is not a PNG image, "
                                             "whatever its name says: save it again in that format")


def test_a_picture_saved_under_another_pictures_name_is_told_its_right_name(tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    jpeg = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffc0000b08012c019001011100ffd9")
    add_occlusion_card(project, picture=jpeg)

    result = run_cli("check", cwd=project)

    assert result.stderr.splitlines()[0] == ("cards/occlusion.yaml:5:12: media file 'heart.png' is not a PNG image, "
                                             "whatever its name says: it is a JPEG image: rename it to heart.jpg, "
                                             "and the card's image: with it")

def _asked(collection, card_id) -> str:
    """The mask a card asks, as Anki renders it: the element of class "cloze" (the others are inactive)."""
    question = collection.get_card(card_id).question()
    return re.search(r'<div class="cloze" [^>]*>', question).group()


def _released(run_cli, project, version: str, epoch: int):
    return run_cli("release", version, cwd=project, env={"SOURCE_DATE_EPOCH": str(epoch)})


def _first_release(tmp_path, run_cli, student=None):
    """A fixture project with the three-mask card released as 1.0.0 (and imported, given a student);
    its card file, and the note's id in the student's collection."""
    project = make_project(tmp_path / "project")
    card_file = add_occlusion_card(project)
    assert _released(run_cli, project, "1.0.0", 1764000000).exit_code == 0
    if student is None:
        return project, card_file, None
    import_package(student, project / "build" / "test-1.0.0.apkg")
    [note_id] = student.find_notes("")
    return project, card_file, note_id


def test_moving_one_mask_changes_its_card_alone_and_keeps_every_review(tmp_path, run_cli, student):
    project, card_file, note_id = _first_release(tmp_path, run_cli, student)
    card_ids = sorted(student.get_note(note_id).card_ids(), key=lambda card_id: student.get_card(card_id).ord)
    for card_id in card_ids:
        answer_card(student, card_id, CardAnswer.GOOD)
    reviews = [scheduling_of(student, card_id) for card_id in card_ids]
    asked = [_asked(student, card_id) for card_id in card_ids]

    card_file.write_text(THREE_MASKS.replace("rect: [40, 60, 80, 60]", "rect: [48, 60, 80, 60]"))
    assert _released(run_cli, project, "1.0.1", 1764000600).exit_code == 0
    log = import_package(student, project / "build" / "test-1.0.1.apkg")

    assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 1, 0)
    assert [scheduling_of(student, card_id) for card_id in card_ids] == reviews
    now = [_asked(student, card_id) for card_id in card_ids]
    assert now[1:] == asked[1:] and now[0] != asked[0]
    assert 'data-left=".12"' in now[0]


def test_students_of_a_release_without_labels_get_them_in_place_reviews_kept(tmp_path, run_cli, student,
                                                                           monkeypatch):
    """A release before labels were shown: the back without its label, Comments empty. The next
    release changes the note type's back template, not its fields or templates: no guard refuses it,
    and students' Anki updates the note type in place (no "+" copy) and every note, reviews kept."""
    from deckgen.render import notes, occlusion
    from deckgen.text import cloze

    with monkeypatch.context() as before_labels:
        label_free = occlusion.BACK.replace('<div class="occlusion-label">{{cloze-only:Comments}}</div>\n', "")
        before_labels.setitem(occlusion.STOCK_NOTE_TYPES, 6, ((occlusion.FRONT, label_free), occlusion.CSS))
        before_labels.setattr(notes, "mask_labels", lambda masks: cloze.ClozeText(()))
        project, _, note_id = _first_release(tmp_path, run_cli, student)
    assert student.get_note(note_id)["Comments"] == ""
    card_ids = sorted(student.get_note(note_id).card_ids())
    for card_id in card_ids:
        answer_card(student, card_id, CardAnswer.GOOD)
    reviews = [scheduling_of(student, card_id) for card_id in card_ids]
    note_type_id = student.get_note(note_id).note_type()["id"]

    assert _released(run_cli, project, "1.0.1", 1764000600).exit_code == 0
    log = import_package(student, project / "build" / "test-1.0.1.apkg")
    student.close()
    student.reopen()  # the library caches note types

    assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 1, 0)
    note = student.get_note(note_id)
    assert note.note_type()["id"] == note_type_id and "cloze-only:Comments" in note.note_type()["tmpls"][0]["afmt"]
    assert [m["name"] for m in student.models.all() if "occlusion" in m["name"]] == ["Test occlusion (deckgen)"]
    assert [scheduling_of(student, card_id) for card_id in card_ids] == reviews
    assert [re.findall(r'<div class="occlusion-label">(.*?)</div>', student.get_card(card_id).answer())
            for card_id in card_ids] == [["Left atrium"], ["Aorta"], ["Ventricles"]]


def _swapped_first_two(card_file: str) -> str:
    lines = card_file.splitlines(keepends=True)
    first = lines.index(next(line for line in lines if "left-atrium" in line))
    lines[first], lines[first + 1] = lines[first + 1], lines[first]
    return "".join(lines)


@pytest.mark.parametrize(("edit", "where", "moved"), [
    (_swapped_first_two, "9:14", "mask 1 was 'left-atrium', now 'aorta'; mask 2 was 'aorta', now 'left-atrium'"),
    (lambda card_file: card_file[:card_file.index("      - id: ventricles")], "10:14", "mask 3 'ventricles' is gone"),
])
def test_reordered_or_removed_masks_are_refused_at_the_mask_naming_the_masks(tmp_path, run_cli, edit, where, moved):
    """Said at the mask now at the first number that changed (or the last one left), in masks, not c1."""
    project, card_file, _ = _first_release(tmp_path, run_cli)
    card_file.write_text(edit(THREE_MASKS))

    result = _released(run_cli, project, "1.0.1", 1764000600)

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"cards/occlusion.yaml:{where}: occlusion card 'heart-chambers' had masks removed or reordered ({moved}): "
        "students' reviews belong to a mask's number, its place in the list, so they would move to other masks. "
        "Only add masks at the end, or edit a mask in place (its shape, label or id); to withdraw a released mask, "
        "mark the card 'retired: true' and make a new card, with a new id, of the masks to keep; to release it "
        "anyway, run with --allow-renumbering")


def test_a_mask_added_at_the_end_is_a_new_card(tmp_path, run_cli, student):
    project, card_file, note_id = _first_release(tmp_path, run_cli, student)
    before = set(student.get_note(note_id).card_ids())

    card_file.write_text(THREE_MASKS + "      - {id: valve, label: Mitral valve, ellipse: [200, 100, 20, 10]}\n")
    assert _released(run_cli, project, "1.1.0", 1764000600).exit_code == 0
    import_package(student, project / "build" / "test-1.1.0.apkg")

    after = set(student.get_note(note_id).card_ids())
    assert before < after and len(after) == 4
    [new] = after - before
    assert student.get_card(new).ord == 3


def test_the_template_policy_lets_through_the_image_occlusion_setup_and_nothing_else():
    from deckgen.render.occlusion import BACK, FRONT
    from deckgen.render.templatepolicy import IMAGE_OCCLUSION_SETUP, runs_script, template_findings

    assert template_findings(FRONT, image_occlusion=True) == [] and template_findings(BACK, image_occlusion=True) == []
    assert not runs_script(BACK)
    for changed in (IMAGE_OCCLUSION_SETUP.replace("setup()", "setup(); fetch('https://example.org')"),
                    IMAGE_OCCLUSION_SETUP + " ", ""):
        findings = template_findings(BACK.replace(IMAGE_OCCLUSION_SETUP, changed), image_occlusion=True)
        assert [finding.message for finding in findings] == [
            "<script>: a script runs in every student's Anki; remove it"]
    assert [finding.message for finding in template_findings('<canvas id="other">', image_occlusion=True)] == [
        '<canvas id="other">: <canvas> is not an element card templates may use; remove it']


def test_a_projects_own_template_may_not_hold_the_image_occlusion_setup(tmp_path, run_cli):
    """The setup call, its canvas and its button belong to Anki's Image Occlusion note type alone:
    in a cloze template they would run Anki's code on masks a card's text writes."""
    from deckgen.render.templatepolicy import IMAGE_OCCLUSION_SETUP

    project = make_project(tmp_path / "project")
    front = project / "templates" / "cloze.front.html"
    front.write_text(front.read_text() + '<canvas id="image-occlusion-canvas"></canvas><script>'
                     + IMAGE_OCCLUSION_SETUP + "</script>\n")

    result = run_cli("check", cwd=project)

    assert result.exit_code == 1
    assert "<canvas> is not an element card templates may use" in result.stderr
    assert "<script>: a script runs in every student's Anki; remove it" in result.stderr


def test_a_picture_over_the_media_size_limit_is_refused_by_check_and_lint(tmp_path, run_cli):
    from deckgen.text.media import MAX_MEDIA_BYTES

    project = make_project(tmp_path / "project")
    add_occlusion_card(project)
    with (project / "cards" / "media" / "heart.png").open("r+b") as picture:
        picture.truncate(MAX_MEDIA_BYTES + 1)  # sparse: no 20 MB written

    for command in ("check", "lint"):
        result = run_cli(command, cwd=project)
        assert result.exit_code == 1
        assert result.stderr.splitlines()[0] == (
            "cards/occlusion.yaml:5:12: media file 'heart.png' has 20,000,001 bytes; the limit is 20,000,000: "
            "make it smaller")


def test_lint_finds_masks_outside_the_picture_and_labels_used_twice(tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    add_occlusion_card(project, THREE_MASKS.replace("label: Aorta, ellipse: [300, 90, 40, 30]",
                                                    "label: left atrium, ellipse: [370, -5, 40, 30]")
                       .replace("[240, 280]", "[240, 301]") + "    source: weissman2017\n")

    result = run_cli("lint", cwd=project)

    assert result.stdout.splitlines()[:-1] == [
        "cards/occlusion.yaml:10:14: error L016 duplicate-mask-label: masks 'left-atrium' and 'aorta' have the same "
        "label 'left atrium': a student cannot tell which one a card asks; give each its own label, or make them "
        "one mask with 'shapes:'",
        "cards/occlusion.yaml:10:50: error L015 mask-outside-picture: mask 'aorta' reaches outside the picture "
        "(400 x 300 pixels; its ellipse spans x 330 to 410, y -35 to 25): Anki does not draw it there; move it "
        "inside the picture",
        "cards/occlusion.yaml:13:56: error L015 mask-outside-picture: mask 'ventricles' reaches outside the picture "
        "(400 x 300 pixels; its polygon spans x 200 to 280, y 200 to 301): Anki does not draw it there; move it "
        "inside the picture",
    ]


def test_a_mask_wholly_outside_the_picture_is_a_check_error_at_the_mask(tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    add_occlusion_card(project, THREE_MASKS.replace("ellipse: [300, 90, 40, 30]", "ellipse: [460, 90, 40, 30]")
                       .replace("[{rect: [100, 200, 50, 50]}, {polygon: [[200, 200], [280, 210], [240, 280]]}]",
                                "[{rect: [100, 300, 50, 50]}, {polygon: [[200, 320], [280, 330], [240, 380]]}]"))

    result = run_cli("check", "--strict", cwd=project)

    assert result.exit_code == 1
    assert result.stderr.splitlines()[:2] == [
        "cards/occlusion.yaml:10:9: mask 'aorta' lies wholly outside the picture (400 x 300 pixels; the mask spans "
        "x 420 to 500, y 60 to 120): its card would hide nothing; give it coordinates inside the picture, x 0 to 400 "
        "and y 0 to 300, in the picture's own pixels",
        "cards/occlusion.yaml:11:9: mask 'ventricles' lies wholly outside the picture (400 x 300 pixels; the mask "
        "spans x 100 to 280, y 300 to 380): its card would hide nothing; give it coordinates inside the picture, x 0 "
        "to 400 and y 0 to 300, in the picture's own pixels",
    ]


def test_a_mask_wholly_outside_is_said_at_its_spreadsheet_cell(tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    add_occlusion_card(project).unlink()
    (project / "cards" / "occlusion.csv").write_text(
        'id,kind,subdeck,image,masks\nheart,occlusion,first,heart.png,"{id: a, label: A, rect: [1, 2, 3, 4]}\n'
        '{id: b, label: B, rect: [1, 400, 3, 4]}"\n')

    result = run_cli("check", cwd=project)

    assert result.stderr.splitlines()[:-1] == [
        "cards/occlusion.csv:2:5: in column E ('masks'), mask 'b' lies wholly outside the picture (400 x 300 "
        "pixels; the mask spans x 1 to 4, y 400 to 404): its card would hide nothing; give it coordinates inside "
        "the picture, x 0 to 400 and y 0 to 300, in the picture's own pixels",
    ]


# Where to look on the canvas, as fractions of the picture: inside the first mask (left atrium), inside
# the second (aorta), and a corner no mask covers.
FIRST_MASK, SECOND_MASK, NO_MASK = (0.2, 0.3), (0.75, 0.3), (0.02, 0.02)
ACTIVE, INACTIVE = (255, 142, 142), (255, 235, 162)  # the note type's --active/--inactive-shape-color
# Waits for Anki's image-occlusion code to size the canvas to the picture and draw, then reads the
# colour at each point (the canvas may be scaled to the screen: points are fractions of its size).
CANVAS_PROBE = """(async () => {
  const points = %s;
  for (let waited = 0; waited < 4000; waited += 50) {
    const canvas = document.getElementById("image-occlusion-canvas");
    if (canvas && canvas.width > 0 && canvas.height > 0) {
      await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
      const context = canvas.getContext("2d");
      // Each point's colour, then the label the student reads (innerText: only what is shown).
      const label = document.querySelector(".occlusion-label");
      return [...points.map(([x, y]) => Array.from(
        context.getImageData(Math.floor(x * canvas.width), Math.floor(y * canvas.height), 1, 1).data)),
        label ? label.innerText : null];
    }
    await new Promise((done) => setTimeout(done, 50));
  }
  return document.getElementById("err") ? document.getElementById("err").textContent || "no canvas" : "no canvas";
})()""" % [list(FIRST_MASK), list(SECOND_MASK), list(NO_MASK)]


@pytest.mark.slow
def test_ankis_reviewer_draws_the_masks_and_reveals_the_one_asked(tmp_path, run_cli, student):
    pytest.importorskip("playwright", reason="the browser tests need the playwright package")
    import reviewer
    from test_reviewer import CACHE

    reviewer.require_chromium()
    project = make_project(tmp_path / "project")
    add_occlusion_card(project)
    assert run_cli("build", "--output", str(tmp_path / "out"), cwd=project).exit_code == 0
    import_package(student, tmp_path / "out" / "test-1.0.0.apkg")
    cards = reviewer.cards_from_collection(student)

    with reviewer.ReviewerHarness(reviewer.fetch_reviewer_files(CACHE), media_dir=student.media.dir(),
                                  probe=CANVAS_PROBE, card_timeout=8) as harness:
        findings = harness.check_cards(cards, "hidden", student)

    asked_first = next(index for index, card in enumerate(cards) if card.ord == 0)
    front, back = (harness.probed[(asked_first, side, "hidden")] for side in ("question", "answer"))
    assert [tuple(pixel[:3]) for pixel in front[:2]] == [ACTIVE, INACTIVE] and front[2][3] == 0, front
    assert front[0][3] == front[1][3] == 255
    assert back[0][3] == 0 and tuple(back[1][:3]) == INACTIVE, back  # the asked mask revealed, the others hidden
    assert (front[3], back[3]) == (None, "Left atrium")  # the asked mask's label, on the back only
    # The one script that ran is the note type's call into Anki's own image-occlusion code.
    scripts = [finding for finding in findings if finding.kind == "script"]
    assert scripts and all("anki.imageOcclusion.setup()" in finding.data["source"] for finding in scripts)
    assert [str(finding) for finding in reviewer.serious(findings) if finding.kind != "script"] == []


def test_an_exported_spreadsheet_reads_back_as_the_same_occlusion_card(tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    card_file = add_occlusion_card(project)
    epoch = {"SOURCE_DATE_EPOCH": "1764000000"}
    assert run_cli("build", "--output", str(tmp_path / "yaml"), cwd=project, env=epoch).exit_code == 0
    assert run_cli("export", "csv", "--output", str(project / "cards" / "occlusion.csv"), cwd=project).exit_code == 0
    card_file.unlink()

    assert run_cli("build", "--output", str(tmp_path / "csv"), cwd=project, env=epoch).exit_code == 0

    table = (project / "cards" / "occlusion.csv").read_text()
    assert '{id: ventricles, label: ""Ventricles"", shapes: [{rect: [100, 200, 50, 50]}, {polygon: [[200, 200], ' \
           '[280, 210], [240, 280]]}]}' in table
    assert (tmp_path / "yaml" / "test-1.0.0.apkg").read_bytes() == (tmp_path / "csv" / "test-1.0.0.apkg").read_bytes()


def test_a_mistake_in_a_spreadsheets_masks_is_said_at_its_cell(tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    add_occlusion_card(project).unlink()
    (project / "cards" / "occlusion.csv").write_text(
        'id,kind,subdeck,image,masks\nheart,occlusion,first,heart.png,"{id: a, label: A, rect: [1, 2, 3]}"\n')

    result = run_cli("check", cwd=project)

    assert result.stderr.splitlines()[0] == (
        "cards/occlusion.csv:2:5: in column E ('masks'), 'rect' must be [x, y, width, height] in the picture's "
        "pixels: 4 numbers, got 3")


def test_a_retired_occlusion_card_says_so_above_its_picture(tmp_path, run_cli, student):
    note = _imported(tmp_path, run_cli, student, THREE_MASKS.replace("    masks:", "    retired: true\n    masks:"))

    assert note["Header"].startswith('<div class="deckgen-retired">') and note["Header"].endswith("Name the chamber")
    assert note["Occlusion"] == ANKI_EDITOR_OCCLUSIONS
    question = student.get_card(note.card_ids()[0]).question()
    assert question.index("deckgen-retired") < question.index('<div style="display: none">')


@pytest.mark.parametrize("masks", [
    [{"id": "a", "label": "A", "circle": [1, 2, 3]}],
    [{"id": "a", "label": "A", "rect": [1, 2, 3]}],
    [{"id": "a", "label": "A", "rect": [1, 2, 3, 4], "ellipse": [1, 2, 3, 4]}],
    [{"label": "A", "rect": [1, 2, 3, 4]}],
    [{"id": "a", "label": "A", "polygon": [[1, 2], [3, 4]]}],
    [{"id": "a", "label": "A", "shapes": [{"circle": [1, 2, 3]}]}],
    [],
])
def test_the_schema_refuses_masks_check_refuses_and_takes_the_example(tmp_path, run_cli, masks):
    import jsonschema
    import yaml

    project = make_project(tmp_path / "project")
    add_occlusion_card(project)
    result = run_cli("schema", cwd=project)
    validator = jsonschema.Draft202012Validator(json.loads(result.stdout))
    card_file = yaml.safe_load(THREE_MASKS)
    assert list(validator.iter_errors(card_file)) == []

    card_file["cards"][0]["masks"] = masks
    assert list(validator.iter_errors(card_file)) != []


def test_a_picture_linked_to_a_file_of_a_hostile_name_reaches_anki_as_a_plain_name(tmp_path, run_cli, student):
    """A link's target has a name no check reads (git keeps links, so a pull request can hold one):
    the packaged name keeps only letters and digits of its suffix, and the field escapes it."""
    project = make_project(tmp_path / "project")
    add_occlusion_card(project)
    media = project / "cards" / "media"
    (media / 'pic.x" onerror="alert(1)').write_bytes((media / "heart.png").read_bytes())
    (media / "heart.png").unlink()
    (media / "heart.png").symlink_to('pic.x" onerror="alert(1)')

    assert run_cli("build", "--output", str(tmp_path / "out"), cwd=project).exit_code == 0
    import_package(student, tmp_path / "out" / "test-1.0.0.apkg")
    [note_id] = student.find_notes("")
    image = student.get_note(note_id)["Image"]

    assert re.fullmatch(r'<img src="pic-[0-9a-f]{16}\.xonerroral">', image), image
