"""The kinds of card, one declaration each: the registry every other module asks.

A kind is everything deckgen knows of it in one place, the way Anki declares its stock note types:
the YAML keys of its content, its Anki note type (fields by name, in order, and card templates),
how its note's fields are filled from a card, how many Anki cards a note makes, the skeleton
`deckgen new` writes and a one-line summary (`deckgen new --help`, `deckgen schema`). A note type a
project declares (notetypedecl.py) is a Kind the same way, and a card of any kind holds its
content alike: in `Card.values`, by YAML key. Adding a kind is adding one declaration to `KINDS`
and its templates; the pipeline branches on no kind's name (only lint rules meant for some kinds,
and the wording of the renumbering guard for lists, name them).

Field and template names are a public interface: Anki matches a re-imported note type by its id,
and when its fields or templates were added, removed, renamed or reordered it refuses to update
any note of it, silently (see ANKI-FACTS). Change none of them without a migration plan.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol, cast

from deckgen.errors import Location
from deckgen.source.deck import Card
from deckgen.source.keys import BooleanKey, Complaint, Complaints, Key, ListKey, MarkupKey, complain
from deckgen.source.load import Text
from deckgen.source.masks import HIDE_ALL, HIDE_ONE, MODE, Mask, MasksKey, Picture, PictureKey, masks_outside
from deckgen.text import cloze

# Fields every note type ends with, filled the same way for every kind.
CITATION_FIELDS = ("Extra", "Topic", "Source", "Reference")
# The card keys that fill them.
CITATION_KEYS = frozenset({"topic", "extra", "source"})
# Fields Anki fills in itself; templates may name them too.
ANKI_SPECIAL_FIELDS = frozenset({"FrontSide", "Deck", "Subdeck", "Tags", "Card", "CardFlag", "Type"})


@dataclass(frozen=True)
class CardTemplateSpec:
    name: str  # the Anki card-template name
    front: str  # Jinja template file for the question side
    back: str  # Jinja template file for the answer side
    # Where deck.yaml names the two files, for a declared note type (a missing file is said there).
    front_where: Location | None = None
    back_where: Location | None = None


class FieldWriter(Protocol):
    """What a kind fills its fields with: render/notes.py's note renderer."""

    def markup(self, key: str, text: Text, required: bool = True) -> str: ...

    def cloze_text(self, text: Text) -> cloze.ClozeText: ...

    def list_items(self, items: tuple[Text, ...], ordered: bool) -> cloze.ClozeText: ...

    def occlusion(self, masks: tuple[Mask, ...], picture: Picture, hide_all: bool) -> cloze.ClozeText: ...

    def mask_labels(self, masks: tuple[Mask, ...]) -> cloze.ClozeText: ...

    def picture(self, picture: Picture) -> str: ...

    def short_citation(self, source: str) -> str: ...


Filler = Callable[[Card, FieldWriter], dict[str, "str | cloze.ClozeText"]]


@dataclass(frozen=True)
class Kind:
    name: str
    summary: str  # one line: what the kind is for
    keys: tuple[Key, ...]  # the YAML keys of its content
    content_fields: tuple[str, ...]  # its note type's own fields; CITATION_FIELDS follow
    templates: tuple[CardTemplateSpec, ...]
    fill: Filler
    skeleton: tuple[str, ...]  # the lines `deckgen new` writes for its content
    cloze_field: str | None = None  # the field whose deletions make the cards, for cloze types
    # Rules beyond each key's own, over the values its content keys gave (None for one that is off),
    # for both readings: the values as the card holds them, or Complaints naming their key.
    check: Callable[[dict[str, Any]], Any] | None = None
    # A note type the project declares in deck.yaml (notetypedecl.py) has exactly the fields it
    # names, no citation fields: an imported note type must keep its fields as Anki knows them.
    trailing_fields: tuple[str, ...] = CITATION_FIELDS
    declared: bool = False
    note_type_name: str | None = None  # the Anki name of a declared note type; built-in ones derive it
    sort_field: int = 0  # the field Anki's browser sorts by, as an index into `fields`
    css: str = "style.css"  # the stylesheet template of its note type
    # Anki's own note type this kind is (its `originalStockKind`: 6, Image Occlusion): its templates
    # and CSS are fixed in code (render/occlusion.py), not the project's, so that Anki and AnkiDroid
    # treat its notes as their own.
    stock_kind: int | None = None
    # Which of deckgen's citation keys (topic, extra, source) its cards may have; None: all three,
    # or none for a declared note type, which has exactly the fields it names.
    own_citation_keys: frozenset[str] | None = None
    # The field a student sees first, as an index into `content_fields`: a retired card's banner
    # goes before it (an occlusion card's first field is hidden: Anki's code reads the masks there).
    first_shown: int = 0

    @cached_property  # asked once per card by the fast reader
    def key_names(self) -> frozenset[str]:
        return frozenset(key.name for key in self.keys)

    @property
    def fields(self) -> tuple[str, ...]:
        return self.content_fields + self.trailing_fields

    @property
    def citation_keys(self) -> frozenset[str]:
        if self.own_citation_keys is not None:
            return self.own_citation_keys
        return frozenset() if self.declared else CITATION_KEYS

    @property
    def is_cloze(self) -> bool:
        return self.cloze_field is not None

    def cards_made(self, deletions: int) -> int:
        """How many Anki cards a note of this kind makes, given its cloze numbers (a list's items):
        one per number for a cloze type, one per card template otherwise."""
        return deletions if self.is_cloze else len(self.templates)


def _given(text: Text | None) -> Text:
    """A required key's text: validation refused every card without it."""
    assert text is not None
    return text


def _question_and_answer(card: Card, write: FieldWriter) -> dict[str, str | cloze.ClozeText]:
    return {"Question": write.markup("question", _given(card.text_of("question"))),
            "Answer": write.markup("answer", _given(card.text_of("answer")))}


def _cloze(card: Card, write: FieldWriter) -> dict[str, str | cloze.ClozeText]:
    return {"Text": write.cloze_text(_given(card.text_of("text")))}


def _list(card: Card, write: FieldWriter) -> dict[str, str | cloze.ClozeText]:
    return {"Question": write.markup("question", _given(card.text_of("question"))),
            "Items": write.list_items(card.texts_of("items"), card.flag_of("ordered"))}


MIN_LIST_ITEMS = 2
MAX_LIST_ITEMS = cloze.MAX_CLOZE_NUMBER  # each item is one cloze number


class ClozeTextKey(MarkupKey):
    """A cloze text: markup with {{cN::...}} deletions, which `cloze_check` parses; its JSON Schema
    asks for a deletion and refuses the numbers check would (c0, above the highest)."""

    def json_schema(self, context: Any) -> dict[str, Any]:
        too_high = r"50[1-9]|5[1-9][0-9]|[6-9][0-9]{2}|[1-9][0-9]{3,}"
        return {**super().json_schema(context), "allOf": [
            {"pattern": r"\{\{c[0-9]+::"},
            {"not": {"pattern": rf"\{{\{{c(0+|{too_high})::"}},
        ]}


def cloze_check(key: str) -> Callable[[dict[str, Any]], Any]:
    """The check of a cloze type whose deletions are in `key`: they parse, and the card keeps them."""
    def check(values: dict[str, Any]) -> Any:
        text = values.get(key)
        if text is None:
            return values
        parsed, problems = cloze.checked(text.value)
        if problems:
            return Complaints(tuple(Complaint(message, key=key) for message in problems))
        return {**values, "parsed_cloze": parsed}
    return check


def _list_size_problem(items: int) -> str | None:
    if items > MAX_LIST_ITEMS:
        return f"a list card has at most {MAX_LIST_ITEMS} items (one Anki card each): split the list"
    if 0 < items < MIN_LIST_ITEMS:
        return f"a list card needs at least {MIN_LIST_ITEMS} items: use a basic card for a single fact"
    return None


def _pack_list(values: dict[str, Any]) -> dict[str, Any]:
    """A list card's items as a tuple and its order as true or false (its size is its key's rule)."""
    return {**values, "items": tuple(values.get("items") or ()), "ordered": bool(values.get("ordered"))}


# A line break between two parts of a typed answer: a newline (our Markdown makes it a <br>) or a
# <br> written as HTML. One before or after the whole answer is no second line: Anki trims those.
# Written for Python and for JSON Schema's regular expressions alike (no flags: [bB][rR]).
TYPED_LINE_BREAK = r"\S\s*(?:\n|<[bB][rR]\s*/?>)\s*\S"
_LINE_BREAK = re.compile(TYPED_LINE_BREAK)
TYPED_ONE_LINE = (
    "a typed answer must be one line: Anki gives the student a one-line box and compares what they type "
    "with the whole answer, its lines joined by spaces; put the answer on one line (move the explanation "
    "into 'extra'), or make it a basic card"
)


class TypedAnswerKey(MarkupKey):
    """A typed card's answer: markup of one line (its rule, which both readings of a card file run);
    its JSON Schema refuses a second line as the rule does."""

    def rules(self, text: str, context: Any) -> Any:
        return text if _one_line(text) else complain(TYPED_ONE_LINE)

    def json_schema(self, context: Any) -> dict[str, Any]:
        return {**super().json_schema(context), "not": {"pattern": TYPED_LINE_BREAK}}


def _one_line(answer: str) -> bool:
    """Whether a typed answer is one line: the only answer a student can type into Anki's box."""
    return _LINE_BREAK.search(answer) is None


BASIC = Kind(
    name="basic",
    summary="one card: question → answer",
    keys=(MarkupKey("question", "The question.", True), MarkupKey("answer", "The answer.", True)),
    content_fields=("Question", "Answer"),
    templates=(CardTemplateSpec("Question → Answer", "basic.front.html", "basic.back.html"),),
    fill=_question_and_answer,
    skeleton=("question:", "answer:"),
)
REVERSE = Kind(
    name="reverse",
    summary="two cards: question → answer and answer → question",
    keys=(MarkupKey("question", "The question (or term); also asked from the answer.", True),
          MarkupKey("answer", "The answer (or definition).", True)),
    content_fields=("Question", "Answer"),
    templates=(
        CardTemplateSpec("Question → Answer", "reverse.front.html", "reverse.back.html"),
        CardTemplateSpec("Answer → Question", "reverse.reverse-front.html", "reverse.reverse-back.html"),
    ),
    fill=_question_and_answer,
    skeleton=("question:", "answer:"),
)
CLOZE = Kind(
    name="cloze",
    summary="one card per deletion number: {{c1::...}}",
    keys=(ClozeTextKey("text", "Text with {{c1::...}} deletions.", True),),
    content_fields=("Text",),
    templates=(CardTemplateSpec("Cloze", "cloze.front.html", "cloze.back.html"),),
    fill=_cloze,
    skeleton=("text:",),
    cloze_field="Text",
    check=cloze_check("text"),
)
LIST = Kind(
    name="list",
    summary="one card per item, the other items shown as context",
    keys=(
        MarkupKey("question", "What the list is.", True),
        ListKey("items", "The items; one card per item.", MarkupKey("items", ""), "an item", "a list of items", True,
                MIN_LIST_ITEMS, MAX_LIST_ITEMS, _list_size_problem),
        BooleanKey("ordered", "true when the order of the items is to be learnt."),
    ),
    content_fields=("Question", "Items"),
    templates=(CardTemplateSpec("List item", "list.front.html", "list.back.html"),),
    fill=_list,
    skeleton=("question:", "items:", "  -", "  -"),
    cloze_field="Items",
    check=_pack_list,
)
TYPED = Kind(
    name="typed",
    summary="one card: the student types the answer, and Anki compares",
    keys=(MarkupKey("question", "The question.", True),
          TypedAnswerKey("answer", "The answer to type, on one line: a word, a name or a value.", True)),
    content_fields=("Question", "Answer"),
    templates=(CardTemplateSpec("Question → typed answer", "typed.front.html", "typed.back.html"),),
    fill=_question_and_answer,
    skeleton=("question:", "answer:"),
)


def _occlusion(card: Card, write: FieldWriter) -> dict[str, str | cloze.ClozeText]:
    """Anki's Image Occlusion fields: the masks as clozes over the picture, the header, the back
    extra (and the source's citation under it) and Comments: the masks' labels, the back shows the asked one's."""
    picture, masks = card.value("image"), cast(tuple[Mask, ...], card.value("masks"))
    assert isinstance(picture, Picture)  # validation refused any card without
    header, extra = card.text_of("header"), card.text_of("back_extra")
    back_extra = write.markup("back_extra", extra, required=False) if extra else ""
    if card.source:
        back_extra += f'<div class="source">{write.short_citation(card.source)}</div>'
    return {"Occlusion": write.occlusion(masks, picture, card.value("mode") != HIDE_ONE),
            "Image": write.picture(picture),
            "Header": write.markup("header", header, required=False) if header else "",
            "Back Extra": back_extra, "Comments": write.mask_labels(masks)}


def _pack_occlusion(values: dict[str, Any]) -> dict[str, Any] | Complaints:
    """An occlusion card's mode, "hide all, guess one" unless it says otherwise; refused when a mask
    lies wholly outside the picture."""
    picture, masks = values.get("image"), values.get("masks")
    outside = masks_outside(masks, picture) if isinstance(picture, Picture) and masks else None
    return outside or {**values, "mode": values.get("mode") or HIDE_ALL}


def optional_line(key: str) -> str:
    """How `deckgen new` writes an optional key: commented out, never empty (check refuses an empty
    value), so that the educator sees it and may uncomment it."""
    return f"# {key}:  # optional: remove the first '# ' to write it"


IMAGE_OCCLUSION_STOCK_KIND = 6  # Anki's originalStockKind of its Image Occlusion note type
OCCLUSION = Kind(
    name="occlusion",
    summary="one card per mask over a picture: Anki's own Image Occlusion",
    keys=(PictureKey(), MarkupKey("header", "Shown above the picture on both sides (optional)."),
          MarkupKey("back_extra", "Shown under the picture on the back (optional)."), MODE, MasksKey()),
    # Anki's names and order: its image-occlusion code finds the fields by their place.
    content_fields=("Occlusion", "Image", "Header", "Back Extra", "Comments"),
    templates=(CardTemplateSpec("Image Occlusion", "", ""),),
    fill=_occlusion,
    skeleton=("image:", optional_line("header"), optional_line("back_extra"), "masks:",
              "  - {id: , label: , rect: [0, 0, 10, 10]}"),
    cloze_field="Occlusion",
    check=_pack_occlusion,
    trailing_fields=(),
    stock_kind=IMAGE_OCCLUSION_STOCK_KIND,
    own_citation_keys=frozenset({"source"}),
    first_shown=2,  # Header
)

KINDS: dict[str, Kind] = {kind.name: kind for kind in (BASIC, REVERSE, CLOZE, LIST, TYPED, OCCLUSION)}
