"""`deckgen diff` on packages it did not build: every odd or hostile package is a message, with
memory bounded, never a traceback."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from deckgen.apkg import container
from deckgen.changes import notes as diff
from deckgen.changes.packaged import deck_contents, read_package


def _package(path: Path, models: str = "{}", decks: str = "{}", method: int = zipfile.ZIP_DEFLATED) -> Path:
    database = sqlite3.connect(":memory:")
    database.executescript(
        "CREATE TABLE col (ver INTEGER, models TEXT, decks TEXT, dconf TEXT);"
        "CREATE TABLE notes (id INTEGER, guid TEXT, mid INTEGER, mod INTEGER, flds TEXT, tags TEXT);"
        "CREATE TABLE cards (nid INTEGER, did INTEGER, ord INTEGER);"
    )
    database.execute("INSERT INTO col VALUES (11, ?, ?, '{}')", (models, decks))
    database.commit()
    data = database.serialize()
    database.close()
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        archive.writestr("collection.anki2", data)
        archive.writestr("media", "{}")
    return path


CASES = {
    "note types that are a list": (
        lambda path: _package(path, models="[1, 2]"),
        "not a readable Anki package: its note types are not a JSON object of objects",
    ),
    "decks nested deeply": (
        lambda path: _package(path, decks="[" * 100_000 + "]" * 100_000),
        "not a readable Anki package: its data is nested too deeply",
    ),
    "a compression deckgen does not read": (
        lambda path: _package(path, method=zipfile.ZIP_BZIP2),
        "the package's entry 'collection.anki2' is compressed in a way Anki does not write: export it again from Anki",
    ),
    "not a zip at all": (
        lambda path: path.write_bytes(b"PK\x03\x04 but nothing else") and path,
        "cannot read the package (File is not a zip file): give an .apkg built by deckgen or exported from Anki",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_an_odd_package_is_a_message(case, tmp_path, run_cli):
    make, message = CASES[case]
    odd = make(tmp_path / "odd.apkg")
    good = _package(tmp_path / "good.apkg", models=json.dumps({}))

    result = run_cli("diff", str(odd), str(good), cwd=tmp_path)

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"{odd}: {message}", "1 problem found; nothing was written"]


def test_a_zip_bomb_is_read_no_further_than_the_bound(tmp_path, run_cli, monkeypatch):
    monkeypatch.setattr(container, "MAX_COLLECTION_BYTES", 1_000_000)
    bomb = tmp_path / "bomb.apkg"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("collection.anki2", "w") as entry:
            for _ in range(20):
                entry.write(bytes(1_000_000))
    assert bomb.stat().st_size < 100_000

    result = run_cli("diff", str(bomb), str(bomb), cwd=tmp_path)

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{bomb}: the package's collection is larger than 1,000,000 bytes: no deck deckgen reads is that large"
    )


def test_a_corrupt_or_encrypted_package_is_a_message(tmp_path, run_cli):
    good = _package(tmp_path / "good.apkg")
    corrupt = tmp_path / "corrupt.apkg"
    data = bytearray(good.read_bytes())
    start = data.index(b"collection.anki2") + len("collection.anki2")
    data[start + 10:start + 60] = bytes(50)  # the deflate stream, broken
    corrupt.write_bytes(bytes(data))
    encrypted = tmp_path / "encrypted.apkg"
    data = bytearray(good.read_bytes())
    data[data.index(b"PK\x01\x02") + 8] |= 0x1  # the first entry's "encrypted" flag, in the central directory
    encrypted.write_bytes(bytes(data))

    for package in (corrupt, encrypted):
        result = run_cli("diff", str(package), str(good), cwd=tmp_path)

        assert result.exit_code == 1 and "Traceback" not in result.stderr
        assert result.stderr.splitlines()[0].startswith(f"{package}: ")


def test_release_notes_ask_students_to_import_the_presets_a_release_brings(tmp_path, run_cli):
    from conftest import make_project

    project = make_project(tmp_path / "project")
    (project / "cards" / "one.yaml").write_text(
        "subdeck: first\ncards:\n  - id: one\n    kind: basic\n    question: Who?\n    answer: Klerman\n")
    assert run_cli("build", cwd=project).exit_code == 0
    package = project / "build" / "test-1.0.0.apkg"
    old = tmp_path / "before-presets.apkg"
    with zipfile.ZipFile(package) as archive, zipfile.ZipFile(old, "w") as copy:
        for entry in archive.namelist():
            data = archive.read(entry)
            if entry == "collection.anki2":
                database = sqlite3.connect(":memory:")
                database.deserialize(data)
                presets = json.loads(database.execute("SELECT dconf FROM col").fetchone()[0])
                database.execute("UPDATE col SET dconf = ?", (json.dumps({"1": presets["1"]}),))
                database.commit()
                data = database.serialize()
            copy.writestr(entry, data)

    notes = run_cli("diff", str(old), str(package), cwd=project).stdout

    assert ("- **Tick “Import deck presets”** in Anki's import dialog: this release brings `Test (course order)`, "
            "`Test (retired cards)`, which give you new cards in the course's order and keep deleted retired cards "
            "from coming back to study.") in notes


def test_a_rendered_deck_compares_as_the_package_built_from_it(tmp_path):
    from conftest import FIXTURES, make_project

    from deckgen.commands.pipeline import build

    project = make_project(tmp_path / "project", FIXTURES / "golden")
    built = build(project, release_time=1764166041)

    packaged = read_package(built.output)
    rendered = deck_contents(built.checked.deck, built.output.name)

    assert (rendered.notes, rendered.note_types) == (packaged.notes, packaged.note_types)
    assert diff.note_changes(packaged, rendered) == {}


def test_note_changes_name_each_note_added_changed_or_retired(tmp_path):
    from conftest import FIXTURES, make_project
    from helpers import replace_in_file

    from deckgen.commands.pipeline import build, check

    project = make_project(tmp_path / "project", FIXTURES / "golden")
    old = read_package(build(project, release_time=1764166041).output)
    cards = project / "cards" / "kinds.yaml"
    replace_in_file(cards, "Role transition", "A role transition")
    replace_in_file(cards, "  - id: golden-list\n", "  - id: golden-list\n    retired: true\n")
    replace_in_file(cards, "    subdeck: second\n", "    subdeck: first\n")  # golden-reverse moves
    cards.write_text(cards.read_text() + "  - id: golden-new\n    kind: basic\n    question: Q?\n    answer: A\n")
    deck = check(project).deck
    guids = {note.guid: note.card_id for note in deck.notes}

    changes = diff.note_changes(old, deck_contents(deck, "now"))

    assert {guids[guid]: change for guid, change in changes.items()} == {
        "golden-reverse": diff.CHANGED, "golden-list": diff.RETIRED, "golden-new": diff.ADDED}


def test_release_notes_show_cloze_text_as_a_student_reads_it(tmp_path, run_cli):
    from conftest import make_project

    project = make_project(tmp_path / "project")
    cards = project / "cards" / "founders.yaml"
    cards.write_text(
        "subdeck: first\ncards:\n"
        "  - id: founders\n    kind: cloze\n    text: '{{c1::Klerman}} and {{c2::Weissman::a founder}} founded IPT'\n"
        "  - id: phases\n    kind: list\n    question: Which phases?\n    items: [Initial, Middle]\n")
    assert run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": "1764000000"}).exit_code == 0
    cards.write_text(
        cards.read_text().replace("founded IPT'", "founded IPT in the {{c3::1970s}}'")
        .replace("Middle]", "Middle, End]")
        + "  - id: decade\n    kind: cloze\n    text: 'IPT began in the {{c1::1970s}}.'\n")
    assert run_cli("release", "1.1.0", cwd=project, env={"SOURCE_DATE_EPOCH": "1764000600"}).exit_code == 0

    notes = run_cli("diff", str(project / "build" / "test-1.0.0.apkg"), cwd=project).stdout

    assert notes.split("## Added")[1] == (
        " (1 note, 1 card)\n\n"
        "- `Test::First` · `IPT began in the 1970s.`\n\n"
        "## Changed (2 notes, 6 cards)\n\n"
        "- `Test::First` · `Klerman and Weissman founded IPT in the 1970s`\n"
        "  - `Text`: `Klerman and Weissman founded IPT` → `Klerman and Weissman founded IPT in the 1970s`\n"
        "- `Test::First` · `Which phases?`\n"
        "  - `Items`: `Initial Middle` → `Initial Middle End`\n"
    )
    assert "{{c" not in notes
