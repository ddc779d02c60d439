"""The mask editor's page and the server's part in it (preview/maskpage.py, serve.py), without a
browser: the editor and its picture are served at the card's own path, the YAML action answers only
this server's own pages, and the preview links each occlusion card to its editor."""

from __future__ import annotations

import http.client
import json
import re
import threading

import pytest
import yaml
from conftest import FIXTURES, make_project
from helpers import PNG
from occlusion_fixture import THREE_MASKS, add_occlusion_card

from deckgen.commands import tools as commands
from deckgen.errors import Location
from deckgen.preview.cards import PreviewContent, PreviewNote
from deckgen.preview.maskedit import EditorMask, EditorShape, MaskEditor
from deckgen.preview.maskpage import (
    YAML_ACTION,
    editor_html,
    editor_pages,
    mask_editors,
    with_editor_links,
    yaml_answer,
)
from deckgen.preview.maskyaml import masks_yaml
from deckgen.preview.page import page_html
from deckgen.preview.serve import Page, PreviewServer
from deckgen.source.project import load_project

HOSTILE = '<script>alert("x")</script>'
SENT = {"masks": [{"id": "aorta", "label": "Aorta", "shapes": [{"kind": "ellipse", "coordinates": [300, 90, 40, 25]}]}],
        "indent": 4}


def _editor(tmp_path) -> MaskEditor:
    (tmp_path / "heart.png").write_bytes(PNG)
    return MaskEditor("heart-chambers", tmp_path / "heart.png",
                      (EditorMask("left-atrium", HOSTILE, (EditorShape("rect", (120, 40, 80, 60)),)),))


def _ask(port: int, method: str, path: str, body: bytes = b"", **headers: str) -> tuple[int, str, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(method, path, body=body or None, headers={"Host": f"127.0.0.1:{port}", **headers})
    response = connection.getresponse()
    answer = (response.status, response.getheader("Content-Type") or "", response.read())
    connection.close()
    return answer


@pytest.fixture
def server(tmp_path):
    pages = editor_pages([_editor(tmp_path)])
    with PreviewServer(lambda version: Page("<p>preview</p>", pages.media, pages.documents, {YAML_ACTION: yaml_answer}),
                       (), 0) as served:
        thread = threading.Thread(target=served.serve_forever, daemon=True)
        thread.start()
        yield served
        served.shutdown()
        thread.join(timeout=10)


def test_the_editor_and_its_picture_are_served_at_the_cards_own_path(server):
    page = _ask(server.port, "GET", "/masks/heart-chambers")
    picture = _ask(server.port, "GET", "/masks/heart-chambers/picture")
    other = _ask(server.port, "GET", "/masks/another-card")

    assert page[:2] == (200, "text/html; charset=utf-8")
    assert picture == (200, "image/png", PNG)
    assert other[0] == 404


def test_the_yaml_action_answers_this_servers_own_pages_only(server):
    own = {"Origin": f"http://127.0.0.1:{server.port}", "Content-Type": "application/json"}
    body = json.dumps(SENT).encode()

    answered = _ask(server.port, "POST", "/_masks.yaml", body, **own)
    no_origin = _ask(server.port, "POST", "/_masks.yaml", body, **{"Content-Type": "application/json"})
    elsewhere = _ask(server.port, "POST", "/_masks.yaml", body, **{**own, "Origin": "http://attacker.example"})
    rebound = _ask(server.port, "POST", "/_masks.yaml", body, **{**own, "Host": f"attacker.example:{server.port}"})
    as_a_form = _ask(server.port, "POST", "/_masks.yaml", body, **{**own, "Content-Type": "text/plain"})
    not_json = _ask(server.port, "POST", "/_masks.yaml", b"{masks", **own)
    wrong = _ask(server.port, "POST", "/_masks.yaml", json.dumps({"masks": [{"id": "a"}]}).encode(), **own)
    unknown = _ask(server.port, "POST", "/_version", body, **own)

    assert answered == (200, "text/plain; charset=utf-8",
                        b"    masks:\n      - {id: aorta, label: Aorta, ellipse: [300, 90, 40, 25]}\n")
    assert [no_origin[0], elsewhere[0], rebound[0], as_a_form[0], unknown[0]] == [403, 403, 403, 415, 404]
    assert not_json[0] == 400
    assert wrong == (400, "text/plain; charset=utf-8", b"a mask has no shapes")


def test_json_nested_deeper_than_python_reads_is_answered_not_dropped(server):
    own = {"Origin": f"http://127.0.0.1:{server.port}", "Content-Type": "application/json"}
    deep = b'{"masks": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"

    assert _ask(server.port, "POST", "/_masks.yaml", deep, **own) == (
        400, "text/plain; charset=utf-8", b"the request is nested too deeply")


def test_the_editor_page_runs_only_its_own_script_and_keeps_labels_as_text(tmp_path):
    page = editor_html(_editor(tmp_path))

    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert policy.startswith("default-src 'none'; script-src 'sha256-")
    assert "unsafe-inline" not in policy and "connect-src 'self'" in policy
    assert page.count("<script") == 1  # its own, allowed by hash
    assert HOSTILE not in page and r"&lt;script&gt;alert(\&quot;x\&quot;)&lt;/script&gt;" in page


def test_each_occlusion_card_links_to_its_editor(tmp_path):
    note = PreviewNote("heart-chambers", "occlusion", "first", (), Location("cards/heart.yaml", 2, 5), False, ())
    other = PreviewNote("plain", "basic", "first", (), Location("cards/heart.yaml", 9, 5), False, ())
    content = PreviewContent("Deck", "", (("first", "First"),), (note, other))

    page = page_html(with_editor_links(content, [_editor(tmp_path)]))

    assert re.findall(r'<a class="preview-edit-masks" href="([^"]+)">edit masks</a>', page) == ["/masks/heart-chambers"]


def test_a_deck_without_occlusion_cards_has_no_editors_and_its_served_preview_answers_the_yaml_action(tmp_path):
    project = make_project(tmp_path / "project", FIXTURES / "golden")
    with commands.serve_preview(project, 0) as served:
        page = served.page

    assert mask_editors(load_project(project).cards) == ()
    assert page.documents == {} and "edit masks" not in page.html
    assert yaml.safe_load(page.actions[YAML_ACTION](SENT)) == {
        "masks": [{"id": "aorta", "label": "Aorta", "ellipse": [300, 90, 40, 25]}]}


def test_an_occlusion_cards_editor_prints_the_masks_its_card_file_holds(tmp_path):
    """The editor wired to a real `kind: occlusion` card: served at the card's path, linked from its
    preview, and its printed block reads back as the masks the card file holds."""
    project = make_project(tmp_path / "project")
    add_occlusion_card(project)
    with commands.serve_preview(project, 0) as served:
        page = served.page

    (editor,) = mask_editors(load_project(project).cards)
    assert editor.card_id == "heart-chambers" and editor.image.name == "heart.png"
    assert set(page.documents) == {"masks/heart-chambers"} and 'href="/masks/heart-chambers"' in page.html
    printed = masks_yaml(editor.masks, editor.indent)
    assert yaml.safe_load(printed)["masks"] == yaml.safe_load(THREE_MASKS)["cards"][0]["masks"]
    assert printed.startswith("    masks:")
