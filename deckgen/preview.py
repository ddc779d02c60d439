"""`deckgen preview`: every card's front and back as one HTML page, without Anki.

Educators see their cards as students will, styled by the deck's own CSS. The card templates are
filled in the way Anki fills them (fields, {{#sections}}, {{FrontSide}}, cloze deletions); a test
holds this rendering to what the real Anki renders for every card kind.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from deckgen import cloze
from deckgen.markup import html_text
from deckgen.notetypes import RenderedNoteType
from deckgen.render import RenderedDeck, RenderedNote

# A {{#Field}}...{{/Field}} (or {{^Field}}) section, or a {{Field}} / {{cloze:Field}}; one pass,
# so that a field's own text is never read as template syntax.
_TOKEN = re.compile(r"\{\{([#^])([^{}]+?)\}\}(.*?)\{\{/\2\}\}|\{\{([^{}#^/]+?)\}\}", re.DOTALL)


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


def _fill(template: str, values: dict[str, str], note: RenderedNote, ordinal: int, answer: bool) -> str:
    def token(match: re.Match) -> str:
        if match.group(1):
            shown = bool(values.get(match.group(2).strip(), "").strip())
            return _fill(match.group(3), values, note, ordinal, answer) if shown == (match.group(1) == "#") else ""
        name = match.group(4).strip()
        if name.startswith("cloze:"):
            return _cloze(note.cloze, ordinal, answer)
        if name.startswith("type:"):
            return _type_answer(values.get(name.removeprefix("type:"), ""), answer)
        return values.get(name, "")

    return _TOKEN.sub(token, template)


def preview_cards(deck: RenderedDeck) -> list[PreviewCard]:
    """Every card of every note, front and back, in course order."""
    note_types = {note_type.kind: note_type for note_type in deck.note_types}
    cards = []
    for note in deck.notes:
        note_type = note_types[note.kind]
        for ordinal in note.ordinals:
            cards.append(_preview(note, note_type, ordinal))
    return cards


def _preview(note: RenderedNote, note_type: RenderedNoteType, ordinal: int) -> PreviewCard:
    cloze_type = note_type.declaration.is_cloze
    template = note_type.templates[0 if cloze_type else ordinal]
    values = dict(zip(note_type.fields, note.fields))
    values.update({
        "Deck": note.deck, "Subdeck": note.deck.split("::")[-1], "Tags": " ".join(note.tags), "Card": template.name,
    })
    front = _fill(template.front, values, note, ordinal + 1, answer=False)
    back = _fill(template.back, {**values, "FrontSide": front}, note, ordinal + 1, answer=True)
    return PreviewCard(note.card_id, note.kind, template.name, ordinal, front, back, cloze_type)


def preview_page(deck: RenderedDeck, title: str) -> tuple[str, int]:
    """One self-contained HTML page (the deck's CSS, then each card's front and back side by side),
    and how many cards it shows."""
    css = deck.note_types[0].css if deck.note_types else ""
    sections = []
    for card in preview_cards(deck):
        label = html.escape(f"{card.card_id} · {card.kind} · {card.template}"
                            + (f" {card.ordinal + 1}" if card.numbered else ""))
        sections.append(
            f'<section class="preview-card"><h2>{label}</h2>'
            f'<div class="preview-sides"><div class="card">{card.front}</div>'
            f'<div class="card">{card.back}</div></div></section>'
        )
    page = (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html.escape(title)} · preview</title>\n<style>\n{css}\n"
        "body { margin: 0; padding: 1em; background: #eaeef2; font-family: sans-serif; }\n"
        ".preview-card { margin: 0 auto 1.5em; max-width: 80em; }\n"
        ".preview-card h2 { font-size: 0.8em; color: #57606a; font-weight: normal; margin: 0 0 0.3em; }\n"
        ".preview-sides { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; }\n"
        ".preview-sides .card { flex: 1 1 20em; border-radius: 6px; box-shadow: 0 1px 3px #0003; }\n"
        "</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(title)}: {len(sections)} cards</h1>\n" + "\n".join(sections) + "\n</body>\n</html>\n"
    )
    return page, len(sections)
