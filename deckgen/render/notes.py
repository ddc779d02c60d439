"""Rendering: each card becomes a note, its fields filled by name the way its kind declares.

Card text never passes through Jinja as template code: it is markup turned into sanitised HTML, and
it reaches a template only as a value. A rendered note carries what later stages need, computed
once here: its fields in its note type's order, the structure of its cloze field, and the ordinals
of the Anki cards it makes.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import jinja2
from markupsafe import Markup

from deckgen.errors import DeckError, Location, Problem, ProblemCollector, Where, display_path, shortened
from deckgen.ids import derived_id, note_guid
from deckgen.render.citations import apa_html, short_citation
from deckgen.render.description import release_line
from deckgen.render.notetypes import (
    RenderedNoteType,
    check_template_html,
    deck_context,
    render_note_types,
    render_template,
    restyled,
    template_environment,
)
from deckgen.render.occlusion import mask_labels, occlusion_field
from deckgen.render.rendered import (
    PackagedMedia,
    RenderedDeck,
    RenderedFile,
    RenderedNote,
    RenderedSubdeck,
)
from deckgen.render.reportlink import report_link
from deckgen.render.templatetree import makes_card
from deckgen.source.deck import Card, Project
from deckgen.source.load import Text
from deckgen.source.masks import Mask, Picture
from deckgen.text import cloze, maths
from deckgen.text.markup import NO_MARKUP_USED, html_text, to_html
from deckgen.text.media import packaged_media_name
from deckgen.text.sanitise import inert, plain, without_cloze_syntax

if TYPE_CHECKING:
    from deckgen.source.kinds import Kind

# A hint Anki shows as "[hint]": these would make it play a sound, speak, or compile LaTeX.
_ANKI_SYNTAX_HINT = re.compile(r"\s*/?\s*(?:sound:|anki:|\$|latex\b)", re.IGNORECASE)
LIST_ITEMS_TEMPLATE = "list-items.html"
RETIRED_TEMPLATE = "retired.html"
_Shared = TypeVar("_Shared")  # a value notes share (render.NoteMaker._shared)
# A retired card's banner, wrapped in an element of deckgen's own (not the template's), so release
# notes can leave it out however the template is restyled.
RETIRED_CLASS = "deckgen-retired"
RETIRED_WRAPPER = f'<div class="{RETIRED_CLASS}">{{}}</div>'


# Renders a project's cards file by file: given a function rendering some cards, it returns what
# rendering all of them gives, each file's rendered or kept, notes in course order (cache/incremental.py).
FileRenderer = Callable[[Callable[[list[Card]], RenderedFile]], RenderedFile]


class _NoteRenderer:
    """Renders cards into notes, collecting every problem; also the `FieldWriter` kinds fill with."""

    def __init__(self, project: Project, env: jinja2.Environment, templates_dir: Path,
                 note_types: tuple[RenderedNoteType, ...] = ()) -> None:
        self.project = project
        # The Anki front templates of declared note types that are not cloze: their notes make only
        # the cards whose front shows a filled field, as Anki makes them.
        self.fronts = {note_type.kind: tuple(template.front_syntax for template in note_type.templates)
                       for note_type in note_types if note_type.declaration.declared
                       and not note_type.declaration.is_cloze}
        self.env = env
        self.templates_dir = templates_dir
        self.problems = ProblemCollector()
        self.warnings: list[Problem] = []
        self.media: dict[Path, PackagedMedia] = {}
        self.media_names: dict[str, str] = {}  # of the card being rendered
        self.citations: dict[str, tuple[str, str]] = {}  # by reference key: rendered and checked once
        self.shared: dict[Any, Any] = {}
        self.used = NO_MARKUP_USED  # the markup the deck's CSS styles only when a card uses it
        self.checked_layouts: set[str] = set()  # list-items and retired layouts the template policy passed

    def html(self, key: str, text: Text, required: bool = True) -> str | None:
        """The field's sanitised HTML, or None when it is unusable. A required field left with
        nothing to show is an error, since Anki would make a blank card of it (or none)."""
        result = to_html(text.value, text, key, media_names=self.media_names)
        if isinstance(result, Problem):
            self.problems.append(result)
            return None
        self.warnings.extend(result.warnings)
        if result.used is not NO_MARKUP_USED:
            self.used = self.used.joined(result.used)
        if required and _is_blank(result.html):
            self.problems.add(
                text, f"'{key}' is empty once the content cards may not use is left out: write it as text"
            )
            return None
        return result.html

    def markup(self, key: str, text: Text, required: bool = True) -> str:
        """Markup for any field but a cloze text: braces are written as entities, since to Anki they
        would be cloze deletions; as entities they only show."""
        html = self.html(key, text, required)
        if html is None:
            return ""
        self._check_maths([html], key, text)
        return without_cloze_syntax(html)

    def cloze_text(self, text: Text) -> cloze.ClozeText:
        """A cloze text's HTML and its deletions, checked once more as Anki will see them: one may
        have lost its content to the sanitiser, and entities may have become braces."""
        html = self.html("text", text)
        if html is None:
            return cloze.ClozeText(())
        parsed = cloze.parse(html)
        if isinstance(parsed, cloze.ClozeProblem):
            self.problems.add(text, parsed.message)
            return cloze.ClozeText(())
        emptied = [part.number for part in parsed.deletions if _is_blank(part.hidden)]
        for number in emptied:
            self.problems.add(
                text,
                f"cloze deletion c{number} is empty once the content cards may not use is left out: "
                "write the hidden text as text",
            )
        for message in () if emptied else cloze.deletion_problems(parsed):
            self.problems.add(text, message)
        for deletion in parsed.deletions:
            hint = html_text(deletion.hint) if deletion.hint is not None else ""
            if _ANKI_SYNTAX_HINT.match(hint):
                shown = shortened(hint, 30)
                self.problems.add(
                    text,
                    f"cloze deletion c{deletion.number}'s hint '{shown}' would be Anki's own syntax once Anki puts "
                    f"it in brackets ([{shown}]): word the hint another way",
                )
        # MathJax reads each card as Anki shows it: hiding or revealing a deletion joins the text around it.
        sides = [html]
        if "\\" in html or "&" in html:
            sides += [parsed.card_side(number, answer) for number in parsed.numbers for answer in (False, True)]
        self._check_maths(sides, "text", text)
        return parsed

    def list_items(self, items: tuple[Text, ...], ordered: bool) -> cloze.ClozeText:
        """The list's items, each one cloze deletion, laid out by the list-items template. The
        template is given a mark for each item, and the deletions are put where the marks stand."""
        item_html = [self.markup("items", item) for item in items]
        marks = [Markup(f"\x00{number}\x00") for number in range(1, len(items) + 1)]
        layout = render_template(self.env, LIST_ITEMS_TEMPLATE, self.project.root, self.templates_dir,
                                 items=marks, ordered=ordered)
        if layout not in self.checked_layouts:  # one check for each layout: most list cards share one
            check_template_html(layout, LIST_ITEMS_TEMPLATE, self.env, self.project, self.templates_dir)
            self.checked_layouts.add(layout)
        pieces = re.split("\x00([0-9]+)\x00", layout)
        numbers = [int(number) for number in pieces[1::2]]
        if sorted(numbers) != list(range(1, len(items) + 1)):
            raise DeckError.at(
                Location(display_path(self.templates_dir / LIST_ITEMS_TEMPLATE, self.project.root)),
                "the list-items template must show every item of 'items' once",
            )
        parts: list[str | cloze.Deletion] = []
        for index, piece in enumerate(pieces):
            if index % 2:
                parts.append(cloze.Deletion(int(piece), item_html[int(piece) - 1].replace("::", ":&#58;"), None))
            elif piece:
                parts.append(piece)
        return cloze.ClozeText(tuple(parts))

    def occlusion(self, masks: tuple[Mask, ...], picture: Picture, hide_all: bool) -> cloze.ClozeText:
        return occlusion_field(masks, picture, hide_all)

    def mask_labels(self, masks: tuple[Mask, ...]) -> cloze.ClozeText:
        return mask_labels(masks)

    def picture(self, picture: Picture) -> str:
        """The picture packaged as any card's media is, shown as Anki's Image field holds it."""
        packaged = self.media.setdefault(picture.path, PackagedMedia(packaged_media_name(picture.path), picture.path))
        return f'<img src="{html.escape(packaged.name)}">'  # a flat name, escaped all the same

    def short_citation(self, source: str) -> str:
        return self._citation(source)[0]

    def _check_maths(self, sides: list[str], key: str, location: Where, maths_allowed: bool = True) -> None:
        if not any("\\" in side or "&" in side for side in sides):
            return  # no backslash, however written: nothing MathJax would read (most fields)
        for message in dict.fromkeys(m for side in sides for m in maths.problems(side, key, maths_allowed)):
            self.problems.add(location, message)

    def note(self, card: Card) -> RenderedNote:
        kind = self.project.settings.kinds[card.kind]
        self.media_names = {}
        for media in card.media:
            packaged = self.media.setdefault(media.path, PackagedMedia(packaged_media_name(media.path), media.path))
            self.media_names[media.name] = packaged.name
        values = kind.fill(card, self)
        settings = self.project.settings
        tags = card.tags
        if card.retired:
            shown = render_template(self.env, RETIRED_TEMPLATE, self.project.root, self.templates_dir,
                                    deck=deck_context(settings), tag=settings.retired_tag)
            if shown not in self.checked_layouts:
                check_template_html(shown, RETIRED_TEMPLATE, self.env, self.project, self.templates_dir)
                self.checked_layouts.add(shown)
            banner = RETIRED_WRAPPER.format(shown)
            first = kind.content_fields[kind.first_shown]
            values[first] = _prefixed(banner, values[first])
            tags = tags + (settings.retired_tag,)
        report = None
        if kind.trailing_fields:
            values.update(self._citation_fields(card))
            if settings.report_url is not None:
                report = report_link(settings.report_url, settings.name, card.id, kind.fields.index("Extra"))
        structure = values.get(kind.cloze_field) if kind.cloze_field else None
        fields = tuple(_syntax(values[name]) for name in kind.fields)
        ordinals = (tuple(number - 1 for number in structure.numbers) if structure is not None
                    else self._shared(self._template_ordinals(kind, fields)))
        if not ordinals and structure is None:
            self.problems.add(card.where, f"card '{card.id}' makes no Anki card: each of the {kind.name} note type's "
                                          "card templates shows only fields the card leaves empty; fill one of them")
        return RenderedNote(
            card_id=card.id,
            guid=self.project.guids.get(card.id) or card.guid or note_guid(settings.deck_id, card.id),
            kind=card.kind,
            subdeck=card.subdeck,
            deck=self._deck_of(card),
            fields=fields,
            tags=tags,
            ordinals=ordinals,
            cloze=structure,
            report=report,
        )

    def _template_ordinals(self, kind: Kind, fields: tuple[str, ...]) -> tuple[int, ...]:
        """The card templates a note makes cards of: all of a built-in kind's; of a declared note
        type's, those whose front shows a field the note fills (Anki makes no others)."""
        fronts = self.fronts.get(kind.name)
        if fronts is None:
            return tuple(range(len(kind.templates)))
        filled = frozenset(name for name, value in zip(kind.fields, fields, strict=False) if value.strip())
        return tuple(ordinal for ordinal, front in enumerate(fronts) if makes_card(front, filled))

    def _deck_of(self, card: Card) -> str:
        settings = self.project.settings
        return self._shared(settings.retired_deck if card.retired else settings.subdeck_path(card.subdeck))

    def _shared(self, value: _Shared) -> _Shared:
        """One copy of a value many notes hold (their deck's name, their card ordinals), not one each."""
        shared: _Shared = self.shared.setdefault(value, value)
        return shared

    def notes(self, cards: list[Card], progress: Progress | None) -> tuple[RenderedNote, ...]:
        return tuple(self.note(card) for card in _reporting(cards, progress))

    def notes_that_render(self, cards: list[Card], progress: Progress | None) -> tuple[RenderedNote, ...]:
        """The notes of the cards that render without a problem; the others' problems stay recorded."""
        notes, found = [], []
        for card in _reporting(cards, progress):
            note = self.note(card)
            problems = self.problems.take()
            if problems:
                found += problems
            else:
                notes.append(note)
        self.problems.problems = found
        return tuple(notes)

    def rendered(self, cards: list[Card]) -> RenderedFile:
        """What rendering `cards` alone gives, with a renderer of their own (`FileRenderer`)."""
        notes = self.notes_that_render(cards, None)
        return RenderedFile(notes, tuple(self.problems.take()), tuple(self.warnings), self.used,
                            tuple(self.media.values()))

    def take_in(self, rendered: RenderedFile) -> tuple[RenderedNote, ...]:
        """The notes of cards rendered elsewhere (`FileRenderer`); the rest is added to this renderer's."""
        self.problems.problems.extend(rendered.problems)
        self.warnings.extend(rendered.warnings)
        self.used = self.used.joined(rendered.used)
        for media in rendered.media:
            self.media.setdefault(media.path, media)
        return rendered.notes

    def _citation_fields(self, card: Card) -> dict[str, str]:
        """The fields every kind ends with: the explanation, the topic and the citation."""
        extra = self.markup("extra", card.extra, required=False) if card.extra else ""
        topic = plain(card.topic.value) if card.topic else ""
        if card.topic:
            self._check_maths([topic], "topic", card.topic, maths_allowed=False)
        citation, full_reference = self._citation(card.source) if card.source else ("", "")
        return {"Extra": extra, "Topic": topic, "Source": citation, "Reference": full_reference}

    def _citation(self, key: str) -> tuple[str, str]:
        """A reference's short citation and full APA text, rendered and checked once for every card citing it."""
        if key not in self.citations:
            reference = self.project.references[key]
            citation, full_reference = plain(short_citation(reference)), inert(apa_html(reference))
            self._check_maths([citation, full_reference], f"reference '{reference.key}'", reference.location,
                              maths_allowed=False)
            self.citations[key] = (citation, full_reference)
        return self.citations[key]


def _reporting(cards: list[Card], progress: Progress | None) -> Iterator[Card]:
    """The cards, telling `progress` how far their rendering has got."""
    for done, card in enumerate(cards):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress("rendering cards", done, len(cards))
        yield card
    if progress is not None:
        progress("rendering cards", len(cards), len(cards))


def _prefixed(banner: str, value: str | cloze.ClozeText) -> str | cloze.ClozeText:
    if isinstance(value, cloze.ClozeText):
        return cloze.ClozeText((banner,) + value.parts)
    return banner + value


def _syntax(value: str | cloze.ClozeText) -> str:
    return value.syntax() if isinstance(value, cloze.ClozeText) else value


_NOTHING_SHOWN = re.compile(r"(?:<[^>]*>|&nbsp;|\s)*")


def _is_blank(html: str) -> bool:
    return "<img" not in html and _NOTHING_SHOWN.fullmatch(html) is not None


# Told how far a long stage has got: (what it does, how many done, of how many). Only the command
# line shows it (a progress line on a terminal); the pipeline never prints.
Progress = Callable[[str, int, int], None]
PROGRESS_EVERY = 1_000  # cards between two reports


def render_deck(project: Project, templates_dir: Path, problems: ProblemCollector | None = None,
                progress: Progress | None = None, by_file: FileRenderer | None = None) -> RenderedDeck:
    """Render the note types and every card; all problems of all cards are reported together. Given
    `problems`, a card's problems are recorded there instead, and the deck leaves that card out
    (preview and stats show what they can); a template's problems are raised all the same. Given
    `by_file`, the cards are rendered (or their rendering kept) file by file through it."""
    if not templates_dir.is_dir():
        raise DeckError.at(
            Location(display_path(templates_dir, project.root)),
            "templates folder not found: a project needs templates/ (copy it from the deckgen repository)",
        )
    if not templates_dir.resolve().is_relative_to(project.root.resolve()):
        raise DeckError.at(
            Location(display_path(templates_dir, project.root)),
            "templates/ is a link to a folder outside the project: make it a real folder",
        )
    env = template_environment(templates_dir)
    # The note types first, with the CSS for plain cards: a declared type's front templates decide
    # which cards its notes make.
    note_types = render_note_types(project, env, templates_dir, NO_MARKUP_USED)
    renderer = _NoteRenderer(project, env, templates_dir, note_types)
    if by_file is not None:
        notes = renderer.take_in(by_file(lambda some: _NoteRenderer(project, env, templates_dir, note_types)
                                         .rendered(some)))
    else:  # course order: subdecks as deck.yaml lists them, then the cards as the files hold them
        course_order = {key: position for position, key in enumerate(project.settings.subdecks)}
        cards = sorted(project.cards, key=lambda card: course_order[card.subdeck])
        notes = renderer.notes(cards, progress) if problems is None else renderer.notes_that_render(cards, progress)
    settings = project.settings
    description = renderer.markup("description", settings.description, required=False) if settings.description else ""
    # After the notes: the CSS styles what their fields use (only the CSS changes).
    if renderer.used != NO_MARKUP_USED:
        note_types = restyled(note_types, project, env, templates_dir, renderer.used)
    if problems is None:
        renderer.problems.raise_if_any()
    else:
        problems.problems.extend(renderer.problems.take())
    used_subdecks = sorted({card.subdeck for card in project.cards})
    retired = ((RenderedSubdeck(settings.retired_deck, derived_id("subdeck", str(settings.deck_id), ":retired"), True),)
               if any(card.retired for card in project.cards) else ())
    return RenderedDeck(
        name=settings.name,
        deck_id=settings.deck_id,
        description=description,
        file_stem=settings.file_stem,
        subdecks=tuple(
            RenderedSubdeck(settings.subdeck_path(key), derived_id("subdeck", str(settings.deck_id), key))
            for key in used_subdecks
        ) + retired,
        note_types=note_types,
        notes=notes,
        media=tuple(sorted(renderer.media.values(), key=lambda media: media.name)),
        warnings=tuple(sorted(renderer.warnings)),
        options=settings.options,
        release_line=release_line(settings.version, settings.feed_url),
    )
