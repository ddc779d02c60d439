"""The mask editor of an occlusion card, served by `deckgen preview --serve` at /masks/<card id>: the
card's picture with its masks drawn over it, to draw, move, resize, rename and delete, and the
card's `masks:` block printed for the educator to copy over the one in the card file.

It prints rather than writes the file: writing would drop the educator's comments and layout in
that block and could race with the editor they have the file open in (README, Preview). The page's
script (maskedit.js) keeps the masks; after each change it sends them to the server's YAML action,
answered by `masks_yaml` (maskyaml.py), so one writer, tested in Python, makes the block. The page
runs under the preview's policy: only its own script and style, by hash; the picture and the YAML
from the server itself; every id and label is text, in attributes escaped and in the page set as
text by the script.
"""

from __future__ import annotations

import html
import json
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from deckgen.preview.cards import PreviewContent
from deckgen.preview.maskedit import MaskEditor, editable_occlusion, masks_from_json
from deckgen.preview.maskyaml import masks_yaml
from deckgen.preview.page import asset, csp_hash
from deckgen.source.deck import Card

EDITOR_PATH = "masks/"  # + a card id: that card's editor; + "/picture": its picture
YAML_ACTION = "_masks.yaml"  # where the editor sends its masks, answered with their YAML
MAX_INDENT = 40


def editor_path(card_id: str) -> str:
    """The editor's path on the server, without the leading slash (as serve.Page's keys)."""
    return EDITOR_PATH + urllib.parse.quote(card_id, safe="")


def mask_editors(cards: Iterable[Card]) -> tuple[MaskEditor, ...]:
    """The editor of every card that has masks (an occlusion card)."""
    return tuple(editor for card in cards if (editor := editable_occlusion(card)) is not None)


@dataclass(frozen=True)
class EditorPages:
    """What the server serves for the editors: the pages and the pictures, by path."""

    documents: dict[str, str]
    media: dict[str, Path]


def editor_pages(editors: Sequence[MaskEditor]) -> EditorPages:
    return EditorPages(
        documents={editor_path(editor.card_id): editor_html(editor) for editor in editors},
        media={editor_path(editor.card_id) + "/picture": editor.image for editor in editors},
    )


def with_editor_links(content: PreviewContent, editors: Sequence[MaskEditor]) -> PreviewContent:
    """The preview with a link to its editor on each occlusion card."""
    paths = {editor.card_id: "/" + editor_path(editor.card_id) for editor in editors}
    if not paths:
        return content
    return replace(content, notes=tuple(replace(note, editor=paths.get(note.card_id)) for note in content.notes))


def yaml_answer(sent: Any) -> str:
    """The serve action: the `masks:` block of the masks the editor sent ({masks, indent})."""
    if not isinstance(sent, dict):
        raise ValueError("expected {masks, indent}")
    indent = sent.get("indent", 0)
    if not isinstance(indent, int) or isinstance(indent, bool) or not 0 <= indent <= MAX_INDENT:
        raise ValueError("the indent is not a small whole number")
    return masks_yaml(masks_from_json(sent.get("masks")), indent)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _masks_json(editor: MaskEditor) -> str:
    return json.dumps([
        {"id": mask.id, "label": mask.label,
         "shapes": [{"kind": shape.kind, "coordinates": list(shape.coordinates)} for shape in mask.shapes]}
        for mask in editor.masks
    ], ensure_ascii=False)


def editor_html(editor: MaskEditor) -> str:
    """The editor's page; its masks go in as JSON in an attribute, escaped, for its script to read."""
    script, style = asset("maskedit.js"), asset("maskedit.css")
    policy = (f"default-src 'none'; script-src {csp_hash(script)}; style-src {csp_hash(style)}; img-src 'self'; "
              "connect-src 'self'; base-uri 'none'; form-action 'none'")
    card = _e(editor.card_id)
    tools = "".join(
        f'<button type="button" data-tool="{tool}" aria-pressed="{str(tool == "move").lower()}">{name}</button> '
        for tool, name in (("move", "Move"), ("rect", "Rectangle"), ("ellipse", "Ellipse"), ("polygon", "Polygon")))
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
        f"<title>Masks of {card} · deckgen preview</title>\n<style>{style}</style>\n</head>\n"
        f'<body data-masks="{_e(_masks_json(editor))}" data-indent="{editor.indent}" '
        f'data-yaml-url="/{YAML_ACTION}">\n'
        f'<header class="mask-head"><a href="/#{card}">← preview</a> <h1>Masks of <code>{card}</code></h1> '
        f'<code class="mask-location">{_e(editor.location)}</code></header>\n'
        f'<div class="mask-tools" role="toolbar" aria-label="Tools">{tools}'
        '<span class="mask-size" id="_size"></span><span class="mask-hint" id="_hint"></span></div>\n'
        f'<div class="mask-stage"><img id="_picture" src="/{editor_path(editor.card_id)}/picture" alt="">'
        '<svg id="_overlay" xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="none"></svg></div>\n'
        '<ol class="mask-list" id="_list" aria-label="Masks"></ol>\n'
        '<section class="mask-output"><h2>The card\'s <code>masks:</code> block</h2>\n'
        '<p>Copy it over the card\'s <code>masks:</code> block in its file: this page never writes the file.</p>\n'
        '<p><button type="button" id="_copy">Copy</button> <span id="_copied" role="status"></span></p>\n'
        '<pre id="_yaml" data-current="false"></pre></section>\n'
        f"<script>{script}</script>\n</body>\n</html>\n"
    )
