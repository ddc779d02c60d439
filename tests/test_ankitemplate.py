"""Anki card templates turned into Jinja files (the first step of `deckgen import`): each renders,
through deckgen's own template environment and `anki` helpers, back to the template Anki had."""

from __future__ import annotations

import pytest

from deckgen.render.ankitemplate import to_jinja
from deckgen.render.notetypes import AnkiSyntax, render_template, template_environment
from deckgen.source.kinds import CardTemplateSpec
from deckgen.source.notetypedecl import declared_kind

# Anki's stock templates (rslib/src/notetype/stock.rs, as Anki 25 writes them) and a custom one.
TEMPLATES = {
    "basic front": "{{Front}}",
    "basic back": "{{FrontSide}}\n\n<hr id=answer>\n\n{{Back}}",
    "cloze front": "{{cloze:Text}}",
    "cloze back": "{{cloze:Text}}<br>\n{{Back Extra}}",
    "typed": "{{Front}}\n\n{{type:Back}}",
    "conditional": "{{#Side effects}}<div>{{Side effects}}</div>{{/Side effects}}{{^Class}}none{{/Class}}",
    "filters": "{{hint:Mechanism}} {{furigana:Drug}} {{tts en_US:Drug}} {{type:cloze:Text}}",
    "jinja-like text": "<style>.a{color:red}</style>{% raw %} {# not a comment #} { {{Drug}} }",
    "anki specials": "{{Deck}} {{Subdeck}} {{Tags}} {{Card}}",
}
FIELDS = ["Front", "Back", "Text", "Back Extra", "Drug", "Class", "Mechanism", "Side effects"]


@pytest.mark.parametrize("name", TEMPLATES)
def test_an_anki_template_comes_back_from_its_jinja_file(name, tmp_path):
    (tmp_path / "t.html").write_text(to_jinja(TEMPLATES[name]))
    kind = declared_kind("imported", FIELDS, frozenset(), (CardTemplateSpec("Card 1", "t.html", "t.html"),),
                         is_cloze=True)

    rendered = render_template(template_environment(tmp_path), "t.html", tmp_path, tmp_path, anki=AnkiSyntax(kind))

    assert rendered == TEMPLATES[name].strip()


def test_the_jinja_file_uses_the_anki_helpers():
    assert to_jinja("{{#Back}}<b>{{ Back }}</b>{{/Back}}") == (
        '{{ anki.if_field("Back") }}<b>{{ anki.field("Back") }}</b>{{ anki.end_if("Back") }}')


def test_anki_makes_a_card_only_of_a_front_that_shows_a_filled_field():
    from deckgen.render.templatetree import makes_card, parse

    def renders_with_fields(template: str, filled: set[str]) -> bool:
        return makes_card(parse(template), filled)

    front = "{{#Side effects}}Side effects of {{Drug}}?{{/Side effects}}"
    assert [renders_with_fields(front, filled) for filled in ({"Drug", "Side effects"}, {"Drug"}, set())] == [
        True, False, False]
    assert renders_with_fields("Text only", {"Drug"}) is False
    assert renders_with_fields("{{^Class}}{{Drug}}{{/Class}}", {"Drug"}) is True
    assert renders_with_fields("{{^Class}}{{Drug}}{{/Class}}", {"Drug", "Class"}) is False
    assert renders_with_fields("{{hint:Drug}}", {"Drug"}) is True


def test_sections_that_do_not_nest_are_a_problem_at_their_tag():
    from deckgen.render.templatetree import SyntaxProblem, parse

    assert parse("a {{#A}}b") == SyntaxProblem(
        2, "{{#A}}", "section '{{#A}}' is never closed: Anki would show \"template has a problem\" on every card; "
        "close it with {{/A}}")
    assert parse("{{#A}}{{^B}}{{/A}}{{/B}}").offset == 12
    assert parse("x {{/A}}").message == ("'{{/A}}' closes a section that was never opened: remove it, or open the "
                                         "section with {{#A}} before it")
