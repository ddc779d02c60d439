"""What `deckgen preview` shows: every card's front and back as Anki shows them, grouped by note,
with where each is written, what changed since a release, and the problems of the cards as they are.

Educators see their cards as students will, styled by the deck's own CSS. The card templates are
filled in the way Anki fills them (fields, {{#sections}}, {{FrontSide}}, cloze deletions); a test
holds this rendering to what the real Anki renders for every card kind. page.py makes the
page of it; serve.py serves it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from pathlib import Path

from deckgen.changes.notes import note_changes
from deckgen.changes.packaged import PackageContents, deck_contents
from deckgen.errors import DeckError, Location, Problem
from deckgen.paths import ProjectPaths
from deckgen.preview.occlusion import Occlusion, occlusion_sides, occlusions
from deckgen.render import templatetree
from deckgen.render.notetypes import RenderedNoteType
from deckgen.render.rendered import RenderedDeck, RenderedNote
from deckgen.source.deck import Project
from deckgen.source.kinds import IMAGE_OCCLUSION_STOCK_KIND
from deckgen.source.load import Mapping, Scalar, Sequence, read_yaml
from deckgen.source.project import outside_problem
from deckgen.text import cloze
from deckgen.text.markup import SOUND, html_text


@dataclass(frozen=True)
class PreviewCard:
    card_id: str
    kind: str
    template: str
    ordinal: int
    front: str
    back: str
    numbered: bool  # one of a cloze note's numbered cards


def _attribute_text(text: str) -> str:
    """Anki's encoding of a deletion's text for its data-cloze attribute: ASCII letters and digits
    and every non-ASCII character as they are, other ASCII characters as entities."""
    named = {"&": "&amp;", '"': "&quot;", "<": "&lt;", ">": "&gt;"}
    return "".join(
        character if character.isalnum() or not character.isascii()
        else named.get(character, f"&#x{ord(character):X};")
        for character in text
    )


def _cloze(structure: cloze.ClozeText | None, ordinal: int, answer: bool) -> str:
    def deletion(part: cloze.Deletion) -> str:
        number, text, hint = part.number, part.hidden, part.hint
        if number != ordinal:
            return f'<span class="cloze-inactive" data-ordinal="{number}">{text}</span>'
        if answer:
            return f'<span class="cloze" data-ordinal="{number}">{text}</span>'
        shown = f"[{hint}]" if hint else "[...]"
        return f'<span class="cloze" data-cloze="{_attribute_text(text)}" data-ordinal="{number}">{shown}</span>'

    return structure.replace(deletion) if structure is not None else ""


def _type_answer(value: str, answer: bool) -> str:
    """Anki desktop's box for typing the answer; on the back, the answer it compares with."""
    if answer:
        return f'<code id="typeans">{html.escape(html_text(value))}</code>'
    return '<input type="text" id="typeans" placeholder="type the answer" disabled>'


def _fill(nodes: tuple[templatetree.Node, ...], values: dict[str, str], note: RenderedNote, ordinal: int,
          answer: bool) -> str:
    """A template side filled from its Anki syntax tree (parsed once, when the note type was
    rendered), so that a field's own text is never read as template syntax."""
    parts = []
    for node in nodes:
        if isinstance(node, templatetree.Text):
            parts.append(node.text)
        elif isinstance(node, templatetree.Section):
            if bool(values.get(node.name, "").strip()) != node.inverted:
                parts.append(_fill(node.children, values, note, ordinal, answer))
        elif node.filters[:1] == ("cloze",):
            parts.append(_cloze(note.cloze, ordinal, answer))
        elif node.filters[:1] == ("type",):  # {{type:cloze:Text}} types no field's whole answer
            parts.append(_type_answer(values.get(node.name, "") if len(node.filters) == 1 else "", answer))
        elif not node.filters:  # the preview applies no other filter: such a field shows nothing here
            parts.append(values.get(node.name, ""))
    return "".join(parts)


def preview_cards(deck: RenderedDeck, drawn: dict[str, Occlusion]) -> list[PreviewCard]:
    """Every card of every note, front and back, in course order; each occlusion card's picture
    drawn with its masks from `drawn` (occlusion.occlusions of the deck's cards)."""
    note_types = {note_type.kind: note_type for note_type in deck.note_types}
    cards = []
    for note in deck.notes:
        note_type = note_types[note.kind]
        occlusion = drawn[note.card_id] if note_type.declaration.stock_kind == IMAGE_OCCLUSION_STOCK_KIND else None
        for ordinal in note.ordinals:
            cards.append(_preview(note, note_type, ordinal, occlusion))
    return cards


def _preview(note: RenderedNote, note_type: RenderedNoteType, ordinal: int,
             occlusion: Occlusion | None) -> PreviewCard:
    cloze_type = note_type.declaration.is_cloze
    template = note_type.templates[0 if cloze_type else ordinal]
    values = dict(zip(note_type.fields, note.shown_fields(), strict=False))
    if occlusion is not None:  # drawn as Anki's script draws it, which the preview does not run
        front, back = occlusion_sides(occlusion, values, ordinal)
        return PreviewCard(note.card_id, note.kind, template.name, ordinal, _players(front), _players(back), True)
    values.update({
        "Deck": note.deck, "Subdeck": note.deck.split("::")[-1], "Tags": " ".join(note.tags), "Card": template.name,
    })
    front = _fill(template.front_syntax.nodes, values, note, ordinal + 1, answer=False)
    back = _fill(template.back_syntax.nodes, {**values, "FrontSide": front}, note, ordinal + 1, answer=True)
    return PreviewCard(note.card_id, note.kind, template.name, ordinal, _players(front), _players(back), cloze_type)


def _players(card: str) -> str:
    """The card with each of its sounds as a player, where Anki shows a play button. Only a card's own
    listed sounds are still [sound:...] here (markup.py writes every other bracket as an entity), and
    their names are already escaped for HTML."""
    return SOUND.sub(lambda sound: f'<audio class="preview-sound" controls preload="none" src="{sound.group(1)}">'
                                   "</audio>", card)


@dataclass(frozen=True)
class PreviewNote:
    """One card as the educator wrote it (an Anki note) and the Anki cards it makes."""

    card_id: str
    kind: str
    subdeck: str  # the key in deck.yaml
    tags: tuple[str, ...]
    location: Location  # where the card is written
    retired: bool
    cards: tuple[PreviewCard, ...]
    change: str | None = None  # since the package given with --since: changes/notes.py ADDED, CHANGED or RETIRED
    problems: tuple[Problem, ...] = ()  # problems written in this card since the cards shown were built
    editor: str | None = None  # served: where this card's mask editor is (maskpage.py), for an occlusion card


@dataclass(frozen=True)
class PreviewContent:
    """Everything the preview page shows."""

    title: str
    css: str  # the deck's own CSS
    subdecks: tuple[tuple[str, str], ...]  # (key, name) in course order
    notes: tuple[PreviewNote, ...]
    since: str | None = None  # the package changes are marked against
    problems: tuple[Problem, ...] = ()  # when any, the notes are those of the last build without problems
    template_script: bool = False  # deck.yaml's allow_template_script: the page says so

    @property
    def cards(self) -> int:
        return sum(len(note.cards) for note in self.notes)


def preview_content(project: Project, deck: RenderedDeck, since: PackageContents | None = None) -> PreviewContent:
    """The preview of a checked deck; with `since`, each note added, changed or retired after it marked."""
    cards: dict[str, list[PreviewCard]] = {}
    for card in preview_cards(deck, occlusions(project.cards)):
        cards.setdefault(card.card_id, []).append(card)
    changes = note_changes(since, deck_contents(deck, "")) if since is not None else {}
    written = {card.id: card for card in project.cards}
    notes = tuple(
        PreviewNote(
            card_id=note.card_id, kind=note.kind, subdeck=note.subdeck, tags=note.tags,
            location=written[note.card_id].location, retired=written[note.card_id].retired,
            cards=tuple(cards.get(note.card_id, ())), change=changes.get(note.guid),
        )
        for note in deck.notes
    )
    settings = project.settings
    return PreviewContent(
        title=settings.title, css=deck.note_types[0].css if deck.note_types else "",
        subdecks=tuple(settings.subdecks.items()), notes=notes, since=since.name if since is not None else None,
        template_script=settings.allow_template_script,
    )


def with_problems(shown: PreviewContent | None, error: DeckError, root: Path) -> PreviewContent:
    """The last preview without problems (or an empty one) with the problems of the cards as they
    are now: each listed, and each written inside a card also shown on that card."""
    if shown is None:
        shown = PreviewContent(title="deckgen preview", css="", subdecks=(), notes=())
    places = _CardPlaces(shown, root)
    placed: dict[str, list[Problem]] = {}
    for problem in error.problems:
        card_id = places.card_at(problem.location)
        if card_id is not None:
            placed.setdefault(card_id, []).append(problem)
    notes = tuple(replace(note, problems=tuple(placed.get(note.card_id, ()))) for note in shown.notes)
    return replace(shown, notes=notes, problems=error.problems)


class _CardPlaces:
    """Which card a problem's line falls in: read from the card file as it is now, since lines may
    have moved since the cards shown were built; from where those cards were when the file no longer
    reads as YAML."""

    def __init__(self, shown: PreviewContent, root: Path) -> None:
        self.root = root
        self.shown = shown
        self.files = {note.location.path for note in shown.notes}
        self.starts: dict[str, list[tuple[int, str]]] = {}

    def card_at(self, location: Location) -> str | None:
        if location.path not in self.files:  # deck.yaml, a template, a new card file
            return None
        if location.path not in self.starts:
            self.starts[location.path] = self._starts(location.path)
        before = [(line, card_id) for line, card_id in self.starts[location.path] if line <= location.line]
        return max(before)[1] if before else None

    def _starts(self, shown_as: str) -> list[tuple[int, str]]:
        path = self.root / shown_as
        was = [(note.location.line, note.card_id) for note in self.shown.notes if note.location.path == shown_as]
        if outside_problem(path, ProjectPaths(self.root).cards, self.root):
            return was
        try:
            document = read_yaml(path, shown_as)
        except DeckError:
            return was
        cards = document.get("cards") if isinstance(document, Mapping) else None
        if not isinstance(cards, Sequence):
            return was
        return [(item.location.line, card_id.text) for item in cards.items if isinstance(item, Mapping)
                and isinstance(card_id := item.get("id"), Scalar)]
