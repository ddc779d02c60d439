"""The one package reader (deckgen/apkg/): a deck Anki exports in its current format (zstd
collection.anki21b beside a dummy collection.anki2), in the legacy one and as a .colpkg reads the
same for `diff` and `import`; every hostile package is a one-line message for both, never a
traceback or a hang."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from anki.collection import Collection, DeckIdLimit, ExportAnkiPackageOptions

from anki_client import import_package
from deckgen.apkg import read_package
from deckgen.apkg.model import Version
from helpers import PNG


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
        _add(collection, "Cloze", second, ["ipt::cloze"], Text="IPT was founded by {{c1::Klerman}} and {{c2::Weissman}}",
             Back_Extra="1970s")
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
    assert current.media == legacy.media == (type(current.media[0])("phases.png", PNG),)
    assert {name: deck_id for name, deck_id in current.deck_ids.items() if name.startswith("Psych")} == {
        name: deck_id for name, deck_id in legacy.deck_ids.items() if name.startswith("Psych")}


@pytest.mark.parametrize("name", ["current.apkg", "collection.colpkg"])
def test_diff_of_one_deck_exported_both_ways_reports_no_change(name, exports, run_cli, tmp_path):
    result = run_cli("diff", str(exports["legacy.apkg"]), str(exports[name]), cwd=tmp_path)

    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        f"# Release notes: legacy.apkg → {name}\n\n## What students need to do\n\n"
        "- Nothing special: import the new file with Anki's default options; your reviews are kept.\n")


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
