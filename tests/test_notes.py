"""Release notes quote card text as written: on GitHub it makes no link, image, mention, reference
or HTML; a changed card shows its change, however long the text; a report link moved to another
host is shown with the new host."""

from __future__ import annotations

import re
import shutil

import pytest
from conftest import make_project
from markdown_it import MarkdownIt

from deckgen.text.notesmarkdown import change_window, code_span

HOSTILE = [
    "![tracker](https://evil.example/pixel.png)",
    "[Click here](https://evil.example/login)",
    "Ask @octocat and @github/security about #123 and owner/repo#7",
    '<img src="https://evil.example/x.png" onerror="alert(1)">',
    "<script>alert(1)</script>",
    "a `` double `` and a ``` triple fence",
    "https://evil.example/bare and www.evil.example",
    "**bold** _under_ ~~gone~~ | pipe",
]
LONG = ("In interpersonal psychotherapy the therapist links the onset of the patient's depressive symptoms to one "
        "of four problem areas, agrees on a focus with the patient during the initial sessions, and then works on "
        "it in the middle phase, before the termination phase consolidates the gains {word} and prepares for "
        "relapse, which is discussed openly with the patient and the family.")


def _card_file(answers: list[str], extra: str = "") -> str:
    lines = ["subdeck: first", "cards:"]
    for number, answer in enumerate(answers):
        # A YAML block: the text as written, each hostile string shown as code on the card.
        lines += [f"  - id: card-{number}", "    kind: basic", f"    question: Question {number}?",
                  "    answer: |-", f"      {answer}"]
    return "\n".join(lines) + "\n" + extra


def _notes(tmp_path, run_cli, before: str, after: str, settings: tuple[str, str] | None = None) -> str:
    project = make_project(tmp_path / "project")
    cards = project / "cards" / "course.yaml"
    deck = project / "cards" / "deck.yaml"
    original = deck.read_text()
    if settings:
        deck.write_text(original.replace("subdecks:\n", f"{settings[0]}subdecks:\n"))
    cards.write_text(before)
    assert run_cli("build", cwd=project).exit_code == 0
    shutil.copy(project / "build" / "test-1.0.0.apkg", tmp_path / "old.apkg")
    if settings:
        deck.write_text(original.replace("subdecks:\n", f"{settings[1]}subdecks:\n"))
    cards.write_text(after)
    built = run_cli("build", cwd=project)
    assert built.exit_code == 0, built.stderr
    result = run_cli("diff", str(tmp_path / "old.apkg"), cwd=project)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _inline_tokens(markdown: str):
    for token in MarkdownIt("commonmark", {"html": True}).enable(["strikethrough", "table"]).parse(markdown):
        if token.type in ("html_block", "table_open"):
            yield token
        yield from token.children or ()


def test_card_text_in_the_release_notes_is_quoted_and_never_live(tmp_path, run_cli):
    quoted = [f"`` {text} ``" if "`" not in text else f"```` {text} ````" for text in HOSTILE]
    notes = _notes(tmp_path, run_cli, _card_file(["safe"] * len(HOSTILE)), _card_file(quoted + ["new card"]))

    tokens = list(_inline_tokens(notes))
    live = [token.type for token in tokens
            if token.type in ("link_open", "image", "html_inline", "html_block", "strong_open", "table_open")
            and token.markup != "**"]  # the notes' own bold
    outside_code = " ".join(token.content for token in tokens if token.type == "text")
    code = [token.content for token in tokens if token.type == "code_inline"]
    assert live == []
    assert not re.search(r"@\w|#\d|https?:|www\.|<", outside_code)
    for text in HOSTILE:  # each shown whole, as the student reads it
        assert text in code


@pytest.mark.parametrize("text", ["plain", "`", "``a`", "a ``` b", " lead", "trail `", "@user #1 <b>"])
def test_a_code_span_shows_any_text_as_it_is(text):
    [paragraph] = [token for token in MarkdownIt("commonmark").parse(code_span(text)) if token.type == "inline"]

    assert [(child.type, child.content) for child in paragraph.children] == [("code_inline", text)]


def test_a_one_word_fix_in_a_long_answer_shows_the_word_before_and_after(tmp_path, run_cli):
    notes = _notes(tmp_path, run_cli, _card_file([LONG.format(word="achieved")]),
                   _card_file([LONG.format(word="achieved so far")]))

    [line] = [line for line in notes.splitlines() if line.startswith("  - `Answer`: ")]
    assert line == ("  - `Answer`: `…termination phase consolidates the gains achieved and prepares for relapse, "
                    "which is discussed…` → `…termination phase consolidates the gains achieved so far and prepares "
                    "for relapse, which is discussed…`")


def test_a_short_answer_is_shown_whole_before_and_after(tmp_path, run_cli):
    notes = _notes(tmp_path, run_cli, _card_file(["Klerman and Weisman"]), _card_file(["Klerman and Weissman"]))

    assert "  - `Answer`: `Klerman and Weisman` → `Klerman and Weissman`\n" in notes


@pytest.mark.parametrize("before, after", [
    ("x" * 5000 + "a" + "x" * 5000, "x" * 5000 + "b" + "x" * 5000),
    ("ab " * 400, "ab " * 401),
    ("word " * 50 + "one", "word " * 50 + "one two"),
    ("start " + "y" * 3000, "begin " + "y" * 3000),
    ("z" * 400, "z" * 200),
])
def test_a_change_window_never_shows_two_identical_texts(before, after):
    shown_before, shown_after = change_window(before, after)

    assert shown_before != shown_after
    assert max(len(shown_before), len(shown_after)) < 400


def test_a_report_link_moved_to_another_host_shows_the_new_host(tmp_path, run_cli):
    address = "https://{host}/owner/deck/issues/new?title=Card+{{card}}"
    notes = _notes(tmp_path, run_cli, _card_file(["an answer"]), _card_file(["an answer"]),
                   settings=(f"report_url: '{address.format(host='github.com')}'\n",
                             f"report_url: '{address.format(host='evil.example')}'\n"))

    assert notes.split("## Changed")[1] == (
        " (1 note, 1 card)\n\n"
        "- The “Report a problem with this card” link on 1 note (nothing else changed on them)\n"
        "- The “Report a problem with this card” link on 1 note now leads to `evil.example` instead of "
        "`github.com` (for example `https://evil.example/owner/deck/issues/new?title=Card+card-0`)\n")


def test_the_import_options_name_the_deck_as_code_whatever_its_name():
    """The release notes quote the import options with the deck's name, and `deckgen diff` names the deck
    of any package: a name holding Markdown, a mention or a link stays text (adversarial review)."""
    from deckgen.changes.students import import_options

    options = import_options("Evil @octocat <img src=https://evil.example/p.png> [l](https://evil.example/)")

    assert ("The deck brings a preset, `Evil @octocat <img src=https://evil.example/p.png> [l](https://evil.example/) "
            "(course order)`, that gives you") in options
