"""`deckgen schema`: editors get the same rules as `deckgen check`, from the same declarations."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from conftest import REPO


@pytest.fixture(scope="module")
def validator(tmp_path_factory):
    from deckgen.cli import main

    output = tmp_path_factory.mktemp("schema") / "cards.schema.json"
    assert main(["schema", "--project", str(REPO), "--output", str(output)]) == 0
    schema = json.loads(output.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_every_card_file_of_the_ipt_deck_is_valid_against_the_schema(validator):
    files = [path for path in (REPO / "cards").glob("*.yaml") if path.name not in ("deck.yaml", "references.yaml")]
    assert len(files) == 8
    for path in files:
        errors = [error.message for error in validator.iter_errors(yaml.safe_load(path.read_text()))]
        assert errors == [], path.name


@pytest.mark.parametrize(
    "card,complaint",
    [
        ({"id": "a", "kind": "basic", "question": "Q?", "anwser": "A"}, "'anwser'"),
        ({"id": "a", "kind": "basic", "question": "Q?"}, "'answer' is a required property"),
        ({"id": "a", "kind": "cloze", "text": "{{c1::x}}", "answer": "A"}, "'answer' is not one of"),
        ({"id": "a", "kind": "basci", "question": "Q?", "answer": "A"}, "'basci' is not one of"),
        ({"id": "A b", "kind": "basic", "question": "Q?", "answer": "A"}, "does not match"),
        ({"id": "a", "kind": "basic", "question": "Q?", "answer": "A", "subdeck": "nowhere"},
         "'nowhere' is not one of"),
        ({"id": "a", "kind": "basic", "question": "Q?", "answer": "A", "source": "weisman2017"},
         "'weisman2017' is not one of"),
    ],
)
def test_the_schema_flags_what_check_would_refuse(validator, card, complaint):
    messages = [error.message for error in validator.iter_errors({"subdeck": "founders", "cards": [card]})]
    messages += [m for error in validator.iter_errors({"cards": [card]}) for m in [error.message]]
    assert any(complaint in message for message in messages), messages
