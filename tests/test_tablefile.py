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


def test_a_tsv_file_with_a_spreadsheets_byte_order_mark_reads_as_the_csv(tmp_path):
    from_yaml = make_project(tmp_path / "yaml", TABLE / "yaml")
    from_tsv = make_project(tmp_path / "tsv", TABLE / "csv")
    table = from_tsv / "cards" / "first.csv"
    with table.open(newline="") as source:
        rows = list(csv.reader(source))
    with (from_tsv / "cards" / "first.tsv").open("w", newline="", encoding="utf-8-sig") as target:
        csv.writer(target, delimiter="\t").writerows(rows)
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
        "guid, question, answer, text, items, ordered)"]


def test_a_bad_value_is_located_at_its_row_and_column(tmp_path):
    root = make_project(tmp_path / "p")
    (root / "cards" / "first.csv").write_text(
        'id,kind,question,answer\nfine,basic,Q,A\n"two\nlines",basic,Q,A\nthird,basic,Q,\n')

    assert _problems(root) == [
        "cards/first.csv:3:1: card id 'two\\nlines' must be lower-case letters, digits, '.', '-' or '_' (at most 64, "
        "starting with a letter or digit)",
        "cards/first.csv:5:1: basic card 'third' has no 'answer': add 'answer:' (the answer)"]
