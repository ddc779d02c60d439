"""`deckgen preview` renders each card as the real Anki does (held to the golden files, which are
Anki's own rendering, and to Anki on every card of a 90-note course), on a page with contents, each card's
anchor and place, marks of what changed since a release, and, served, the problems in place.
The page in a browser: test_preview_browser.py."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import subprocess
import sys

import pytest
from conftest import FIXTURES, REPO, copy_of_course, files_below, make_project
from helpers import GOLDEN, MP3, PNG, add_picture_card, add_sound_card, preview_mismatches, replace_in_file
from helpers import GOLDEN_CASES as CASES

from deckgen.commands import tools as commands
from deckgen.commands.pipeline import check
from deckgen.preview.cards import preview_cards
from deckgen.preview.occlusion import occlusions
from deckgen.preview.serve import Page, PreviewServer


@pytest.mark.parametrize("card_id,ordinal", CASES, ids=[f"{c}-{o + 1}" for c, o in CASES])
def test_preview_matches_what_anki_renders_for_each_kind(card_id, ordinal, tmp_path):
    project = make_project(tmp_path / "project", FIXTURES / "golden")
    checked = check(project)
    previews = preview_cards(checked.deck, occlusions(checked.project.cards))
    cards = {(card.card_id, card.ordinal): card for card in previews}

    card = cards[(card_id, ordinal)]

    name = card_id.removeprefix("golden-")
    assert card.front + "\n" == (GOLDEN / f"{name}-{ordinal + 1}.front.html").read_text()
    assert card.back + "\n" == (GOLDEN / f"{name}-{ordinal + 1}.back.html").read_text()


def test_preview_matches_anki_on_every_card_of_a_course(tmp_path):
    project = copy_of_course(tmp_path / "ipt")

    compared, mismatched = preview_mismatches(project, tmp_path / "student")

    assert compared == 129 and mismatched == []


def test_preview_command_writes_one_page(tmp_path, run_cli):
    project = make_project(tmp_path / "project", FIXTURES / "golden")

    result = run_cli("preview", cwd=project)

    page = (project / "build" / "preview.html").read_text()
    assert result.stdout == "wrote build/preview.html: 5 notes, 9 cards\n"
    assert page.count('<div class="preview-card">') == 9  # 2 basic, 2 reverse, 2 cloze, 3 list
    assert "Who founded <em>interpersonal psychotherapy</em>?" in page


def _golden_page(tmp_path, run_cli, *arguments: str) -> str:
    project = make_project(tmp_path / "project", FIXTURES / "golden")
    assert run_cli("preview", *arguments, cwd=project).exit_code == 0
    return (project / "build" / "preview.html").read_text()


def test_the_contents_count_each_subdecks_notes_and_cards(tmp_path, run_cli):
    page = _golden_page(tmp_path, run_cli)

    assert '<p class="preview-summary">5 notes · 9 cards</p>' in page
    assert ('<li><a href="#_subdeck-first">First</a> <span class="preview-count">4 notes · 7 cards</span></li>\n'
            '<li><a href="#_subdeck-second">Second</a> <span class="preview-count">1 note · 2 cards</span></li>\n'
            ) in page
    assert '<h2>Second <span class="preview-count">1 note · 2 cards</span></h2>' in page


def test_each_card_has_its_anchor_and_the_file_and_line_it_is_written_at(tmp_path, run_cli):
    page = _golden_page(tmp_path, run_cli)

    heads = re.findall(r'<article [^>]*id="([^"]+)"[^>]*>\n<header class="preview-note-head">'
                       r'<a class="preview-anchor" href="#([^"]+)">[^<]*</a> <span class="preview-kind">[^<]*</span> '
                       r'<code class="preview-location">([^<]*)</code>', page)
    assert heads == [  # in course order: the subdeck "first", then "second"
        ("golden-basic", "golden-basic", "cards/kinds.yaml:4"),
        ("golden-cloze", "golden-cloze", "cards/kinds.yaml:21"),
        ("golden-list", "golden-list", "cards/kinds.yaml:25"),
        ("golden-markup", "golden-markup", "cards/kinds.yaml:35"),
        ("golden-reverse", "golden-reverse", "cards/kinds.yaml:14"),
    ]


def test_the_page_loads_nothing_and_runs_only_its_own_script(tmp_path, run_cli):
    page = _golden_page(tmp_path, run_cli)

    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page).group(1)
    assert policy.startswith("default-src 'none'; script-src 'sha256-")
    assert page.count("<script>") == 1 and page.count("<style>") == 1
    assert not re.search(r'(src|href)="(https?:)?//', page)


def test_cards_added_changed_or_retired_since_a_release_are_marked(tmp_path, run_cli):
    project = make_project(tmp_path / "project", FIXTURES / "golden")
    assert run_cli("build", cwd=project).exit_code == 0
    old = shutil.move(project / "build" / "test-1.0.0.apkg", tmp_path / "test-1.0.0.apkg")
    cards = project / "cards" / "kinds.yaml"
    replace_in_file(cards, "Role transition", "A role transition")
    cards.write_text(cards.read_text() + "\n  - id: golden-new\n    kind: basic\n    question: New?\n    answer: Yes\n")

    result = run_cli("preview", "--since", str(old), cwd=project)

    page = (project / "build" / "preview.html").read_text()
    assert result.exit_code == 0, result.stderr
    assert re.findall(r'id="([^"]+)" [^>]*data-change="([^"]*)"', page) == [
        ("golden-basic", ""), ("golden-cloze", ""), ("golden-list", ""), ("golden-markup", ""), ("golden-new", "new"),
        ("golden-reverse", "changed")]
    assert '<span class="preview-change preview-change-new">new</span>' in page
    assert '<span class="preview-change preview-change-changed">changed</span>' in page
    assert f'<p class="preview-summary">6 notes · 10 cards · since {old.name}: 1 new, 1 changed</p>' in page
    assert "<input type=\"checkbox\" id=\"_changed\"> only cards new or changed since test-1.0.0.apkg" in page


def test_a_since_package_that_cannot_be_read_is_a_message(tmp_path, run_cli):
    project = make_project(tmp_path / "project", FIXTURES / "golden")
    (tmp_path / "old.apkg").write_bytes(b"not a zip")

    result = run_cli("preview", "--since", str(tmp_path / "old.apkg"), cwd=project)

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{tmp_path / 'old.apkg'}: cannot read the package (File is not a zip file): give an .apkg built by "
        "deckgen or exported from Anki")


@pytest.fixture
def served(tmp_path):
    """The golden deck's preview server, not yet serving: each test asks it to look for changes."""
    project = make_project(tmp_path / "project", FIXTURES / "golden")
    builds = []
    with commands.serve_preview(project, 0, on_build=lambda content, checked: builds.append(content)) as server:
        server.project, server.builds = project, builds
        yield server


def test_a_card_with_a_problem_shows_it_in_place_over_the_last_cards_without_problems(served):
    replace_in_file(served.project / "cards" / "kinds.yaml", "    topic: Phases", "    topci: Phases")

    assert served.refresh()

    page = served.page.html
    problem = "cards/kinds.yaml:27:5: unknown key &#x27;topci&#x27; (did you mean &#x27;topic&#x27;?)"
    assert ('<h2>1 problem: the cards below are the last ones built without problems</h2>\n'
            f'<ul>\n<li><code>{problem}</code> <a href="#golden-list">card golden-list</a></li>\n</ul>') in page
    in_place = re.search(r'<article class="preview-note preview-has-problems" id="([^"]+)"[^>]*>\n<header.*?</header>\n'
                         r'<ul class="preview-card-problems">(.*?)</ul>', page)
    assert in_place.groups() == ("golden-list", f"<li><code>{problem}</code></li>")
    assert page.count('<div class="preview-card">') == 9
    assert '<p class="preview-alert"><a href="#_problems">1 problem</a></p>' in page  # beside the filters
    assert [len(build.problems) for build in served.builds] == [0, 1]


def test_a_problem_is_placed_by_the_card_file_as_it_is_now(served):
    cards = served.project / "cards" / "kinds.yaml"
    text = cards.read_text()
    cloze = text[text.index("  - id: golden-cloze\n"):text.index("  - id: golden-list\n")]
    cards.write_text(text.replace(cloze, "").replace("    topic: Phases", "    topci: Phases"))

    served.refresh()

    # Line 23 was golden-cloze's when the cards shown were built; it is golden-list's now.
    assert "cards/kinds.yaml:23:5: unknown key" in served.page.html
    assert re.findall(r'preview-has-problems" id="([^"]+)"', served.page.html) == ["golden-list"]


def test_a_card_file_that_is_no_longer_yaml_places_problems_where_the_cards_were(served):
    replace_in_file(served.project / "cards" / "kinds.yaml", "    topic: Phases", "    topic: [Phases")

    served.refresh()

    assert re.findall(r'preview-has-problems" id="([^"]+)"', served.page.html) == ["golden-list"]


def test_problems_in_the_first_build_are_the_page(tmp_path):
    project = make_project(tmp_path / "project", FIXTURES / "golden")
    replace_in_file(project / "cards" / "deck.yaml", "version: 1.0.0", "version: one")

    with commands.serve_preview(project, 0) as server:
        page = server.page.html

    assert "<h2>1 problem: no cards can be shown until they are fixed</h2>" in page
    assert "<li><code>cards/deck.yaml:4:10: " in page
    assert '<div class="preview-card">' not in page


def test_the_page_comes_back_once_the_problem_is_fixed_and_only_a_change_builds_again(served):
    cards = served.project / "cards" / "kinds.yaml"
    replace_in_file(cards, "    topic: Phases", "    topci: Phases")
    served.refresh()
    replace_in_file(cards, "    topci: Phases", "    topic: Stages")

    assert served.refresh()
    assert not served.refresh()

    assert 'id="_problems"' not in served.page.html and "preview-has-problems" not in served.page.html
    assert '<span class="topic">Stages</span>' in served.page.html
    assert len(served.builds) == 3


def test_a_template_or_the_css_changing_builds_again(served):
    replace_in_file(served.project / "templates" / "style.css", "font-size: 20px;", "font-size: 21px;")

    assert served.refresh()
    assert "font-size: 21px;" in served.page.html


def _get(server, path: str, host: str | None = None) -> tuple[int, str, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", path, headers={"Host": host or f"127.0.0.1:{server.port}"})
    response = connection.getresponse()
    answer = (response.status, response.getheader("Content-Type"), response.read())
    connection.close()
    return answer


def test_the_server_serves_the_page_its_version_and_nothing_else(served):
    import threading

    thread = threading.Thread(target=served.serve_forever)
    thread.start()
    try:
        page = _get(served, "/")
        version = _get(served, "/_version")
        elsewhere = _get(served, "/../cards/deck.yaml")
        rebound = _get(served, "/", host=f"attacker.example:{served.port}")
    finally:
        served.shutdown()
        thread.join()

    assert page[:2] == (200, "text/html; charset=utf-8")
    assert f'data-version="{served.version}"'.encode() in page[2]
    assert version == (200, "text/plain", served.version.encode())
    assert elsewhere[0] == 404
    assert rebound[0] == 403


def test_the_server_serves_the_images_cards_show_and_nothing_else_of_the_project(tmp_path):
    import threading

    project = make_project(tmp_path / "project")
    add_picture_card(project)
    with commands.serve_preview(project, 0) as server:
        thread = threading.Thread(target=server.serve_forever)
        thread.start()
        try:
            name = re.search(r'<img src="([^"]+)" alt="diagram">', server.page.html).group(1)
            image = _get(server, f"/{name}")
            by_its_own_name = _get(server, "/phases.png")
        finally:
            server.shutdown()
            thread.join()

    assert image == (200, "image/png", PNG)
    assert by_its_own_name[0] == 404


def test_a_bug_in_a_build_is_reported_and_the_page_stays(tmp_path):
    (tmp_path / "cards.yaml").write_text("one")
    heard = []

    def build(version: str) -> Page:
        if "two" in (tmp_path / "cards.yaml").read_text():
            raise RuntimeError("a bug")
        return Page(f"page {version}")

    with PreviewServer(build, [tmp_path], 0, on_error=heard.append) as server:
        first = (server.version, server.page)
        (tmp_path / "cards.yaml").write_text("one two")

        assert not server.refresh()

        assert (server.version, server.page) == first
    assert [str(error) for error in heard] == ["a bug"]


def _serve_command(project, *arguments: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "deckgen", "preview", "--serve", *arguments], cwd=project,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})


def test_deckgen_preview_serve_says_where_reports_problems_and_stops_cleanly_on_ctrl_c(tmp_path):
    project = make_project(tmp_path / "project", FIXTURES / "golden")
    process = _serve_command(project, "--port", "0")
    try:
        built = process.stdout.readline()
        serving = process.stdout.readline()
        port = int(re.fullmatch(r"serving the preview at http://127\.0\.0\.1:(\d+)/ \(Ctrl-C stops it\)\n",
                                serving).group(1))
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/")
        status = connection.getresponse().status
        connection.close()
        replace_in_file(project / "cards" / "kinds.yaml", "    topic: Phases", "    topci: Phases")
        problems = [process.stderr.readline(), process.stderr.readline()]
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)

    assert built == "built the preview: 5 notes, 9 cards\n"
    assert status == 200
    assert problems == ["cards/kinds.yaml:27:5: unknown key 'topci' (did you mean 'topic'?)\n",
                        "1 problem found, shown on the page\n"]
    assert (process.returncode, out, err) == (0, "stopped serving the preview\n", "")
    assert files_below(project / "build") == {}  # serving writes nothing but its cache


def test_a_port_in_use_or_without_serve_is_a_command_line_error(tmp_path, run_cli):
    import socket

    project = make_project(tmp_path / "project", FIXTURES / "golden")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        in_use = run_cli("preview", "--serve", "--port", str(port), cwd=project)
    without_serve = run_cli("preview", "--port", "8001", cwd=project)
    bad = run_cli("preview", "--serve", "--port", "http", cwd=project)

    assert (in_use.exit_code, in_use.stderr) == (
        2, f"deckgen preview: error: cannot serve on 127.0.0.1:{port} (Address already in use): give another --port\n")
    assert (without_serve.exit_code, without_serve.stderr) == (2, "deckgen preview: error: --port needs --serve\n")
    assert bad.exit_code == 2
    assert bad.stderr.endswith("error: argument --port: a port is a whole number from 0 to 65535, got 'http'\n")


def test_preview_shows_the_cards_it_can_and_reports_the_others(tmp_path, run_cli):
    project = make_project(tmp_path / "project", FIXTURES / "golden")
    (project / "cards" / "unfinished.yaml").write_text(
        "subdeck: first\ncards:\n"
        "  - {id: unfilled, kind: basic, question: 'Q?'}\n"
        "  - {id: unlisted-image, kind: basic, question: 'What is this? ![x](x.png)', answer: A}\n"
    )

    result = run_cli("preview", cwd=project)

    page = (project / "build" / "preview.html").read_text()
    assert result.exit_code == 1
    assert result.stdout == "wrote build/preview.html: 5 notes, 9 cards\n"
    assert page.count('<div class="preview-card">') == 9
    assert result.stderr.splitlines() == [
        "cards/unfinished.yaml:3:5: basic card 'unfilled' has no 'answer': add 'answer:' (the answer)",
        "cards/unfinished.yaml:4:49: 'question' shows image 'x.png', which the card does not list: add 'x.png' to "
        "the card's 'media'",
        "2 problems found; the preview leaves out the cards they are in",
    ]


def test_the_written_preview_has_its_pictures_beside_it_and_plays_sounds(tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    add_picture_card(project)
    add_sound_card(project)

    result = run_cli("preview", cwd=project)

    build_folder = project / "build"
    page = (build_folder / "preview.html").read_text()
    [picture] = set(re.findall(r'<img src="([^"]+)"', page))  # on the front, and the back that shows it
    sounds = re.findall(r'<audio class="preview-sound" controls preload="none" src="([^"]+)"></audio>', page)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "wrote build/preview.html and 2 media files beside it: 2 notes, 2 cards\n"
    assert (build_folder / picture).read_bytes() == PNG
    assert len(sounds) == 2 and {(build_folder / sound).read_bytes() for sound in sounds} == {MP3}
    assert "[sound:" not in page
