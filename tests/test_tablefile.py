"""Card files kept as spreadsheets (CSV, TSV) read as YAML card files do: the same cards build the
same package, and every mistake is located at its row and column."""

from __future__ import annotations

import csv

import pytest
from conftest import FIXTURES, make_project

from deckgen.commands.pipeline import build, check
from deckgen.errors import DeckError

TABLE = FIXTURES / "table"
RELEASE_TIME = 1764166041


def _built(root):
    return build(root, release_time=RELEASE_TIME).output.read_bytes()


def test_a_csv_card_file_builds_the_package_its_yaml_twin_builds(tmp_path):
    from_yaml = make_project(tmp_path / "yaml", TABLE / "yaml")
    from_csv = make_project(tmp_path / "csv", TABLE / "csv")

    assert [card.id for card in check(from_csv).project.cards] == [card.id for card in check(from_yaml).project.cards]
    assert _built(from_csv) == _built(from_yaml)


def _rewrite_table(table, target, delimiter: str, encoding: str = "utf-8") -> None:
    """The fixture's CSV written again as a spreadsheet would save it, with another separator."""
    with table.open(newline="") as source:
        rows = list(csv.reader(source))
    with target.open("w", newline="", encoding=encoding) as out:
        csv.writer(out, delimiter=delimiter).writerows(rows)


def test_a_tsv_file_with_a_spreadsheets_byte_order_mark_reads_as_the_csv(tmp_path):
    from_yaml = make_project(tmp_path / "yaml", TABLE / "yaml")
    from_tsv = make_project(tmp_path / "tsv", TABLE / "csv")
    table = from_tsv / "cards" / "first.csv"
    _rewrite_table(table, from_tsv / "cards" / "first.tsv", "\t", encoding="utf-8-sig")
    table.unlink()

    assert _built(from_tsv) == _built(from_yaml)


def _problems(root) -> list[str]:
    with pytest.raises(DeckError) as raised:
        check(root)
    return [str(problem) for problem in raised.value.problems]


def test_a_header_cell_that_names_no_key_is_located_with_a_suggestion(tmp_path):
    root = make_project(tmp_path / "p")
    (root / "cards" / "first.csv").write_text("id,kind,question,anwser\na,basic,Q,A\n")

    assert _problems(root) == [
        "cards/first.csv:1:4: the header cell 'anwser' is not a card key (did you mean 'answer'?): name a key in "
        "each column of the first row (id, kind, subdeck, topic, extra, source, corrects, tags, media, retired, "
        "guid, question, answer, text, items, ordered, image, header, back_extra, mode, masks)"]


def test_a_bad_value_is_located_at_its_row_and_column(tmp_path):
    root = make_project(tmp_path / "p")
    (root / "cards" / "first.csv").write_text(
        'id,kind,question,answer\nfine,basic,Q,A\n"two\nlines",basic,Q,A\nthird,basic,Q,\n')

    assert _problems(root) == [
        "cards/first.csv:3:1: card id 'two\\nlines' must be lower-case letters, digits, '.', '-' or '_' (at most 64, "
        "starting with a letter or digit)",
        "cards/first.csv:5:1: basic card 'third' has no 'answer': add 'answer:' (the answer)"]


def test_the_exported_table_reads_back_as_a_card_file_and_builds_the_same_package(tmp_path, run_cli):
    original = make_project(tmp_path / "yaml", TABLE / "yaml")
    assert run_cli("export", "csv", "--output", str(tmp_path / "deck.csv"), cwd=original).exit_code == 0
    again = make_project(tmp_path / "again")
    (again / "cards" / "first.csv").write_bytes((tmp_path / "deck.csv").read_bytes())

    assert _built(again) == _built(original)


QUIZLET = "mitochondria\tthe powerhouse of the *cell*\nATP\tadenosine triphosphate\n"


def test_a_quizlet_export_becomes_cards_that_pass_strict_check(tmp_path, run_cli):
    root = make_project(tmp_path / "p")
    (tmp_path / "biology set.txt").write_text(QUIZLET)

    result = run_cli("import-cards", str(tmp_path / "biology set.txt"), "--subdeck", "second", cwd=root)

    assert result.exit_code == 0, result.stderr
    assert (root / "cards" / "biology-set.yaml").read_text() == (
        "subdeck: second\ncards:\n- id: mitochondria\n  kind: basic\n  question: mitochondria\n"
        "  answer: the powerhouse of the \\*cell\\*\n- id: atp\n  kind: basic\n  question: ATP\n"
        "  answer: adenosine triphosphate\n")
    assert run_cli("check", "--strict", cwd=root).exit_code == 0


def test_an_anki_text_export_keeps_each_notes_kind_guid_and_tags(tmp_path, run_cli, student):
    from anki.collection import DeckIdLimit
    from anki.decks import DeckId

    for type_name, fields in (("Basic", {"Front": "What is <b>IPT</b>?", "Back": "A therapy,\nshort"}),
                              ("Cloze", {"Text": "IPT has {{c1::three}} phases", "Back Extra": "initial to end"}),
                              ("Basic (and reversed card)", {"Front": "grief", "Back": "a problem area"})):
        note = student.new_note(student.models.by_name(type_name))
        for name, value in fields.items():
            note[name] = value
        note.tags = ["ipt::core"]
        student.add_note(note, DeckId(1))
    export = tmp_path / "notes.txt"
    student.export_note_csv(out_path=str(export), limit=DeckIdLimit(DeckId(1)), with_html=True, with_tags=True,
                            with_deck=True, with_notetype=True, with_guid=True)
    root = make_project(tmp_path / "p")

    assert run_cli("import-cards", str(export), "--subdeck", "first", cwd=root).exit_code == 0
    cards = check(root).project.cards
    assert [(card.kind, card.guid, card.tags) for card in cards] == [
        (kind, student.get_note(note_id).guid, ("ipt::core",))
        for kind, note_id in zip(("basic", "cloze", "reverse"), sorted(student.find_notes("")), strict=True)]
    assert cards[0].question.value == "What is **IPT**?" and cards[1].extra.value == "initial to end"
    assert run_cli("check", "--strict", cwd=root).exit_code == 0


def test_a_note_type_deckgen_cannot_take_from_text_is_refused_at_its_line(tmp_path, run_cli):
    root = make_project(tmp_path / "p")
    (tmp_path / "notes.txt").write_text("#separator:tab\n#html:true\n#notetype column:1\nImage Occlusion\tx\ty\n")

    result = run_cli("import-cards", str(tmp_path / "notes.txt"), "--subdeck", "first", cwd=root)

    assert result.exit_code != 0
    where = tmp_path / "notes.txt"
    assert f"{where}:4:1: note type 'Image Occlusion' is not one of Anki's stock types" in result.stderr
    assert not (root / "cards" / "notes.yaml").exists()


def test_a_csv_separated_by_semicolons_reads_as_one_separated_by_commas(tmp_path):
    """Spreadsheets set to a language with decimal commas save "CSV" with semicolons."""
    from_yaml = make_project(tmp_path / "yaml", TABLE / "yaml")
    from_semicolons = make_project(tmp_path / "semicolons", TABLE / "csv")
    table = from_semicolons / "cards" / "first.csv"
    _rewrite_table(table, table, ";")

    assert _built(from_semicolons) == _built(from_yaml)
