"""Note types a project declares in cards/deck.yaml: the README's pharmacology example, built and
imported into the real Anki, its cards checked field by field, `deckgen schema` and the guards."""

from __future__ import annotations

import json

import pytest
from anki_client import import_package, rendered_problems, strip_style
from conftest import FIXTURES, make_project
from helpers import replace_in_file

from deckgen.source.notetypedecl import field_key

PHARMACOLOGY = FIXTURES / "pharmacology"
DECK = "cards/deck.yaml"


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path / "project", PHARMACOLOGY)


def _first_error(run_cli, project) -> str:
    result = run_cli("check", cwd=project)
    assert result.exit_code == 1, result.stdout
    return result.stderr.splitlines()[0]


def test_field_names_become_yaml_keys():
    assert [field_key(name) for name in ("Drug", "Side effects", "Back Extra", "Tags", "1st", "Étape")] == [
        "drug", "side_effects", "back_extra", "field_tags", "field_1st", "étape"]


def test_the_pharmacology_note_type_builds_imports_and_renders_three_cards(project, tmp_path, run_cli, student):
    result = run_cli("build", "--output", str(tmp_path / "out"), cwd=project)
    assert result.exit_code == 0, result.stderr

    log = import_package(student, tmp_path / "out" / "pharmacology-1.0.0.apkg")

    assert (len(log.new), len(log.conflicting)) == (2, 0)
    note_type = student.models.by_name("Pharmacology drug")
    assert note_type["id"] == 1700000000201
    assert [field["name"] for field in note_type["flds"]] == ["Drug", "Class", "Mechanism", "Side effects"]
    assert [template["name"] for template in note_type["tmpls"]] == [
        "Drug → Class", "Drug → Mechanism", "Drug → Side effects"]
    assert note_type["sortf"] == 0
    note = student.get_note(student.find_notes("Drug:Metformin")[0])
    assert note["Side effects"] == "Stomach upset; rarely <strong>lactic acidosis</strong>."
    sides = sorted((strip_style(card.question()), strip_style(card.answer()).split('<hr id="answer">')[1].strip())
                   for card in note.cards())
    assert sides == [
        ('<div class="question">How does Metformin work?</div>',
         '<div class="answer">Lowers glucose production in the liver.</div>'),
        ('<div class="question">What are the side effects of Metformin?</div>',
         '<div class="answer">Stomach upset; rarely <strong>lactic acidosis</strong>.</div>'),
        ('<div class="question">Which class of drug is Metformin?</div>',
         '<div class="answer">Biguanide</div>'),
    ]
    assert student.card_count() == 6
    assert rendered_problems(student) == []


def test_an_unknown_field_is_located_with_a_did_you_mean(project, run_cli):
    replace_in_file(project / "cards" / "drugs.yaml", "    mechanism: Lowers", "    mechanizm: Lowers")

    assert _first_error(run_cli, project) == (
        "cards/drugs.yaml:7:5: unknown key 'mechanizm' (did you mean 'mechanism'?)")


def test_a_missing_field_is_located_and_named(project, run_cli):
    replace_in_file(project / "cards" / "drugs.yaml", "    class: Biguanide\n", "")

    assert _first_error(run_cli, project) == (
        "cards/drugs.yaml:3:5: drug card 'metformin' has no 'class': add 'class:' (the Class field)")


def test_a_declared_kind_has_no_citation_keys(project, run_cli):
    replace_in_file(project / "cards" / "drugs.yaml",
                    "    class: Biguanide\n", "    class: Biguanide\n    topic: Diabetes\n")

    assert _first_error(run_cli, project).startswith(
        "cards/drugs.yaml:7:5: unknown key 'topic': drug card 'metformin' may have ")


def test_the_schema_knows_the_fields_of_a_declared_note_type(project, run_cli):
    result = run_cli("schema", cwd=project)

    schema = json.loads(result.stdout)
    drug = next(rule["then"] for rule in schema["$defs"]["card"]["allOf"]
                if rule["if"]["properties"]["kind"]["const"] == "drug")
    assert drug["required"] == ["drug", "class", "mechanism", "side_effects"]
    assert "topic" not in drug["propertyNames"]["enum"] and "guid" in drug["propertyNames"]["enum"]
    assert "drug" in schema["$defs"]["card"]["properties"]["kind"]["enum"]


def test_renaming_a_field_of_a_declared_note_type_is_refused_by_the_guards(project, run_cli):
    assert run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": "1760000000"}).exit_code == 0
    replace_in_file(project / DECK, "Side effects]", "Adverse effects]")
    replace_in_file(project / "cards" / "drugs.yaml", "side_effects:", "adverse_effects:")
    replace_in_file(project / "templates" / "drug.side-effects.back.html", '"Side effects"', '"Adverse effects"')

    result = run_cli("build", cwd=project, env={"SOURCE_DATE_EPOCH": "1760100000"})

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].endswith(
        "note type 'drug': fields changed from Drug, Class, Mechanism, Side effects to Drug, Class, Mechanism, "
        "Adverse effects; Anki would stop updating every student's drug notes without a word; to release it "
        "anyway, run with --allow-note-type-change")
    allowed = run_cli("build", "--allow-note-type-change", cwd=project, env={"SOURCE_DATE_EPOCH": "1760100000"})
    assert allowed.exit_code == 0, allowed.stderr


DECLARATION_PROBLEMS = {
    "a built-in name": (("  drug:\n    id:", "  cloze:\n    id:"),
                        "cards/deck.yaml:7:3: 'cloze' is a built-in kind: give it its note-type id, and declare a "
                        "note type of your own under another name"),
    "an optional field it lacks": (("    sort_field: Drug", "    sort_field: Drgu"),
                                   "cards/deck.yaml:21:17: note type 'drug': 'sort_field' names 'Drgu', which is not "
                                   "one of its fields (did you mean 'Drug'?)"),
    "two fields, one key": (("Side effects]", "Side effects, Side-effects]"),
                            "cards/deck.yaml:10:52: note type 'drug': fields 'Side effects' and 'Side-effects' would "
                            "both be written 'side_effects:' in card files: rename one"),
    "a field name Anki refuses": (("[Drug, Class", "[Drug, 'Class: main'"),
                                  "cards/deck.yaml:10:20: note type 'drug': field name 'Class: main' may not contain "
                                  ": { } \" or start with # ^ /"),
    "a misspelt key": (("    sort_field:", "    sortfield:"),
                       "cards/deck.yaml:21:5: unknown key 'sortfield' (did you mean 'sort_field'?)"),
    "a shared id": (("    id: 1700000000201", "    id: 1700000000101"),
                    "cards/deck.yaml:8:9: note-type id 1700000000101 is used for both basic and drug: give each "
                    "kind its own id"),
    "a template without back": (("        back: drug.class.back.html\n", ""),
                                "cards/deck.yaml:12:9: a card template of note type 'drug' has no 'back': add "
                                "'back:' (jinja file in templates/ for the answer side)"),
    # Anki shows these names on cards as HTML ({{Type}}, {{Card}}), unescaped.
    "markup in its name": (("    name: Pharmacology drug", "    name: 'Drug <img src=x onerror=alert(7)>'"),
                           "cards/deck.yaml:9:11: note type 'drug': 'name' contains '<' '>': names are shown on "
                           "every card as they are, so they may not use any of < > \" { } [ ] \\ * `"),
    "markup in a card template's name": (("      - name: Drug → Class", "      - name: 'D <b>'"),
                                         "cards/deck.yaml:12:15: note type 'drug': card template name contains "
                                         "'<' '>': names are shown on every card as they are, so they may not use "
                                         "any of < > \" { } [ ] \\ * `"),
}


TEMPLATE_PROBLEMS = {
    # Anki's text filter decodes entities: the sanitiser's &lt;img onerror&gt; would be an image again.
    "the text filter": ('{{ anki.filtered("text", "Drug") }}',
                        "templates/drug.class.front.html:1:1: Anki's filter 'text' is not one cards may use: use "
                        "cloze, furigana, hint, kana, kanji, tts, type; 'text' would turn the field's escaped "
                        "characters back into HTML, past deckgen's sanitiser (show the field with anki.field instead)"),
    # A '"' in the field would end the attribute: x" onmouseover="alert(1)
    "a field in an attribute": ('<div title="{{ anki.field("Drug") }}">?</div>',
                                'templates/drug.class.front.html:1:1: template puts a field inside the tag <div '
                                'title="{{Drug}}">: a quote in the field would end the attribute and add one of its '
                                'own; show fields between tags, not inside them'),
    # A '>' inside a quoted value does not end the tag for a browser, nor for the check.
    "a field after a quoted '>'": ('<img alt=">" src="{{ anki.field("Drug") }}">',
                                   'templates/drug.class.front.html:1:1: template puts a field inside the tag <img '
                                   'alt=">" src="{{Drug}}">: a quote in the field would end the attribute and add one '
                                   'of its own; show fields between tags, not inside them'),
    "a field in a script": ('<script>var drug = "{{ anki.field("Drug") }}";</script>',
                            'templates/drug.class.front.html:1:1: template puts a field inside a script or style '
                            '(var drug = "{{Drug}}";): a quote in the field would end its string, and what follows '
                            'would run; show fields between tags, not inside them'),
}


@pytest.mark.parametrize("case", TEMPLATE_PROBLEMS)
def test_a_template_that_would_undo_the_sanitiser_is_refused(case, project, run_cli):
    template, message = TEMPLATE_PROBLEMS[case]
    (project / "templates" / "drug.class.front.html").write_text(template + "\n")
    assert _first_error(run_cli, project) == message


@pytest.mark.parametrize("case", DECLARATION_PROBLEMS)
def test_a_declaration_problem_is_located_and_explained(case, project, run_cli):
    (old, new), message = DECLARATION_PROBLEMS[case]
    replace_in_file(project / DECK, old, new)

    assert _first_error(run_cli, project) == message


def test_a_declared_cloze_type_makes_one_card_per_deletion(project, tmp_path, run_cli, student):
    replace_in_file(project / DECK, "    sort_field: Drug\n", "    sort_field: Drug\n  fact:\n    id: 1700000000202\n"
                    "    cloze: true\n    fields: [Text, Back Extra]\n    optional: [Back Extra]\n    templates:\n"
                    "      - {name: Cloze, front: fact.front.html, back: fact.back.html}\n")
    (project / "templates" / "fact.front.html").write_text('{{ anki.cloze("Text") }}\n')
    (project / "templates" / "fact.back.html").write_text(
        '{{ anki.cloze("Text") }}\n<br>{{ anki.field("Back Extra") }}\n')
    (project / "cards" / "facts.yaml").write_text(
        "subdeck: first\ncards:\n  - id: insulin\n    kind: fact\n    text: '{{c1::Insulin}} lowers {{c2::glucose}}.'\n"
        "    guid: 'abc$%1'\n")

    result = run_cli("build", "--output", str(tmp_path / "out"), cwd=project)

    assert result.exit_code == 0, result.stderr
    import_package(student, tmp_path / "out" / "pharmacology-1.0.0.apkg")
    note = student.get_note(student.find_notes("Insulin")[0])
    assert (note.guid, len(note.cards()), note["Back Extra"]) == ("abc$%1", 2, "")
    assert rendered_problems(student) == []


def test_the_fast_reading_of_a_declared_kind_gives_the_careful_reading(project):
    from test_plainload import _both_ways

    from deckgen.source.cardfile import CardContext
    from deckgen.source.project import load_project

    settings = load_project(project).settings
    context = CardContext(settings, {}, project / "cards" / "media", "cards/media")
    text = (project / "cards" / "drugs.yaml").read_text().replace("    drug: Atenolol\n",
                                                                  "    drug: Atenolol\n    guid: 'x1%'\n")

    slow, problems, quick = _both_ways(text, context, project / "cards")

    def as_read(card):
        return (card.id, card.kind, card.subdeck, card.guid, card.location, card.topic,
                [(key, text.value, text.location) for key, text in card.values])
    assert not problems and quick is not None
    assert [as_read(card) for card in quick] == [as_read(card) for card in slow]
    assert quick[1].guid == "x1%" and str(quick[1].values[3][1].location) == "cards/x.yaml:15:19"


def test_a_card_whose_templates_show_only_empty_fields_is_refused(project, run_cli):
    """Anki would add the note without a card: nothing to study, and nothing a release could update."""
    replace_in_file(project / DECK, "    sort_field: Drug\n", "    sort_field: Drug\n    optional: [Drug]\n")
    replace_in_file(project / "cards" / "drugs.yaml", "    drug: Atenolol\n", "")

    assert _first_error(run_cli, project) == (
        "cards/drugs.yaml:9:9: card 'atenolol' makes no Anki card: each of the drug note type's card templates "
        "shows only fields the card leaves empty; fill one of them")


def test_stats_counts_the_cards_anki_makes_of_a_declared_note_type(project, run_cli):
    """A front shown only when its field is filled makes no card for a note that leaves it empty:
    stats counts as the package does."""
    replace_in_file(project / DECK, "    sort_field: Drug\n", "    sort_field: Drug\n    optional: [Side effects]\n")
    (project / "templates" / "drug.side-effects.front.html").write_text(
        '{{ anki.if_field("Side effects") }}<div class="question">What are the side effects of '
        '{{ anki.field("Drug") }}?</div>{{ anki.end_if("Side effects") }}\n')
    replace_in_file(project / "cards" / "drugs.yaml", "    side_effects: Tiredness, cold hands, a slow pulse.\n", "")

    built = run_cli("build", cwd=project)
    stats = run_cli("stats", cwd=project)

    assert built.exit_code == 0, built.stderr
    assert "2 notes, 5 cards" in built.stdout
    assert "| **all** | **2** | **5** |" in stats.stdout, stats.stdout


def test_missing_template_files_are_named_where_deck_yaml_names_them_all_at_once(project, run_cli):
    (project / "templates" / "drug.class.front.html").unlink()
    (project / "templates" / "drug.mechanism.back.html").unlink()

    result = run_cli("check", cwd=project)

    assert result.stderr.splitlines() == [
        "cards/deck.yaml:13:16: template 'drug.class.front.html' is not in templates/: create "
        "templates/drug.class.front.html, or name a file that is there",
        "cards/deck.yaml:17:15: template 'drug.mechanism.back.html' is not in templates/: create "
        "templates/drug.mechanism.back.html, or name a file that is there",
        "2 problems found; nothing was written",
    ]


def test_the_schema_describes_every_kind_with_its_summary_built_in_and_declared_alike(project, run_cli):
    schema = json.loads(run_cli("schema", cwd=project).stdout)

    kind = schema["$defs"]["card"]["properties"]["kind"]
    summaries = dict(zip(kind["enum"], kind["enumDescriptions"], strict=True))
    assert summaries["drug"] == "a note type of this project: Drug, Class, Mechanism, Side effects"
    assert summaries["cloze"] == "one card per deletion number: {{c1::...}}"
    described = {rule["if"]["properties"]["kind"]["const"]: rule["then"]["description"]
                 for rule in schema["$defs"]["card"]["allOf"]}
    assert described["drug"] == "drug: a note type of this project: Drug, Class, Mechanism, Side effects"
    assert described["basic"] == "basic: one card: question → answer"


def test_every_kind_holds_its_content_one_way_by_yaml_key(project):
    from deckgen.source.project import load_project

    replace_in_file(project / DECK, "  basic: 1700000000101\n", "  basic: 1700000000101\n  list: 1700000000102\n")
    (project / "cards" / "more.yaml").write_text(
        "subdeck: first\ncards:\n"
        "  - id: ace\n    kind: basic\n    question: What does ACE stand for?\n"
        "    answer: Angiotensin-converting enzyme\n"
        "  - id: beta\n    kind: list\n    question: Beta blockers\n    items: [Atenolol, Bisoprolol]\n"
        "    ordered: true\n")

    cards = {card.id: card for card in load_project(project).cards}

    def content(card):
        return [(key, value if isinstance(value, bool) else
                 [item.value for item in value] if isinstance(value, tuple) else value.value)
                for key, value in card.values]
    assert content(cards["ace"]) == [("question", "What does ACE stand for?"),
                                     ("answer", "Angiotensin-converting enzyme")]
    assert content(cards["beta"]) == [("question", "Beta blockers"), ("items", ["Atenolol", "Bisoprolol"]),
                                      ("ordered", True)]
    assert content(cards["atenolol"])[:2] == [("drug", "Atenolol"), ("class", "Beta blocker")]
    assert cards["beta"].texts_of("items")[1].location.line == 10
