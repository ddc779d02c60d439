"""`deckgen schema`: editors get the same rules as `deckgen check`, from the same declarations."""

from __future__ import annotations

import json

import jsonschema
import pytest


@pytest.fixture(scope="module")
def validator(tmp_path_factory):
    from conftest import make_project

    from deckgen.cli.main import main

    project = make_project(tmp_path_factory.mktemp("schema") / "project")
    output = project / "cards.schema.json"
    assert main(["schema", "--project", str(project), "--output", str(output)]) == 0
    schema = json.loads(output.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


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
        ({"id": "a", "kind": "basic", "question": "Q?", "answer": "A", "topic": "t" * 41}, "is too long"),
        ({"id": "a", "kind": "basic", "question": "   ", "answer": "A"}, "does not match"),
        ({"id": "a", "kind": "basic", "question": "Q\x1fQ?", "answer": "A"}, "does not match"),
        ({"id": "a", "kind": "basic", "question": "Q?", "answer": "A" * 10_001}, "is too long"),
        ({"id": "a", "kind": "list", "question": "Q?", "items": ["one"]}, "is too short"),
        ({"id": "a", "kind": "list", "question": "Q?", "items": [f"item {n}" for n in range(501)]}, "is too long"),
        ({"id": "a", "kind": "cloze", "text": "Klerman and Weissman"}, "does not match"),
        ({"id": "a", "kind": "typed", "question": "Q?", "answer": "Impasse\n(stalled)"}, "should not be valid"),
        ({"id": "a", "kind": "typed", "question": "Q?", "answer": "Impasse<br/>stalled"}, "should not be valid"),
        ({"id": "a", "kind": "cloze", "text": "{{c0::Klerman}}"}, "should not be valid"),
        ({"id": "a", "kind": "cloze", "text": "{{c501::Klerman}}"}, "should not be valid"),
        ({"id": "a", "kind": "basic", "question": "Q?", "answer": "A", "media": ["../secret.png"]}, "does not match"),
        ({"id": "a", "kind": "basic", "question": "Q?", "answer": "A", "media": ["model.svg"]}, "does not match"),
        ({"id": "a", "kind": "basic", "question": "Q?", "answer": "A", "tags": ["Test::Retired::later"]},
         "should not be valid"),
    ],
)
def test_the_schema_flags_what_check_would_refuse(validator, card, complaint):
    messages = [error.message for error in validator.iter_errors({"subdeck": "first", "cards": [card]})]
    messages += [m for error in validator.iter_errors({"cards": [card]}) for m in [error.message]]
    assert any(complaint in message for message in messages), messages


def test_the_schema_accepts_what_check_accepts_at_the_limits(validator):
    card = {"id": "a", "kind": "cloze", "text": "{{c500::Klerman}} and {{c1::Weissman}}", "topic": "t" * 40,
            "media": ["Model.PNG"], "tags": ["test::retiredness"]}
    listed = {"id": "b", "kind": "list", "question": "Q?", "items": ["one", "two"]}
    typed = {"id": "c", "kind": "typed", "question": "Q?", "answer": "Bowlby and Ainsworth\n"}

    assert list(validator.iter_errors({"subdeck": "first", "cards": [card, listed, typed]})) == []


def test_schema_works_while_cards_have_errors(tmp_path, run_cli):
    from conftest import make_project

    project = make_project(tmp_path / "project")
    assert run_cli("new", "basic", "--subdeck", "first", cwd=project).exit_code == 0
    assert run_cli("check", cwd=project).exit_code == 1  # the new card's fields are still empty

    result = run_cli("schema", cwd=project)

    assert (result.exit_code, result.stderr) == (0, "")
    schema = json.loads(result.stdout)
    assert "first" in schema["properties"]["subdeck"]["enum"]
    assert "weissman2017" in schema["$defs"]["card"]["properties"]["source"]["enum"]
