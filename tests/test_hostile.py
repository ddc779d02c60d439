"""Hostile input: media that reach outside the project, and known XSS payloads in every field.

No contributed card may put executable content in front of a student: every payload of
fixtures/xss/payloads.txt goes into every field of every card kind, the deck is built, and
what the real Anki renders for each card is parsed and checked against an allow-list.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from anki.collection import Collection
from anki_client import import_package, rendered_problems
from conftest import FIXTURES, files_below, make_project
from helpers import CONSTRUCTS, PNG, drop_refused_card_files, inside, unsafe_parts, yaml_string

PAYLOADS = (FIXTURES / "xss" / "payloads.txt").read_text().splitlines()
CARD = (
    "subdeck: first\ncards:\n  - id: picture\n    kind: basic\n"
    "    question: 'What does this show? ![diagram](phases.png)'\n"
    "    answer: The phases of IPT\n    media: [phases.png]\n"
)


def _link_outside(media: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.png"
    outside.write_bytes(PNG)
    (media / "phases.png").symlink_to(outside)


def _device(media: Path, tmp_path: Path) -> None:
    os.mkfifo(media / "phases.png")


def _too_big(media: Path, tmp_path: Path) -> None:
    with (media / "phases.png").open("wb") as file:
        file.write(PNG)
        file.truncate(20_000_001)


def _folder(media: Path, tmp_path: Path) -> None:
    (media / "phases.png").mkdir()


def _link_to_device(media: Path, tmp_path: Path) -> None:
    (media / "phases.png").symlink_to("/dev/zero")


MEDIA_CASES = {
    "link to a file outside": (
        _link_outside, "media file 'phases.png' links to a file outside cards/media/: copy the file in instead"),
    "link to a device": (
        _link_to_device, "media file 'phases.png' links to a file outside cards/media/: copy the file in instead"),
    "named pipe": (_device, "media file 'phases.png' is not a regular file: put an image or sound file there"),
    "folder": (_folder, "media file 'phases.png' is not a regular file: put an image or sound file there"),
    "too big": (
        _too_big,
        "media file 'phases.png' has 20,000,001 bytes; the limit is 20,000,000: make it smaller"),
}


@pytest.mark.parametrize("case", MEDIA_CASES)
def test_media_that_escape_or_are_not_files_are_refused(case, tmp_path, run_cli):
    make_media, message = MEDIA_CASES[case]
    project = make_project(tmp_path / "project")
    media = project / "cards" / "media"
    media.mkdir()
    make_media(media, tmp_path)
    (project / "cards" / "pictures.yaml").write_text(CARD)
    before = set(files_below(project))

    result = run_cli("build", cwd=project)

    assert result.stderr.splitlines()[0] == f"cards/pictures.yaml:7:13: {message}"
    assert result.exit_code == 1
    assert set(files_below(project)) == before


def test_a_card_file_over_the_size_limit_is_refused(tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    (project / "cards" / "huge.yaml").write_text("# padding\n" * 100_001)

    result = run_cli("check", cwd=project)

    assert result.stderr.splitlines()[0] == (
        "cards/huge.yaml:1:1: file is 1,000,010 bytes; the limit is 1,000,000: split it into several card files"
    )
    assert result.exit_code == 1


def _hostile_cards() -> str:
    lines = ["subdeck: first", "cards:"]
    for number, payload in enumerate(PAYLOADS):
        field = yaml_string(f"Text {payload}")
        common = [f"    extra: {field}", f"    topic: {yaml_string(payload[:40])}"]
        lines += [f"  - id: basic-{number}", "    kind: basic", f"    question: {field}",
                  f"    answer: {field}", *common]
        lines += [f"  - id: reverse-{number}", "    kind: reverse", f"    question: {field}",
                  f"    answer: {field}", *common]
        lines += [f"  - id: cloze-{number}", "    kind: cloze",
                  f"    text: {yaml_string('{{c1::hidden}} ' + payload)}", *common]
        lines += [f"  - id: list-{number}", "    kind: list", f"    question: {field}",
                  f"    items: [{field}, {field}]", *common]
    return "\n".join(lines) + "\n"


def _without_note_type_css(html: str) -> str:
    # Anki puts the note type's own CSS (ours, from templates/style.css) in front of each side.
    assert html.startswith("<style>")
    return html[html.index("</style>") + len("</style>") :]


@pytest.mark.slow
def test_no_xss_payload_reaches_a_student_from_any_field_of_any_card_kind(tmp_path, run_cli):
    assert len(PAYLOADS) >= 50
    project = make_project(tmp_path / "project")
    (project / "cards" / "hostile.yaml").write_text(_hostile_cards())
    built = run_cli("build", cwd=project)
    assert built.exit_code == 0, built.stderr
    assert "warning:" in built.stderr
    strict = run_cli("build", "--strict", cwd=project)
    assert strict.exit_code == 1
    (tmp_path / "student").mkdir()
    collection = Collection(str(tmp_path / "student" / "collection.anki2"))

    import_package(collection, project / "build" / "test-1.0.0.apkg")

    assert collection.note_count() == 4 * len(PAYLOADS)
    findings = []
    for card_id in collection.find_cards(""):
        card = collection.get_card(card_id)
        for side, html in (("question", card.question()), ("answer", card.answer())):
            unsafe = unsafe_parts(_without_note_type_css(html))
            if unsafe or "<style" in _without_note_type_css(html).lower():
                findings.append(f"{card.note().guid} {side}: {unsafe}")
    collection.close()
    assert findings == []
    assert files_below(project / "build")


@pytest.mark.slow
def test_no_xss_payload_reaches_a_student_from_a_table_cell_a_code_block_or_maths(tmp_path, run_cli, student):
    project = make_project(tmp_path / "project")
    for number, payload in enumerate(PAYLOADS):
        for construct in CONSTRUCTS:  # one file each: refused maths leaves the other constructs in
            text, name = yaml_string(inside(construct, payload)), f"{construct.replace(' ', '-').lower()}-{number}"
            (project / "cards" / f"{name}.yaml").write_text(
                f"subdeck: first\ncards:\n  - id: {name}\n    kind: basic\n"
                f"    question: {text}\n    answer: {text}\n    extra: {text}\n")
    refused, _ = drop_refused_card_files(project)
    assert run_cli("build", cwd=project).exit_code == 0

    import_package(student, project / "build" / "test-1.0.0.apkg")

    assert student.note_count() == len(PAYLOADS) * len(CONSTRUCTS) - len(refused) > 300
    findings = []
    for card_id in student.find_cards(""):
        card = student.get_card(card_id)
        for side, html in (("question", card.question()), ("answer", card.answer())):
            unsafe = unsafe_parts(_without_note_type_css(html))  # a style= attribute among them
            if unsafe or "<style" in _without_note_type_css(html).lower():
                findings.append(f"{card.note().guid} {side}: {unsafe}")
    assert findings == []


def test_no_xss_payload_reaches_a_student_from_references_or_the_deck_description(tmp_path, run_cli, student):
    project = make_project(tmp_path / "project")
    entries, cards = [], ["subdeck: first", "cards:"]
    for number, payload in enumerate(PAYLOADS):
        entries += [f"ref{number}:", f"  authors: [{yaml_string('Doe, J. ' + payload)}]", "  year: 2020",
                    f"  title: {yaml_string('Title ' + payload)}", f"  journal: {yaml_string('Journal ' + payload)}",
                    f"  volume: {yaml_string(payload)}", f"  pages: {yaml_string(payload)}",
                    f"  doi: {yaml_string(payload)}"]
        cards += [f"  - id: cited-{number}", "    kind: basic", "    question: Who?", "    answer: Doe",
                  f"    source: ref{number}"]
    (project / "cards" / "references.yaml").write_text("\n".join(entries) + "\n")
    (project / "cards" / "cited.yaml").write_text("\n".join(cards) + "\n")
    settings = project / "cards" / "deck.yaml"
    description = yaml_string("About " + " ".join(PAYLOADS))
    settings.write_text(
        settings.read_text().replace("description: A deck the tests build.", f"description: {description}"))
    assert run_cli("build", cwd=project).exit_code == 0

    import_package(student, project / "build" / "test-1.0.0.apkg")

    findings = []
    for card_id in student.find_cards(""):
        findings += unsafe_parts(_without_note_type_css(student.get_card(card_id).answer()))
    assert student.note_count() == len(PAYLOADS)
    assert findings == [] and unsafe_parts(student.decks.by_name("Test")["desc"]) == []


def test_anki_syntax_in_topics_and_references_stays_inert(tmp_path, run_cli, student):
    project = make_project(tmp_path / "project")
    (project / "cards" / "references.yaml").write_text(
        'tricky:\n  authors: ["Smith, {{c3::J.}}"]\n  year: 2020\n  title: "[sound:../../secret.mp3] {{Deck}}"\n'
        "  publisher: Press\n"
    )
    (project / "cards" / "tricky.yaml").write_text(
        "subdeck: first\ncards:\n  - id: tricky\n    kind: cloze\n"
        "    text: '{{c1::Klerman}} founded IPT.'\n"
        "    topic: '{{c2::Set}} notation }} [sound:x.mp3]'\n    source: tricky\n"
    )
    assert run_cli("build", "--strict", cwd=project).exit_code == 0

    import_package(student, project / "build" / "test-1.0.0.apkg")

    assert student.card_count() == 1
    card = student.get_card(student.find_cards("")[0])
    assert rendered_problems(student) == []
    assert card.question_av_tags() == [] and card.answer_av_tags() == []


def _card_file_linked_outside(project: Path, tmp_path: Path) -> None:
    (project / "cards" / "passwords.yaml").symlink_to("/etc/passwd")


def _media_folder_linked_outside(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "phases.png").write_bytes(PNG)
    (project / "cards" / "media").symlink_to(outside)
    (project / "cards" / "pictures.yaml").write_text(CARD)


def _template_linked_outside(project: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.html"
    secret.write_text("a secret of the machine that builds")
    (project / "templates" / "basic.front.html").unlink()
    (project / "templates" / "basic.front.html").symlink_to(secret)


def _lock_linked_outside(project: Path, tmp_path: Path) -> None:
    (tmp_path / "other.lock").write_text("{}")
    (project / "cards" / "deck.lock").symlink_to(tmp_path / "other.lock")


OUTSIDE = {
    "card file": (_card_file_linked_outside,
                  "cards/passwords.yaml:1:1: cards/passwords.yaml is a link to a file outside cards/: put the file "
                  "itself there"),
    "media folder": (_media_folder_linked_outside,
                     "cards/pictures.yaml:7:13: cards/media/ is a link to another folder: make it a real folder "
                     "holding the files"),
    "template": (_template_linked_outside,
                 "templates/basic.front.html:1:1: template 'basic.front.html' is a link to a file outside the "
                 "templates folder: put the file itself there"),
    "lock file": (_lock_linked_outside,
                  "cards/deck.lock:1:1: the lock file is a link: restore the file itself from git"),
}


@pytest.mark.parametrize("case", OUTSIDE)
def test_nothing_outside_the_project_is_read(case, tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    (project / "cards" / "first.yaml").write_text(
        "subdeck: first\ncards:\n  - id: one\n    kind: basic\n    question: Who?\n    answer: Klerman\n")
    link, message = OUTSIDE[case]
    link(project, tmp_path)

    result = run_cli("build", cwd=project)

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [message, "1 problem found; nothing was written"]
    assert "root:" not in result.stderr and "secret" not in result.stderr
    assert files_below(project / "build") == {}  # but deckgen's cache
    assert not any(b"secret" in path.read_bytes() for path in project.glob("build/**/*") if path.is_file())


def test_names_from_files_and_keys_cannot_write_to_the_terminal_or_the_ci_log(tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    (project / "cards" / "x\n::error file=README.md::forged.yaml").write_text(
        'subdeck: first\ncards:\n  - id: one\n    kind: basic\n    question: Who?\n    answer: Klerman\n'
        '    "\\e[31mred\\u202e": 1\n')

    result = run_cli("check", cwd=project)

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "cards/x\\n::error file=README.md::forged.yaml:7:5: unknown key '\\x1b[31mred\\u202e': basic card 'one' "
        "may have id, kind, subdeck, topic, extra, source, corrects, tags, media, retired, guid, question or answer",
        "1 problem found; nothing was written",
    ]


@pytest.mark.parametrize("command", ["build", "lint", "preview", "check"])
def test_an_emoji_escaped_as_json_writes_it_is_the_emoji(command, tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    (project / "cards" / "first.yaml").write_text(
        'subdeck: first\ncards:\n  - id: smile\n    kind: basic\n    question: "Which face? \\ud83d\\ude00"\n'
        "    answer: A smile\n    source: weissman2017\n"
    )

    result = run_cli(command, cwd=project)

    assert result.exit_code == 0, result.stderr
    if command == "preview":
        assert "Which face? \U0001F600" in (project / "build" / "preview.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", ["check", "lint", "preview", "build"])
def test_an_unknown_marked_section_is_a_message_not_a_traceback(command, tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    (project / "cards" / "first.yaml").write_text(
        'subdeck: first\ncards:\n  - id: marked\n    kind: basic\n    question: "Who? <div><![x[ section"\n'
        "    answer: Klerman\n    source: weissman2017\n")

    strict = ("--strict",) if command in ("check", "build") else ()
    result = run_cli(command, *strict, cwd=project)

    assert "Traceback" not in result.stderr
    assert result.exit_code == (0 if command == "preview" else 1), result.stderr  # lint: L007, dropped markup
    if command == "check":
        assert result.stderr.splitlines()[0] == (
            "cards/first.yaml:5:15: warning: 'question' contains <div>, which cards may not use: the build leaves it "
            "out; use the Markdown markup (**bold**, *italic*, lists) or one of <br>, <kbd>, <mark>, <small>, <sub>, "
            "<sup>, <u>")


def test_a_build_folder_that_is_a_link_is_refused(tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    (project / "cards" / "first.yaml").write_text(
        "subdeck: first\ncards:\n  - id: one\n    kind: basic\n    question: Who?\n    answer: Klerman\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / ".test-1.0.0.apkg.99999999.victim.tmp").write_text("someone else's")
    (project / "build").symlink_to(elsewhere)

    results = [run_cli(*command, cwd=project) for command in (["build"], ["preview"], ["release", "1.0.0"])]

    assert [result.exit_code for result in results] == [1, 1, 1]
    assert {result.stderr.splitlines()[0] for result in results} == {
        "build:1:1: build/ is a link to another folder: make it a real folder (or remove it)"}
    assert sorted(path.name for path in elsewhere.iterdir()) == [".test-1.0.0.apkg.99999999.victim.tmp"]


def test_deckgen_new_into_a_card_file_that_is_a_folder_is_a_message(tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    (project / "cards" / "first.yaml").write_text(
        "subdeck: first\ncards:\n  - id: one\n    kind: basic\n    question: Who?\n    answer: Klerman\n")
    (project / "cards" / "second.yaml").mkdir()

    result = run_cli("new", "basic", "--subdeck", "second", cwd=project)

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "cards/second.yaml:1:1: this is not a plain card file (a folder, a link or a device): move it away first")


def test_a_file_name_that_is_not_utf8_is_printed_as_escapes(tmp_path):
    project = make_project(tmp_path / "project")
    (project / "cards" / os.fsdecode(b"caf\xe9.yaml")).write_text(
        "subdeck: first\ncards:\n  - id: one\n    kind: basic\n    question: Who?\n    answer: Klerman\n"
        "    anwser: x\n")

    result = subprocess.run([sys.executable, "-m", "deckgen", "lint"], cwd=project, capture_output=True,
                            env={**os.environ, "PYTHONIOENCODING": "utf-8:strict"})

    assert result.returncode == 1
    assert result.stderr.decode().splitlines()[0].startswith("cards/caf\\udce9.yaml:7:5: unknown key 'anwser'")


def test_a_source_date_epoch_of_thousands_of_digits_is_a_message(tmp_path, run_cli):
    project = make_project(tmp_path / "project")
    (project / "cards" / "first.yaml").write_text(
        "subdeck: first\ncards:\n  - id: one\n    kind: basic\n    question: Who?\n    answer: Klerman\n")

    result = run_cli("build", cwd=project, env={"SOURCE_DATE_EPOCH": "9" * 5000})

    assert result.exit_code == 1
    assert result.stderr.startswith("SOURCE_DATE_EPOCH: must be a positive whole number of seconds since 1970")
