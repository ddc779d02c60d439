"""The card markup: what an educator writes, and the HTML a student's card gets."""

from __future__ import annotations

import pytest
from anki_client import import_package, strip_style
from conftest import make_project

from deckgen.errors import Location, Problem
from deckgen.text.markup import MarkupResult, MarkupUsed, html_text, to_html
from deckgen.text.sanitise import sanitise

WHERE = Location("cards/x.yaml", 4, 13)


def html(text: str, media: dict[str, str] | None = None) -> str:
    result = to_html(text, WHERE, "answer", media_names=media or {})
    assert not isinstance(result, Problem), result
    return result.html


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Gerald **Klerman**", "Gerald <strong>Klerman</strong>"),
        ("an *italic* word", "an <em>italic</em> word"),
        ("first line\nsecond line", "first line<br>\nsecond line"),
        ("one\n\ntwo", "<p>one</p>\n<p>two</p>"),
        ("- grief\n- role disputes", "<ul>\n<li>grief</li>\n<li>role disputes</li>\n</ul>"),
        ("1. initial\n2. middle", "<ol>\n<li>initial</li>\n<li>middle</li>\n</ol>"),
        ("`code`", "<code>code</code>"),
        ("H<sub>2</sub>O and x<sup>2</sup>", "H<sub>2</sub>O and x<sup>2</sup>"),
        ("a < b & c > d", "a &lt; b &amp; c &gt; d"),
        ("[the guide](https://example.org/ipt)",
         '<a href="https://example.org/ipt" rel="noopener noreferrer">the guide</a>'),
    ],
)
def test_markup_becomes_the_documented_html(text, expected):
    assert html(text) == expected


def test_images_are_rewritten_to_their_packaged_names():
    assert html("![the phases](phases.png)", {"phases.png": "phases-0123abcd.png"}) == (
        '<img src="phases-0123abcd.png" alt="the phases">'
    )


@pytest.mark.parametrize(
    "text,html_left,warning",
    [
        ("Klerman<script>alert(1)</script>", "Klerman",
         "'answer' contains <script>, which cards may not use: the build leaves it out; use the Markdown markup "
         "(**bold**, *italic*, lists) or one of <br>, <kbd>, <mark>, <small>, <sub>, <sup>, <u>"),
        ('H<sub onclick="alert(1)">2</sub>O', "H<sub>2</sub>O",
         "'answer' gives <sub> attributes: the build leaves them out; write <sub> without attributes"),
        ("[x](file:///etc/passwd)", "x",
         "'answer' links to 'file:///etc/passwd': the build leaves the link out; links must start with https:// "
         "or http://"),
        ("[x](JaVaScRiPt:alert(1))", "x",
         "'answer' links to 'JaVaScRiPt:alert(1)': the build leaves the link out; links must start with https:// "
         "or http://"),
        ("![x](data:image/svg+xml;base64,PHN2Zz4=)", '<img alt="x">',
         "'answer' shows image 'data:image/svg+xml;base64,PHN2Zz4=': the build leaves the image out; name a file "
         "in cards/media/ by its plain file name, and list it in the card's 'media'"),
        ("seen<!-- hidden -->", "seen", "'answer' contains an HTML comment: the build leaves it out"),
        # Tags our own Markdown makes pass the sanitiser: raw, they are left out as the warning says.
        ('see <a href="https://example.org">the guide</a>', "see the guide",
         "'answer' contains <a>, which cards may not use: the build leaves it out; use the Markdown markup "
         "(**bold**, *italic*, lists) or one of <br>, <kbd>, <mark>, <small>, <sub>, <sup>, <u>"),
        ("<h1>Big</h1>", "Big",
         "'answer' contains <h1>, which cards may not use: the build leaves it out; use the Markdown markup "
         "(**bold**, *italic*, lists) or one of <br>, <kbd>, <mark>, <small>, <sub>, <sup>, <u>"),
        ("a <blockquote>quote</blockquote>", "a quote",
         "'answer' contains <blockquote>, which cards may not use: the build leaves it out; use the Markdown "
         "markup (**bold**, *italic*, lists) or one of <br>, <kbd>, <mark>, <small>, <sub>, <sup>, <u>"),
    ],
)
def test_unsafe_content_is_removed_with_a_warning(text, html_left, warning):
    result = to_html(text, WHERE, "answer", media_names={})

    assert result == MarkupResult(html_left, (Problem(WHERE, f"warning: {warning}"),))


@pytest.mark.parametrize(
    "text,message",
    [
        ("![phases](phases.png)",
         "'answer' shows image 'phases.png', which the card does not list: add 'phases.png' to the "
         "card's 'media'"),
        ("Listen: [sound:name.mp3]",
         "'answer' plays sound 'name.mp3', which the card does not list: add 'name.mp3' to the card's "
         "'media'"),
    ],
)
def test_a_broken_reference_is_an_error_with_a_fix(text, message):
    result = to_html(text, WHERE, "answer", media_names={})

    assert result == Problem(WHERE, message)


def test_sounds_are_rewritten_to_their_packaged_names():
    assert html("Listen: [sound:intro.mp3]", {"intro.mp3": "intro-0123abcd.mp3"}) == (
        "Listen: [sound:intro-0123abcd.mp3]"
    )


@pytest.mark.parametrize(
    "text,expected",
    [
        ("[1] Weissman", "&#91;1&#93; Weissman"),
        ("[anki:tts lang=en_US]x[/anki:tts]", "&#91;anki:tts lang=en_US&#93;x&#91;/anki:tts&#93;"),
        ("[latex]\\input{/etc/passwd}[/latex] [$]x[/$] [$$]y[/$$]",
         "&#91;latex&#93;\\input{/etc/passwd}&#91;/latex&#93; &#91;$&#93;x&#91;/$&#93; &#91;$$&#93;y&#91;/$$&#93;"),
        ('[the guide](https://example.org "[sound:intro.mp3]") [sound:intro.mp3]',
         '<a href="https://example.org" title="&#91;sound:intro.mp3&#93;" rel="noopener noreferrer">the guide</a>'
         " [sound:intro-0123abcd.mp3]"),
    ],
)
def test_anki_bracket_syntax_is_inert_except_the_cards_own_sounds(text, expected):
    assert html(text, {"intro.mp3": "intro-0123abcd.mp3"}) == expected


# --- maths: the delimiters and everything between them reach the field as written ------------------
# Square brackets are written as entities everywhere (Anki's own syntax is inert), which MathJax
# reads as the brackets they are: `\&#91;` is `\[` to it.


@pytest.mark.parametrize(
    "text,expected",
    [
        (r"\(a_1 * b_2 * c\) and *this*", r"\(a_1 * b_2 * c\) and <em>this</em>"),
        (r"\(\{x\} \\ y_{i}^*\)", r"\(\{x\} \\ y_{i}^*\)"),
        (r"\(a < b\)", r"\(a &lt; b\)"),
        (r"\(x <b>y</b>\)", r"\(x &lt;b&gt;y&lt;/b&gt;\)"),
        (r"Smith \[1\]", r"Smith \&#91;1\&#93;"),
        ("Before\n\\[\n- x \\\\\n# y\n\\]\nafter",
         "<p>Before</p>\n<p>\\&#91;\n- x \\\\\n# y\n\\&#93;</p>\n<p>after</p>"),
        ("- \\(x_1\\)\n- \\[y_2\\]", "<ul>\n<li>\\(x_1\\)</li>\n<li>\\&#91;y_2\\&#93;</li>\n</ul>"),
        ("`\\(x_1\\)`", "<code>\\(x_1\\)</code>"),
    ],
    ids=["inline", "backslashes", "less-than", "html-inside", "brackets", "display-block", "in-a-list", "in-code"],
)
def test_maths_reaches_the_field_as_written(text, expected):
    assert html(text) == expected


@pytest.mark.parametrize("text", [r"\(x", r"x\)", r"\[x", r"x\]"])
def test_an_unpaired_maths_delimiter_is_kept_for_the_maths_check_to_report(text):
    assert html(text) == text.replace("[", "&#91;").replace("]", "&#93;")


# --- tables ------------------------------------------------------------------------------------------


def test_a_pipe_table_becomes_a_table_with_alignment_as_classes_not_style():
    assert html("| Phase | Weeks |\n|:--|--:|\n| Initial | 1–3 |\n| Middle | 4–13 |") == (
        "<table>\n<thead>\n<tr>\n"
        '<th class="align-left">Phase</th>\n<th class="align-right">Weeks</th>\n'
        "</tr>\n</thead>\n<tbody>\n<tr>\n"
        '<td class="align-left">Initial</td>\n<td class="align-right">1–3</td>\n'
        "</tr>\n<tr>\n"
        '<td class="align-left">Middle</td>\n<td class="align-right">4–13</td>\n'
        "</tr>\n</tbody>\n</table>"
    )


def test_a_table_cell_is_markup_like_any_field_and_unsafe_content_in_it_is_removed():
    result = to_html("| a | b |\n|---|---|\n| **x** <script>alert(1)</script> | [y](javascript:alert(1)) |",
                     WHERE, "answer", media_names={})

    assert result.html == (
        "<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n"
        "<tbody>\n<tr>\n<td><strong>x</strong> </td>\n<td>y</td>\n</tr>\n</tbody>\n</table>"
    )
    assert [warning.message for warning in result.warnings] == [
        "warning: 'answer' contains <script>, which cards may not use: the build leaves it out; use the Markdown "
        "markup (**bold**, *italic*, lists) or one of <br>, <kbd>, <mark>, <small>, <sub>, <sup>, <u>",
        "warning: 'answer' links to 'javascript:alert(1)': the build leaves the link out; links must start with "
        "https:// or http://",
    ]


@pytest.mark.parametrize("text", [
    "Phases: <table><tr><td>Initial</td></tr></table>",
    "<table>\n<tr><td>Initial</td></tr>\n</table>",
    '<td class="align-right">Initial</td>',
])
def test_a_table_written_as_html_is_left_out_with_a_pointer_to_pipe_tables(text):
    result = to_html(text, WHERE, "answer", media_names={})

    assert "<t" not in result.html and "Initial" in result.html
    assert [warning.message for warning in result.warnings] == [
        "warning: 'answer' contains an HTML table, which cards may not use: the build leaves it out; write it as a "
        "Markdown pipe table (| a | b | lines, see the README)"
    ]


def test_the_sanitiser_keeps_only_the_classes_it_names_and_never_a_style():
    assert sanitise(
        '<table><tr><td class="align-right cloze" style="color:red" onclick="alert(1)">x</td></tr></table>'
        '<p class="align-right">y</p>'
    ) == '<table><tbody><tr><td class="align-right">x</td></tr></tbody></table><p>y</p>'


# --- code blocks ---------------------------------------------------------------------------------------


def test_a_fenced_code_block_is_highlighted_into_spans_with_token_classes_only():
    assert html("```python\ndef grief(loss):\n    return [loss]  # a list\n```") == (
        '<pre><code><span class="k">def</span><span class="w"> </span><span class="nf">grief</span>'
        '<span class="p">(</span><span class="n">loss</span><span class="p">):</span>\n'
        '    <span class="k">return</span> <span class="p">&#91;</span><span class="n">loss</span>'
        '<span class="p">&#93;</span>  <span class="c1"># a list</span>\n</code></pre>'
    )


@pytest.mark.parametrize("fence", ["```", "```nosuchlanguage", "```<script>", "    "])
def test_code_in_no_language_pygments_knows_is_plain_code_without_a_warning(fence):
    text = f"{fence}\nx = <b>{{1}}</b>\n```" if fence != "    " else "    x = <b>{1}</b>"
    result = to_html(text, WHERE, "answer", media_names={})

    assert result == MarkupResult("<pre><code>x = &lt;b&gt;{1}&lt;/b&gt;\n</code></pre>", (),
                                  MarkupUsed(code_blocks=True))


def test_script_in_a_code_block_is_code_to_read_not_to_run():
    result = html("```html\n<script>alert(1)</script>\n```")

    assert "<script" not in result and result.startswith('<pre><code><span class="p">&lt;</span>')
    assert html_text(result) == "<script>alert(1)</script>"


def test_tex_in_code_is_shown_not_typeset_so_the_maths_allow_list_leaves_it_alone(tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    (project / "cards" / "first.yaml").write_text(
        "subdeck: first\ncards:\n  - id: tex\n    kind: basic\n    question: How is a link written in TeX?\n"
        "    answer: |-\n      ```latex\n      \\(\\href{https://example.org}{x}\\)\n      ```\n"
    )

    result = run_cli("check", "--strict", cwd=project)

    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("text, used", [
    ("```python\nx = 1\n```", MarkupUsed(code_blocks=True)),
    ("- an item\n\n  ```\n  nested\n  ```", MarkupUsed(code_blocks=True)),
    ("| a | b |\n|---|---|\n| 1 | 2 |", MarkupUsed(tables=True)),
    ("<pre>raw</pre> and <table><tr><td>raw</td></tr></table>", MarkupUsed()),
    ("**bold** only", MarkupUsed()),
])
def test_a_field_says_which_styled_markup_it_holds(text, used):
    """The deck's CSS styles code and tables only when a card has them: the parser's tokens say so
    (raw HTML of either is left out, so it does not count)."""
    assert to_html(text, WHERE, "answer", media_names={}).used == used


# Maths between dollar signs: Anki typesets only \( \) and \[ \], so students would see the dollars.
DOLLAR_ADVICE = ("which Anki shows as written, dollar signs and all: write {meant}; write a dollar sign that is not "
                 "maths as \\$")


@pytest.mark.parametrize("text, written, meant", [
    ("The area is $\\pi r^2$.", "$\\pi r^2$", "\\(\\pi r^2\\)"),
    ("$x$", "$x$", "\\(x\\)"),
    ("**$n$** items", "$n$", "\\(n\\)"),
    ("- first\n- then $a + b$", "$a + b$", "\\(a + b\\)"),
    ("Energy: $$E = mc^2$$", "$$E = mc^2$$", "\\[E = mc^2\\]"),
    ("it costs \\$5, and $y$ is maths", "$y$", "\\(y\\)"),
])
def test_maths_between_dollar_signs_is_a_warning_that_says_to_write_anki_delimiters(text, written, meant):
    result = to_html(text, WHERE, "answer", media_names={})

    assert isinstance(result, MarkupResult)
    assert [str(warning) for warning in result.warnings] == [
        f"cards/x.yaml:4:13: warning: 'answer' has the maths '{written}' between dollar signs, "
        + DOLLAR_ADVICE.format(meant=meant)]


@pytest.mark.parametrize("text", [
    "It costs $5 and $10 a session.",  # no closing '$' after a character that is not a space
    "Between $5-$10 a week.",  # the closing '$' is followed by a digit
    "A fee of US$5 or US$10.",
    "a $ sign alone, and another $ here",  # a space after the opening '$'
    "Escaped: \\$x\\$",
    "`$x$` is how TeX writes it",  # code is shown, not typeset
    "```latex\n$x$\n```",
    "\\(\\$5\\) in maths",
    "one $a\n\nb$ two",  # not across paragraphs
])
def test_dollar_signs_that_are_not_maths_are_left_alone(text):
    result = to_html(text, WHERE, "answer", media_names={})

    assert isinstance(result, MarkupResult) and result.warnings == ()


def test_dollar_maths_is_located_and_an_error_under_strict(tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    (project / "cards" / "first.yaml").write_text(
        "subdeck: first\ncards:\n  - id: area\n    kind: basic\n    question: The area of a circle?\n"
        "    answer: $\\pi r^2$\n")
    message = ("cards/first.yaml:6:13: warning: 'answer' has the maths '$\\pi r^2$' between dollar signs, "
               + DOLLAR_ADVICE.format(meant="\\(\\pi r^2\\)"))

    checked = run_cli("check", cwd=project)
    strict = run_cli("check", "--strict", cwd=project)

    assert checked.exit_code == 0 and message in checked.stderr.splitlines()
    assert strict.exit_code == 1 and strict.stderr.splitlines() == [message, "1 problem found; nothing was written"]


# A cloze deletion in a code block: to Anki, <pre><code> is text like any other, so a deletion there
# works as long as highlighting leaves `{{c1::…}}` in one piece.
@pytest.mark.parametrize("code, deletion", [
    ("x = {{c1::42}}", "{{c1::42}}"),
    ("if x:\n    {{c1::return y < 2::keyword}}", "{{c1::return y &lt; 2::keyword}}"),
    ("# a {{c1::comment}}\ns = 'a {{c2::string}}'", "{{c2::string}}"),
])
def test_a_cloze_deletion_in_highlighted_code_stays_whole_for_anki(code, deletion):
    result = html(f"```python\n{code}\n```")

    assert result.startswith('<pre><code><span class="') and deletion in result


def test_a_word_like_deckgens_placeholder_in_the_code_leaves_it_plain_with_its_deletions():
    assert html("```python\nx = {{c1::42}} + deckgenclozeplace0x\n```") == (
        "<pre><code>x = {{c1::42}} + deckgenclozeplace0x\n</code></pre>")


def test_a_cloze_in_a_code_block_works_in_anki(tmp_path, run_cli, student):
    project = make_project(tmp_path / "project")
    (project / "cards" / "first.yaml").write_text(
        "subdeck: first\ncards:\n  - id: code\n    kind: cloze\n    text: |-\n      What does it return?\n\n"
        "      ```python\n      def f(y):\n          {{c1::return y < 2::keyword}}\n      ```\n")
    built = run_cli("build", "--strict", cwd=project, env={"SOURCE_DATE_EPOCH": "1760000000"})
    assert built.exit_code == 0, built.stderr

    import_package(student, project / "build" / "test-1.0.0.apkg")

    [card_id] = student.find_cards("")
    card = student.get_card(card_id)
    front, back = strip_style(card.question()), strip_style(card.answer())
    assert '<pre><code><span class="k">def</span>' in front
    assert 'data-ordinal="1">[keyword]</span>' in front
    assert "return y &lt; 2" not in front
    assert '<span class="cloze" data-ordinal="1">return y &lt; 2</span>' in back
