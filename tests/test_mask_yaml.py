"""The mask editor's YAML (preview/maskyaml.py) and what it edits (preview/maskedit.py), without a
browser: the printed `masks:` block reads back, with PyYAML and with deckgen's own loader, as exactly
the masks drawn; a card's masks become the editor's, whatever objects hold them."""

from __future__ import annotations

import pytest
import yaml

from deckgen.errors import Location
from deckgen.preview.maskedit import EditorMask, EditorShape, editable_occlusion, masks_from_json
from deckgen.preview.maskyaml import masks_yaml, yaml_text
from deckgen.source.deck import Card
from deckgen.source.load import Mapping, Scalar, Sequence, read_yaml
from deckgen.source.masks import Mask, Picture, Shape

HEART = (
    EditorMask("left-atrium", "Left atrium", (EditorShape("rect", (120, 40, 80, 60)),)),
    EditorMask("aorta", "Aorta", (EditorShape("ellipse", (300, 90, 40, 25)),)),
    EditorMask("valve", "Mitral valve", (EditorShape("polygon", (10, 10, 60, 20, 30, 70)),)),
    EditorMask("ventricles", "Ventricles", (EditorShape("rect", (100, 200, 50, 50)),
                                            EditorShape("rect", (180, 200, 50, 50)))),
)


def test_the_masks_are_printed_in_the_shape_of_the_card_file():
    assert masks_yaml(HEART, indent=4) == (
        "    masks:\n"
        "      - {id: left-atrium, label: Left atrium, rect: [120, 40, 80, 60]}\n"
        "      - {id: aorta, label: Aorta, ellipse: [300, 90, 40, 25]}\n"
        "      - {id: valve, label: Mitral valve, polygon: [[10, 10], [60, 20], [30, 70]]}\n"
        "      - id: ventricles\n"
        "        label: Ventricles\n"
        "        shapes: [{rect: [100, 200, 50, 50]}, {rect: [180, 200, 50, 50]}]\n"
    )


def test_the_block_parses_back_as_the_masks_drawn():
    assert yaml.safe_load(masks_yaml(HEART)) == {"masks": [
        {"id": "left-atrium", "label": "Left atrium", "rect": [120, 40, 80, 60]},
        {"id": "aorta", "label": "Aorta", "ellipse": [300, 90, 40, 25]},
        {"id": "valve", "label": "Mitral valve", "polygon": [[10, 10], [60, 20], [30, 70]]},
        {"id": "ventricles", "label": "Ventricles",
         "shapes": [{"rect": [100, 200, 50, 50]}, {"rect": [180, 200, 50, 50]}]},
    ]}


def test_numbers_are_whole_pixels_rounded_half_away_from_zero():
    mask = EditorMask("m", "M", (EditorShape("ellipse", (10.5, 11.49, 2.5, 0.5)),))

    assert yaml.safe_load(masks_yaml([mask]))["masks"][0]["ellipse"] == [11, 11, 3, 1]


def test_pasted_under_a_cards_id_the_block_belongs_to_that_card():
    card = "cards:\n  - id: heart\n    kind: occlusion\n    image: heart.png\n" + masks_yaml(HEART[:2], indent=4)

    assert yaml.safe_load(card)["cards"][0]["masks"][1] == {
        "id": "aorta", "label": "Aorta", "ellipse": [300, 90, 40, 25]}


LABELS = ["Left: atrium", "yes", "No", "on", "y", "null", "~", "true", "1990", "3.5", "-1", ".inf", "", " padded",
          "trailing ", "#hash", "a # comment", "[list]", "{map}", "a, b", "*alias", "&anchor", "!tag", "'quoted'",
          '"double"', "%directive", "@at", "`tick`", "|", ">", "? key", "- item", "tab\there", "new\nline",
          "back\\slash", "émigré's ventricle", "日本語", "line\u2028separator", "nel\x85", "\ufeffbom",
          "<script>x</script>",
          "O'Brien (left)", "2024-01-01", "0x1F", "a: b: c", "key:value", "ends with:",
          "Ao\x7frta", "c1\x9fcontrol", "not\ufffea character", "bell\x07"]  # escaped: YAML refuses them raw


@pytest.mark.parametrize("label", LABELS)
def test_every_label_reads_back_as_itself(label, tmp_path):
    block = masks_yaml([EditorMask(label or "x", label, (EditorShape("rect", (1, 2, 3, 4)),))])
    path = tmp_path / "masks.yaml"
    path.write_text(block, encoding="utf-8")

    read = read_yaml(path, "masks.yaml")  # deckgen's own loader, which keeps the text as typed
    assert yaml.safe_load(block)["masks"][0]["label"] == label
    assert isinstance(read, Mapping) and isinstance(masks := read.get("masks"), Sequence)
    assert isinstance(mask := masks.items[0], Mapping) and isinstance(text := mask.get("label"), Scalar)
    assert (text.kind, text.text) == ("text", label)
    assert "\n" not in block.split("\n", 1)[1].rstrip("\n")  # one line a mask


def test_plain_text_stays_unquoted():
    assert [yaml_text(text) for text in ("Left atrium", "left-atrium", "O'Brien (left)", "émigré")] == [
        "Left atrium", "left-atrium", "O'Brien (left)", "émigré"]
    assert yaml_text("Left: atrium") == '"Left: atrium"' and yaml_text("yes") == '"yes"'


def test_no_masks_is_an_empty_list():
    assert yaml.safe_load(masks_yaml([])) == {"masks": []}


def _card(card_id: str, values: tuple, location: Location) -> Card:
    return Card(card_id, "occlusion", "first", location, values=values)


def test_an_occlusion_cards_masks_become_the_editors(tmp_path):
    masks = (Mask("aorta", "Aorta", (Shape("ellipse", (300, 90, 40, 25)),)),
             Mask("valve", "Mitral valve", (Shape("polygon", (10, 10, 60, 20, 30, 70)),)))
    picture = Picture("heart.png", tmp_path / "media" / "heart.png", 400, 300, Location("cards/heart.yaml", 13, 12))
    card = _card("heart", (("image", picture), ("masks", masks)), Location("cards/heart.yaml", 12, 9))  # its id's value

    editor = editable_occlusion(card)

    assert editor is not None
    assert editor.card_id == "heart" and editor.image == tmp_path / "media" / "heart.png"
    assert editor.masks == (EditorMask("aorta", "Aorta", (EditorShape("ellipse", (300, 90, 40, 25)),)),
                            EditorMask("valve", "Mitral valve", (EditorShape("polygon", (10, 10, 60, 20, 30, 70)),)))
    assert editor.indent == 4 and editor.location == "cards/heart.yaml:12"


def test_the_cards_own_picture_is_the_one_edited_and_a_card_without_masks_has_no_editor(tmp_path):
    picture = Picture("heart.png", tmp_path / "elsewhere.png", 400, 300, Location("cards/a.yaml", 4, 12))
    listed = _card("heart", (("image", picture), ("masks", ())), Location("cards/a.yaml", 3, 11))
    basic = Card("plain", "basic", "first", Location("cards/a.yaml", 9, 5))

    assert editable_occlusion(listed).image == tmp_path / "elsewhere.png"
    assert editable_occlusion(listed).indent == 6
    assert editable_occlusion(basic) is None


def test_the_pages_masks_are_read_back_and_anything_else_refused():
    sent = [{"id": "a", "label": "A", "shapes": [{"kind": "polygon", "coordinates": [0, 0, 5, 0, 5, 5]}]}]

    assert masks_from_json(sent) == (EditorMask("a", "A", (EditorShape("polygon", (0, 0, 5, 0, 5, 5)),)),)
    for wrong, message in [
        ({"masks": []}, "the masks are not a list"),
        ([{"id": "a", "label": "A", "shapes": []}], "a mask has no shapes"),
        ([{"id": 1, "label": "A", "shapes": [{"kind": "rect", "coordinates": [0, 0, 1, 1]}]}],
         "a mask's id is not text"),
        ([{"id": "a", "label": "A", "shapes": [{"kind": "circle", "coordinates": [0, 0, 1]}]}],
         "a shape is not a rect, an ellipse or a polygon"),
        ([{"id": "a", "label": "A", "shapes": [{"kind": "rect", "coordinates": [0, 0, 1]}]}],
         "a rect has 3 coordinates"),
        ([{"id": "a", "label": "A", "shapes": [{"kind": "polygon", "coordinates": [0, 0, 1, 1]}]}],
         "a polygon has 4 coordinates"),
        ([{"id": "a", "label": "A", "shapes": [{"kind": "rect", "coordinates": [0, 0, True, 1]}]}],
         "a shape's coordinates are not numbers"),
        ([{"id": "a", "label": "\ud800", "shapes": [{"kind": "rect", "coordinates": [0, 0, 1, 1]}]}],
         "a mask's label is not valid text"),
    ]:
        with pytest.raises(ValueError) as raised:
            masks_from_json(wrong)
        assert str(raised.value) == message
