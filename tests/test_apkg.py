"""The one package reader (deckgen/apkg/): a deck Anki exports in its current format (zstd
collection.anki21b beside a dummy collection.anki2), in the legacy one and as a .colpkg reads the
same for `diff` and `import`; every hostile package is a one-line message for both, never a
traceback or a hang."""

from __future__ import annotations

import json
import sqlite3
import time
import zipfile
from pathlib import Path

import pytest
import zstandard
from anki.collection import Collection, DeckIdLimit, ExportAnkiPackageOptions
from anki_client import import_package
from helpers import PNG

from deckgen.apkg import Media, collection, container, read_package
from deckgen.apkg.contents import Version
from deckgen.changes.students import import_options


def _add(collection: Collection, note_type: str, deck: int, tags: list[str], **fields: str) -> None:
    note = collection.new_note(collection.models.by_name(note_type))
    for name, value in fields.items():
        note[name.replace("_", " ")] = value
    note.tags = tags
    collection.add_note(note, deck)


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, Path]:
    """One deck made in Anki, exported by Anki as a teacher would: the default (current) format,
    'Support older Anki versions' (legacy), and the whole collection (.colpkg)."""
    folder = tmp_path_factory.mktemp("author")
    collection = Collection(str(folder / "collection.anki2"))
    try:
        top = collection.decks.id("Psych")
        first, second = collection.decks.id("Psych::Phases"), collection.decks.id("Psych::Roles")
        collection.media.write_data("phases.png", PNG)
        _add(collection, "Basic", first, ["ipt::phases"], Front="How many <b>phases</b>?", Back="Three")
        _add(collection, "Basic", first, [], Front="What does this show?", Back='<img src="phases.png">')
        _add(collection, "Basic (and reversed card)", second, ["ipt::roles"], Front="Role dispute",
             Back="A <i>non-reciprocal</i> expectation")
        _add(collection, "Cloze", second, ["ipt::cloze"],
             Text="IPT was founded by {{c1::Klerman}} and {{c2::Weissman}}", Back_Extra="1970s")
        exports = {}
        for name, legacy in (("legacy.apkg", True), ("current.apkg", False)):
            collection.export_anki_package(out_path=str(folder / name), limit=DeckIdLimit(top), options=(
                ExportAnkiPackageOptions(with_scheduling=False, with_deck_configs=False, with_media=True,
                                         legacy=legacy)))
            exports[name] = folder / name
        collection.export_collection_package(str(folder / "collection.colpkg"), include_media=True, legacy=False)
        exports["collection.colpkg"] = folder / "collection.colpkg"
    finally:
        collection.close()
    return exports


def test_each_format_is_read_from_the_collection_anki_reads(exports):
    versions = {name: read_package(path).version for name, path in exports.items()}

    assert versions == {"legacy.apkg": Version.LEGACY_2, "current.apkg": Version.LATEST,
                        "collection.colpkg": Version.LATEST}


@pytest.mark.parametrize("name", ["current.apkg", "collection.colpkg"])
def test_the_current_format_holds_what_the_legacy_one_does(name, exports):
    legacy, current = (read_package(exports[key], with_media=True) for key in ("legacy.apkg", name))
    used = {note.note_type_id for note in legacy.notes}

    assert current.notes == legacy.notes and len(current.notes) == 4
    assert [t for t in current.note_types if t.note_type_id in used] == [
        t for t in legacy.note_types if t.note_type_id in used]
    assert current.media == legacy.media == (Media("phases.png", PNG),)
    assert {name: deck_id for name, deck_id in current.deck_ids.items() if name.startswith("Psych")} == {
        name: deck_id for name, deck_id in legacy.deck_ids.items() if name.startswith("Psych")}


@pytest.mark.parametrize("name", ["current.apkg", "collection.colpkg"])
def test_diff_of_one_deck_exported_both_ways_reports_no_change(name, exports, run_cli, tmp_path):
    result = run_cli("diff", str(exports["legacy.apkg"]), str(exports[name]), cwd=tmp_path)

    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        f"# Release notes: legacy.apkg → {name}\n\n## What students need to do\n\n"
        "- Nothing special: import the new file with the options below; your reviews are kept.\n\n"
        f"## Import options\n\n{import_options('Psych')}")


@pytest.mark.parametrize("name", ["current.apkg", "collection.colpkg"])
def test_import_of_anki_s_default_export_releases_without_adding_a_note(name, exports, run_cli, tmp_path, student):
    log = import_package(student, exports["current.apkg"])  # students have the teacher's deck
    assert len(log.new) == 4
    project = tmp_path / "project"

    imported = run_cli("import", str(exports[name]), str(project), cwd=tmp_path)
    assert imported.exit_code == 0, imported.stderr
    assert imported.stdout.splitlines()[-2].startswith(f"imported 4 notes of 3 note types into {project} "
                                                       "(2 subdecks, 1 media file)")
    checked = run_cli("check", "--strict", cwd=project)
    assert checked.exit_code == 0, checked.stderr
    released = run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": str(int(time.time()))})
    assert released.exit_code == 0, released.stderr

    log = import_package(student, project / "build" / "psych-1.0.0.apkg", presets=True)

    assert (len(log.new), len(log.updated), len(log.conflicting), len(log.duplicate)) == (0, 0, 0, 4)


# Hostile packages: Anki's current export, altered. Each is refused by `diff` and by `import` with
# the same one-line message (one reader), nothing written, within the bounds.

def _entries(package: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(package) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zipped(path: Path, entries: dict[str, bytes], method: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def _unzstd(data: bytes) -> bytes:
    """Anki's zstd, whose frames do not say their size."""
    return zstandard.ZstdDecompressor().stream_reader(data, read_across_frames=True).read()


def _changed(data: bytes, sql: str, folder: Path) -> bytes:
    """A collection's bytes changed by `sql` (with Anki's collation of names, as its schema names it)."""
    database = folder / "changed.sqlite"
    database.write_bytes(data)
    connection = sqlite3.connect(database)
    connection.create_collation("unicase", lambda a, b: (a.lower() > b.lower()) - (a.lower() < b.lower()))
    connection.executescript(sql)
    connection.commit()
    connection.close()
    return database.read_bytes()


def _with_sql(entries: dict[str, bytes], sql: str, folder: Path) -> dict[str, bytes]:
    """The entries with the zstd collection changed by `sql`."""
    changed = _changed(_unzstd(entries["collection.anki21b"]), sql, folder)
    return {**entries, "collection.anki21b": zstandard.ZstdCompressor().compress(changed)}


def _legacy_with_sql(entries: dict[str, bytes], sql: str, folder: Path) -> dict[str, bytes]:
    return {**entries, "collection.anki21": _changed(entries["collection.anki21"], sql, folder)}


def _zstd_of_zeros(size: int) -> bytes:
    """`size` zero bytes, zstd-compressed in a stream (no size in the frame header): a few kilobytes."""
    compressor = zstandard.ZstdCompressor().compressobj()
    chunk = bytes(1 << 20)
    return b"".join(compressor.compress(chunk) for _ in range(size >> 20)) + compressor.flush()


NOTE_TYPE = "(SELECT mid FROM notes LIMIT 1)"
WHOLE_NUMBER = "is not a whole number"
READ = "not a readable Anki package: "
# name: (the current and the legacy export's entries and a folder to work in -> the package's entries
#        or bytes; the message; whether `diff`, which reads no media, reads the package)
HOSTILE = {
    "a truncated zip": (lambda e, legacy, f: _zipped(f / "x", e).read_bytes()[:3000],
                        "cannot read the package (File is not a zip file): give an .apkg built by deckgen or exported "
                        "from Anki", False),
    "no zip at all": (lambda e, legacy, f: b"SQLite format 3\x00" + bytes(100),
                      "cannot read the package (File is not a zip file): give an .apkg built by deckgen or exported "
                      "from Anki", False),
    "no meta and only the current collection": (
        lambda e, legacy, f: {"collection.anki21b": e["collection.anki21b"]},
        "not an Anki package: it has no collection inside", False),
    "a meta of a newer version": (lambda e, legacy, f: {**e, "meta": b"\x08\x04"},
                                  "the package is of a version newer than the Anki deckgen knows (26.9): export it "
                                  "with 'Support older Anki versions' ticked", False),
    "a meta that is no protobuf": (lambda e, legacy, f: {**e, "meta": b"\x08"},
                                   "the package's version (its 'meta') is unreadable: export it again from Anki",
                                   False),
    "a meta of groups": (lambda e, legacy, f: {**e, "meta": b"\x0b\x0c"},
                         "the package's version (its 'meta') is unreadable: export it again from Anki", False),
    "a current meta without its collection": (
        lambda e, legacy, f: {name: data for name, data in e.items() if name != "collection.anki21b"},
        "not an Anki package: it has no collection.anki21b inside", False),
    "a collection that is not zstd": (
        lambda e, legacy, f: {**e, "collection.anki21b": _unzstd(e["collection.anki21b"])},
        "cannot read the package (zstd decompress error: Unknown frame descriptor): give an .apkg built by deckgen "
        "or exported from Anki", False),
    "a zstd collection that is no database": (
        lambda e, legacy, f: {**e, "collection.anki21b": zstandard.ZstdCompressor().compress(b"not SQLite" * 1000)},
        READ + "file is not a database", False),
    "a corrupt database": (
        lambda e, legacy, f: {**e, "collection.anki21b": zstandard.ZstdCompressor().compress(
            _unzstd(e["collection.anki21b"])[:20_000])},
        READ + "database disk image is malformed", False),
    "a zstd bomb for a collection": (lambda e, legacy, f: {**e, "collection.anki21b": _zstd_of_zeros(3 << 20)},
                                     "the package's collection is larger than 1,000,000 bytes: no deck deckgen reads "
                                     "is that large", False),
    "a zip bomb for a collection": (
        lambda e, legacy, f: _zipped(f / "bomb.apkg", {"collection.anki2": bytes(3 << 20)},
                                     zipfile.ZIP_DEFLATED).read_bytes(),
        "the package's collection is larger than 1,000,000 bytes: no deck deckgen reads is that large", False),
    "a collection compressed as Anki never does": (
        lambda e, legacy, f: _zipped(f / "bz.apkg", e, zipfile.ZIP_BZIP2).read_bytes(),
        "the package's entry 'meta' is compressed in a way Anki does not write: export it again from Anki", False),
    "a view for the notes that recurses for ever": (
        lambda e, legacy, f: _with_sql(e, "ALTER TABLE notes RENAME TO kept; CREATE VIEW notes AS WITH RECURSIVE "
                                          "r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n AS id, '' AS "
                                          "guid, 0 AS mid, 0 AS mod, '' AS flds, '' AS tags FROM r;", f),
        READ + "its 'notes' is not a plain table", False),
    "a missing table of presets": (lambda e, legacy, f: _with_sql(e, "DROP TABLE deck_config;", f),
                                   READ + "it has no table 'deck_config'", False),
    "more cards than a deck has": (
        lambda e, legacy, f: _with_sql(e, "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < "
                                          "1000) INSERT INTO cards SELECT n, nid, did, ord, mod, usn, type, queue, "
                                          "due, ivl, factor, reps, lapses, left, odue, odid, flags, data FROM r, "
                                          "(SELECT * FROM cards LIMIT 1);", f),
        READ + "it has more than 1,000 cards, more than deckgen reads", False),
    "a collection without its header row": (lambda e, legacy, f: _with_sql(e, "DELETE FROM col;", f),
                                            READ + "its collection has no header row", False),
    "a schema newer than Anki's": (lambda e, legacy, f: _with_sql(e, "UPDATE col SET ver = 99;", f),
                                   READ + "its collection has schema 99, newer than Anki's 18 deckgen knows", False),
    "a time that is text": (lambda e, legacy, f: _with_sql(e, "UPDATE notes SET mod = 'soon';", f),
                            READ + "the modification time of note {note} " + WHOLE_NUMBER, False),
    "a time that is a fraction": (lambda e, legacy, f: _with_sql(e, "UPDATE notes SET mod = 1.5;", f),
                                  READ + "the modification time of note {note} " + WHOLE_NUMBER, False),
    "fields that are a blob": (lambda e, legacy, f: _with_sql(e, "UPDATE notes SET flds = x'00ff';", f),
                               READ + "note {note}'s list of fields is not text", False),
    "a note type's config that is no protobuf": (
        lambda e, legacy, f: _with_sql(e, f"UPDATE notetypes SET config = x'1a05ab' WHERE id = {NOTE_TYPE};", f),
        READ + "the config of note type 'Basic' is not one Anki writes (a text is cut off)", False),
    "a template that is not UTF-8": (
        lambda e, legacy, f: _with_sql(e, f"UPDATE templates SET config = x'0a02c328' WHERE ntid = {NOTE_TYPE};", f),
        READ + "the config of 'Card 1' is not one Anki writes (field 1 is not UTF-8 text)", False),
    "a note type without fields": (
        lambda e, legacy, f: _with_sql(e, f"DELETE FROM fields WHERE ntid = {NOTE_TYPE};", f),
        READ + "note type 'Basic' has no fields, no card template or a sort field it lacks", False),
    "notes of a note type it lacks": (lambda e, legacy, f: _with_sql(e, "UPDATE notes SET mid = 42;", f),
                                      "notes of note type 42 are in the package, but not the note type: export the "
                                      "deck again from Anki", False),
    "a deck name that is a blob": (
        lambda e, legacy, f: _with_sql(e, "UPDATE decks SET name = x'07' WHERE id = (SELECT max(id) FROM decks);", f),
        READ + "a deck's name is not text", False),
    "a value built to fill the memory": (
        lambda e, legacy, f: _with_sql(e, "ALTER TABLE notes ADD COLUMN huge TEXT AS (printf('%.*c', 3000000, 'x'));"
                                  "ALTER TABLE notes RENAME COLUMN flds TO kept; ALTER TABLE notes RENAME COLUMN huge "
                                  "TO flds;", f),
        READ + "note {note}'s list of fields is not text", False),  # SQLite gives no text over its bound
    "a media list that is not zstd": (lambda e, legacy, f: {**e, "media": b"\x0a\x03\x0a\x01a"},
                                      "cannot read the package (zstd decompress error: Unknown frame descriptor): "
                                      "give an .apkg built by deckgen or exported from Anki", True),
    "a media list that is no protobuf": (
        lambda e, legacy, f: {**e, "media": zstandard.ZstdCompressor().compress(b"\x0a\x05\x0a")},
        "the package's media list is unreadable: export the deck again from Anki", True),
    "a media file that is a zstd bomb": (lambda e, legacy, f: {**e, "0": _zstd_of_zeros(3 << 20)},
                                         "the package's media file 'phases.png' is larger than 1,000,000 bytes", True),
    "a legacy note type id too large": (
        lambda e, legacy, f: _legacy_with_sql(legacy, "UPDATE col SET models = json_set(models, '$.' || "
                                      f"{NOTE_TYPE} || '.id', 1e30);", f),
        READ + "the id of 'Basic' " + WHOLE_NUMBER, False),
    "a legacy view for the cards that recurses for ever": (
        lambda e, legacy, f: _legacy_with_sql(legacy, "ALTER TABLE cards RENAME TO kept; CREATE VIEW cards AS WITH "
                                              "RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n AS "
                                              "nid, 1 AS did, 0 AS ord FROM r;", f),
        READ + "its 'cards' is not a plain table", False),
    "a legacy field name that is a list": (
        lambda e, legacy, f: _legacy_with_sql(legacy, "UPDATE col SET models = json_set(models, '$.' || "
                                              f"{NOTE_TYPE} || '.flds[0].name', json('[1]'));", f),
        READ + "a field's name in 'Basic' is not text", False),
    "legacy card templates that are an object": (
        lambda e, legacy, f: _legacy_with_sql(legacy, "UPDATE col SET models = json_set(models, '$.' || "
                                              f"{NOTE_TYPE} || '.tmpls', json('{{}}'));", f),
        READ + "the card templates of 'Basic' are not a list of objects", False),
    "a legacy deck id too large": (
        lambda e, legacy, f: _legacy_with_sql(legacy, "UPDATE col SET decks = json_set(decks, '$.1.id', 1e30);", f),
        READ + "a deck's id " + WHOLE_NUMBER, False),
    "legacy note types nested deeply": (
        lambda e, legacy, f: _legacy_with_sql(legacy, "UPDATE col SET models = '"
                                      + "[" * 100_000 + "]" * 100_000 + "';", f),
        READ + "its data is nested too deeply", False),
}



@pytest.fixture
def bounds(monkeypatch):
    """Bounds small enough for a test to reach quickly."""
    monkeypatch.setattr(container, "MAX_COLLECTION_BYTES", 1_000_000)
    monkeypatch.setattr(container, "MAX_MEDIA_BYTES", 1_000_000)
    monkeypatch.setattr(collection, "MAX_VALUE_BYTES", 1_000_000)
    monkeypatch.setattr(collection, "MAX_ROWS", 1_000)


@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_package_is_one_message_for_diff_and_import(case, exports, bounds, tmp_path, run_cli):
    make, message, diff_reads = HOSTILE[case]
    made = make(_entries(exports["current.apkg"]), _entries(exports["legacy.apkg"]), tmp_path)
    package = tmp_path / "hostile.apkg"
    if isinstance(made, bytes):
        package.write_bytes(made)
    else:
        _zipped(package, made)
    message = message.format(note=read_package(exports["current.apkg"]).notes[0].note_id)

    compared = run_cli("diff", str(package), str(exports["current.apkg"]), cwd=tmp_path)
    imported = run_cli("import", str(package), str(tmp_path / "project"), cwd=tmp_path)

    refusal = [f"{package}: {message}", "1 problem found; nothing was written"]
    assert (compared.exit_code, compared.stderr.splitlines()) == ((0, []) if diff_reads else (1, refusal))
    assert (imported.exit_code, imported.stderr.splitlines()) == (1, refusal)
    assert not (tmp_path / "project").exists()


def test_a_collection_that_takes_too_long_to_read_is_a_message(exports, monkeypatch, tmp_path, run_cli):
    """The time budget stops any query SQLite runs for too long (here: every query)."""
    monkeypatch.setattr(collection, "TIME_BUDGET_SECONDS", -1.0)
    monkeypatch.setattr(collection, "PROGRESS_STEPS", 1)

    result = run_cli("diff", str(exports["current.apkg"]), str(exports["legacy.apkg"]), cwd=tmp_path)

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{exports['current.apkg']}: reading the package's collection took longer than -1 seconds: it is not a "
        "collection Anki wrote")


def test_import_keeps_note_times_from_1970_to_now_in_the_lock(exports, tmp_path, run_cli):
    """A wrong clock's times (year 10000, before 1970) are clamped, not copied, and listed."""
    package = _zipped(tmp_path / "clock.apkg", _with_sql(_entries(exports["current.apkg"]), (
        "UPDATE notes SET mod = 253402300800 WHERE id = (SELECT min(id) FROM notes);"
        "UPDATE cards SET nid = -7000 WHERE nid = (SELECT max(id) FROM notes);"
        "UPDATE notes SET mod = -5, id = -7000 WHERE id = (SELECT max(id) FROM notes);"), tmp_path))
    project = tmp_path / "project"
    before = int(time.time())

    result = run_cli("import", str(package), str(project), cwd=tmp_path)

    assert result.exit_code == 0, result.stderr
    cards = json.loads((project / "cards" / "deck.lock").read_text())["cards"]
    times = {card_id: (card["added"], card["modified"]) for card_id, card in cards.items()}
    assert all(1 <= added <= modified <= int(time.time()) for added, modified in times.values()), times
    assert times["how-many-phases"][1] >= before  # year 10000 became the time of the import
    assert times["ipt-was-founded-by-klerman-and-weissman"] == (1, 1)  # and before 1970, 1970
    report = (project / "import-report.md").read_text()
    assert "## Times out of range" in report
    assert "- `how-many-phases`\n- `ipt-was-founded-by-klerman-and-weissman`\n" in report
    assert run_cli("check", "--strict", cwd=project).exit_code == 0
