"""Card files kept as spreadsheets (CSV, TSV) read as YAML card files do: the same cards build the
same package, and every mistake is located at its row and column."""

from __future__ import annotations

import csv
import re

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
        "cards/first.csv:1:4: the header cell 'anwser' in column D is not a card key (did you mean 'answer'?): name a "
        "key in each column of the first row (id, kind, subdeck, topic, extra, source, corrects, tags, media, retired, "
        "guid, question, answer, text, items, ordered, image, header, back_extra, mode, masks)"]


def test_a_bad_value_is_located_at_its_row_and_column(tmp_path):
    root = make_project(tmp_path / "p")
    (root / "cards" / "first.csv").write_text(
        'id,kind,question,answer\nfine,basic,Q,A\n"two\nlines",basic,Q,A\nthird,basic,Q,\n')

    assert _problems(root) == [
        "cards/first.csv:3:1: in column A ('id'), card id 'two\\nlines' must be lower-case letters, digits, '.', '-' "
        "or '_' (at most 64, starting with a letter or digit)",
        "cards/first.csv:5:4: basic card 'third' has no 'answer': fill in its 'answer' cell in column D (the answer)"]


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


def _table_problems(tmp_path, table: str, name: str = "cards.csv") -> list[str]:
    root = make_project(tmp_path / "p")
    (root / "cards" / name).write_text(table)
    return _problems(root)


def test_an_empty_required_cell_is_located_at_the_cell_and_named_by_its_header(tmp_path):
    assert _table_problems(tmp_path, "id,kind,subdeck,question,answer\nfine,basic,first,,A\n") == [
        "cards/cards.csv:2:4: basic card 'fine' has no 'question': fill in its 'question' cell in column D (the "
        "question)"]


def test_a_misspelt_header_cell_and_the_rows_own_problems_are_reported_in_one_run(tmp_path):
    assert _table_problems(tmp_path, "id,kind,qestion,answer\na,basic,Q,A\nb,basic,,A\nB!,basic,Q,A\n",
                           "first.csv") == [
        "cards/first.csv:1:3: the header cell 'qestion' in column C is not a card key (did you mean 'question'?): "
        "name a key in each column of the first row (id, kind, subdeck, topic, extra, source, corrects, tags, media, "
        "retired, guid, question, answer, text, items, ordered, image, header, back_extra, mode, masks)",
        "cards/first.csv:3:3: basic card 'b' has no 'question': fill in its 'question' cell in column C (the "
        "question)",
        "cards/first.csv:4:1: in column A ('id'), card id 'B!' must be lower-case letters, digits, '.', '-' or '_' "
        "(at most 64, starting with a letter or digit)"]


def test_what_a_tables_card_lacks_is_said_of_its_cells_and_columns_never_of_yaml_keys(tmp_path):
    """The messages a card file's structure gives, which YAML says as keys to add: a table says them
    as a cell to fill in or empty, or a column to add."""
    problems = _table_problems(tmp_path, (
        "id,kind,question,answer,subdeck,tags\n"
        "no-subdeck,basic,Q,A,,\n"
        ",basic,Q,A,first,\n"
        "no-kind,,Q,A,first,\n"
        "cloze-with-a-question,cloze,Q,A,first,\n"
        "no-items,list,Q,A,first,\n"
        "two-lines,typed,Q,\"A\nB\",first,\n"
        "reserved,basic,Q,A,first,test::retired\n"))
    assert problems == [
        "cards/cards.csv:2:5: card 'no-subdeck' has no subdeck: fill in its 'subdeck' cell in column E (first or "
        "second), or name the file after a subdeck (first.csv puts its cards in 'first')",
        "cards/cards.csv:3:1: a basic card has no 'id': fill in its 'id' cell in column A (stable, unique id; Anki "
        "recognises the student's copy by it)",
        "cards/cards.csv:4:2: card 'no-kind' has no 'kind': fill in its 'kind' cell in column B (basic, reverse, "
        "cloze, list, typed, occlusion, or a note type deck.yaml declares)",
        "cards/cards.csv:5:1: cloze card 'cloze-with-a-question' has no 'text': add a 'text' column to the first row "
        "and fill in this row's cell (text with {{c1::...}} deletions)",
        "cards/cards.csv:5:3: cloze card 'cloze-with-a-question' takes no 'question': empty its cell in column C, or "
        "change the card's 'kind' (it may have id, kind, subdeck, topic, extra, source, corrects, tags, media, "
        "retired, guid or text)",
        "cards/cards.csv:5:4: cloze card 'cloze-with-a-question' takes no 'answer': empty its cell in column D, or "
        "change the card's 'kind' (it may have id, kind, subdeck, topic, extra, source, corrects, tags, media, "
        "retired, guid or text)",
        "cards/cards.csv:6:1: list card 'no-items' has no 'items': add an 'items' column to the first row and fill "
        "in this row's cell (the items; one card per item)",
        "cards/cards.csv:6:4: list card 'no-items' takes no 'answer': empty its cell in column D, or change the "
        "card's 'kind' (it may have id, kind, subdeck, topic, extra, source, corrects, tags, media, retired, guid, "
        "question, items or ordered)",
        "cards/cards.csv:7:2: in column B ('kind'), card 'two-lines' is a typed card, but cards/deck.yaml gives no "
        "note-type id for typed cards: add 'typed:' with a new number under 'note_types'",
        "cards/cards.csv:7:4: in column D ('answer'), a typed answer must be one line: Anki gives the student a "
        "one-line box and compares what they type with the whole answer, its lines joined by spaces; put the answer "
        "on one line (move the explanation into 'extra'), or make it a basic card",
        "cards/cards.csv:9:6: in column F ('tags'), tag 'test::retired' is reserved for retired cards: set the "
        "card's 'retired' to true instead"]
    assert not any(re.search(r"add '\w+:' \(|top of the file", problem) for problem in problems)


def test_a_table_with_no_subdeck_column_asks_for_one(tmp_path):
    assert _table_problems(tmp_path, "id,kind,question,answer\na,basic,Q,A\n") == [
        "cards/cards.csv:2:1: card 'a' has no subdeck: add a 'subdeck' column to the first row and fill in this "
        "row's cell (first or second), or name the file after a subdeck (first.csv puts its cards in 'first')"]


@pytest.mark.parametrize(("table", "expected"), [
    ('id,kind,question,answer\na,basic,"Q,A\nb,basic,Q,A\n',
     "cards/first.csv:2:3: the quote (\") that opens the cell in column C is never closed, so the rest of the "
     "file would be this one cell: end the cell with a quote"),
    ('id,kind,question,answer\na,basic,"Q ""x"" y",A\nb,basic,"Q "x" y",A\n',
     "cards/first.csv:3:3: cannot read the cell in column C (',' expected after '\"'): a cell that holds a "
     "quote must be quoted as a whole, with each quote inside it doubled (\"\")"),
    ("id,kind,question,answer\na,basic,Q,A, and more\n",
     "cards/first.csv:2:5: this row has a cell in column E, beyond the header's last column (D): a cell that "
     "holds a comma must be quoted as a whole (\"…, …\"), or the column needs a key in the first row"),
    ("id;kind;question;answer\na;basic;Q;A;B\nb;basic;;A\n",
     "cards/first.csv:2:5: this row has a cell in column E, beyond the header's last column (D): a cell that "
     "holds a semicolon must be quoted as a whole (\"…; …\"), or the column needs a key in the first row"),
    ("id\tkind\tquestion\tanswer\na\tbasic\tQ\tA\n",
     "cards/first.csv:1:1: the first row is separated by tabs: save the file as .tsv (tab-separated), or separated "
     "by commas"),
    ("id,kind,,answer\na,basic,Q,A\n",
     "cards/first.csv:1:3: the header cell of column C is empty, but rows below fill the column: name its key in "
     "the first row (id, kind, subdeck, topic, extra, source, corrects, tags, media, retired, guid, question, "
     "answer, text, items, ordered, image, header, back_extra, mode, masks), or delete the column"),
    ("\n", "cards/first.csv:1:1: the table is empty: name the keys in its first row (id, kind, question, answer …) "
     "and write one card in each row below it, or delete the file"),
    ("id,kind,question,answer\n",
     "cards/first.csv:2:1: the table has no cards: write one card in each row below the header, or delete the file"),
], ids=["open-quote", "undoubled-quote", "too-many-cells", "too-many-cells-semicolons", "tabs-in-a-csv",
        "empty-header-cell", "empty-file", "header-only"])
def test_the_commonest_slips_in_a_table_each_have_a_located_message_with_a_fix(table, expected, tmp_path):
    assert _table_problems(tmp_path, table, "first.csv")[0] == expected


def test_the_semicolons_table_locates_an_empty_cell_at_its_column(tmp_path):
    assert _table_problems(tmp_path, "id;kind;question;answer\nb;basic;;A\n", "first.csv") == [
        "cards/first.csv:2:3: basic card 'b' has no 'question': fill in its 'question' cell in column C (the "
        "question)"]


def test_an_image_the_row_does_not_list_asks_for_its_media_cell_not_a_yaml_list(tmp_path):
    assert _table_problems(tmp_path, "id,kind,question,answer\na,basic,![phases](phases.png),A\n", "first.csv") == [
        "cards/first.csv:2:3: 'question' shows image 'phases.png', which the card does not list: add 'phases.png' to "
        "the card's 'media'"]


def _imported_ids(root) -> list[str]:
    return [card.id for card in check(root).project.cards]


def test_ids_of_an_anki_text_export_come_from_what_a_student_reads(tmp_path, run_cli, student):
    """Not from a cloze's syntax (c1-…) or a line break's tag (br): readable, unique and the same
    on every import of the same notes."""
    from anki.collection import DeckIdLimit
    from anki.decks import DeckId

    for type_name, fields in (("Cloze", {"Text": "IPT has {{c1::three}} phases,<br>{{c2::12::weeks}} weeks"}),
                              ("Basic", {"Front": "What is <b>IPT</b><br>in one line", "Back": "A therapy"}),
                              ("Basic", {"Front": "What is <i>IPT</i><div>in one line</div>", "Back": "Still one"})):
        note = student.new_note(student.models.by_name(type_name))
        for name, value in fields.items():
            note[name] = value
        student.add_note(note, DeckId(1))
    export = tmp_path / "notes.txt"
    student.export_note_csv(out_path=str(export), limit=DeckIdLimit(DeckId(1)), with_html=True, with_tags=True,
                            with_deck=True, with_notetype=True, with_guid=True)
    ids = []
    for again in ("first", "again"):
        root = make_project(tmp_path / again)
        assert run_cli("import-cards", str(export), "--subdeck", "first", cwd=root).exit_code == 0
        ids.append(_imported_ids(root))

    assert ids[0] == ["ipt-has-three-phases-12-weeks", "what-is-ipt-in-one-line", "what-is-ipt-in-one-line-2"]
    assert ids[1] == ids[0]


def test_ids_of_a_quizlet_export_come_from_the_term_as_written(tmp_path, run_cli):
    root = make_project(tmp_path / "p")
    (tmp_path / "set.txt").write_text("the *cell*'s powerhouse\tmitochondria\nR&D\tresearch\nR&D\tdevelopment\n"
                                      "H<sub>2</sub>O\twater, as typed\n")

    assert run_cli("import-cards", str(tmp_path / "set.txt"), "--subdeck", "first", cwd=root).exit_code == 0
    # Quizlet's text is plain: what a student reads is the term as typed, '<sub>' included.
    assert _imported_ids(root) == ["the-cell-s-powerhouse", "r-d", "r-d-2", "h-sub-2-sub-o"]


def test_header_cells_name_their_keys_whatever_their_case_and_spaces(tmp_path):
    """Spreadsheet users capitalise headers: `Question`, ` Answer `, `SUBDECK` name their keys."""
    root = make_project(tmp_path / "p")
    (root / "cards" / "cards.csv").write_text("Id,KIND,Question, Answer ,SUBDECK\na,basic,Q,A,first\n")

    cards = check(root).project.cards
    assert [(card.id, card.kind, card.subdeck, card.question.value, card.answer.value) for card in cards] == [
        ("a", "basic", "first", "Q", "A")]


def test_a_header_cell_that_still_names_no_key_keeps_its_message(tmp_path):
    assert _table_problems(tmp_path, "id,kind,Question,Anwser\na,basic,Q,A\n", "first.csv") == [
        "cards/first.csv:1:4: the header cell 'Anwser' in column D is not a card key (did you mean 'answer'?): name a "
        "key in each column of the first row (id, kind, subdeck, topic, extra, source, corrects, tags, media, "
        "retired, guid, question, answer, text, items, ordered, image, header, back_extra, mode, masks)"]


def test_two_header_cells_naming_one_key_are_named_both(tmp_path):
    assert _table_problems(tmp_path, "id,kind,question,Question,answer\na,basic,Q,Q,A\n", "first.csv") == [
        "cards/first.csv:1:4: columns C ('question') and D ('Question') both name the key 'question': keep one of "
        "them"]


def test_a_cells_message_names_its_column_letter_and_header_beyond_z(tmp_path):
    """Column 27 is AA, as a spreadsheet labels it; the place stays file:row:column for editors."""
    empty = "," * 22
    problems = _table_problems(tmp_path, f"id,kind,subdeck,answer,{empty}Question,tags\n"
                                         f"a,basic,first,A,{empty},x::y::\nb,basic,first,A,{empty}Q,\n")
    assert problems == [
        "cards/cards.csv:2:27: basic card 'a' has no 'question': fill in its 'question' cell in column AA (the "
        "question)",
        "cards/cards.csv:2:28: in column AB ('tags'), tag 'x::y::' is not valid: use letters, digits, '-', '_' and "
        "'::' for hierarchy, with no spaces (e.g. ipt::limitations)"]


def _masks_problems(tmp_path, masks: str) -> list[str]:
    from occlusion_fixture import add_occlusion_card

    root = make_project(tmp_path / "p")
    add_occlusion_card(root).unlink()
    (root / "cards" / "occlusion.csv").write_text(
        f'id,kind,subdeck,image,masks\nheart,occlusion,first,heart.png,"{masks}"\n')
    return _problems(root)


AFTER = ": write each mask on a line of its own as {id: ..., label: ..., rect: [x, y, width, height]}"


@pytest.mark.parametrize(("masks", "expected"), [
    ("{id: a, label: A, rect: [1, 2, 3, 4]}\n{id: b, label: B, rect: [5, 6, 7, 8]",
     "the mask on line 2 of this cell is missing its closing '}'"),
    ("{id: a, label: A, rect: [1, 2, 3, 4}", "the mask in this cell is missing a closing ']' before its '}'"),
    ("{id: a, label: A, rect: [1, 2, 3, 4]}}", "the mask in this cell has a '}' that closes nothing"),
    ("{id: a, label: A, rect: [1, 2, 3, 4]}\n\nid: b, label: B, rect: [5, 6, 7, 8]",
     "the mask on line 3 of this cell is not in braces"),
    ('{id: a, label: ""Left, upper, rect: [1, 2, 3, 4]}',
     "the mask in this cell has a quote (\") that is never closed"),
    ("{id: a, label: Left: upper, rect: [1, 2, 3, 4]}",
     "the mask in this cell cannot be read: put a label that holds ',', ':', '#' or a quote in double quotes "
     "(label: \"…\")"),
], ids=["unclosed-brace", "unclosed-bracket", "stray-brace", "no-braces", "open-quote", "colon-in-label"])
def test_a_yaml_slip_in_a_masks_cell_is_said_at_the_cell_by_its_line_and_nothing_else(tmp_path, masks, expected):
    assert _masks_problems(tmp_path, masks) == [f"cards/occlusion.csv:2:5: in column E ('masks'), {expected}{AFTER}"]


def test_a_masks_cell_holding_one_mask_a_line_reads_as_the_yaml_list(tmp_path):
    from occlusion_fixture import add_occlusion_card

    root = make_project(tmp_path / "p")
    add_occlusion_card(root).unlink()
    (root / "cards" / "occlusion.csv").write_text(
        'id,kind,subdeck,image,masks\nheart,occlusion,first,heart.png,"{id: a, label: \'A, left\', rect: [1, 2, 3, 4]}'
        '\n\n {id: b, label: ""B: right"", ellipse: [50, 60, 7, 8]} "\n')

    masks = dict(check(root).project.cards[0].values)["masks"]
    assert [(mask.id, mask.label, [shape.kind for shape in mask.shapes]) for mask in masks] == [
        ("a", "A, left", ["rect"]), ("b", "B: right", ["ellipse"])]
