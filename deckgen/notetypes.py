"""The Anki note types deckgen produces: their field and card-template names.

These names are a public interface. Anki matches a re-imported note type by its id, and when
its fields or templates were added, removed, renamed or reordered it refuses to update any note
of it, silently (see ANKI-FACTS). Change nothing here without a migration plan.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CardTemplateSpec:
    name: str  # the Anki card-template name
    front: str  # Jinja template file for the question side
    back: str  # Jinja template file for the answer side


@dataclass(frozen=True)
class NoteTypeSpec:
    """One note type: its fields and card templates (public names), and its cloze field if any."""

    kind: str
    fields: tuple[str, ...]
    templates: tuple[CardTemplateSpec, ...]
    cloze_field: str | None  # the field whose {{cN::...}} deletions make the cards, for cloze types

    @property
    def is_cloze(self) -> bool:
        return self.cloze_field is not None


_CITATION_FIELDS = ("Extra", "Topic", "Source", "Reference")

NOTE_TYPES: dict[str, NoteTypeSpec] = {
    "basic": NoteTypeSpec(
        kind="basic",
        fields=("Question", "Answer") + _CITATION_FIELDS,
        templates=(CardTemplateSpec("Question → Answer", "basic.front.html", "basic.back.html"),),
        cloze_field=None,
    ),
    "reverse": NoteTypeSpec(
        kind="reverse",
        fields=("Question", "Answer") + _CITATION_FIELDS,
        templates=(
            CardTemplateSpec("Question → Answer", "reverse.front.html", "reverse.back.html"),
            CardTemplateSpec("Answer → Question", "reverse.reverse-front.html", "reverse.reverse-back.html"),
        ),
        cloze_field=None,
    ),
    "cloze": NoteTypeSpec(
        kind="cloze",
        fields=("Text",) + _CITATION_FIELDS,
        templates=(CardTemplateSpec("Cloze", "cloze.front.html", "cloze.back.html"),),
        cloze_field="Text",
    ),
    "list": NoteTypeSpec(
        kind="list",
        fields=("Question", "Items") + _CITATION_FIELDS,
        templates=(CardTemplateSpec("List item", "list.front.html", "list.back.html"),),
        cloze_field="Items",
    ),
}

# Fields Anki fills in itself; templates may name them too.
ANKI_SPECIAL_FIELDS = frozenset({"FrontSide", "Deck", "Subdeck", "Tags", "Card", "CardFlag", "Type"})
