"""Rendering: Jinja templates become Anki note types, and each card becomes a note's field values.

Templates are the project's own (in `templates/`), so they may contain any HTML; card text never
passes through Jinja as template code. It is markup turned into sanitised HTML, and it reaches a
template only as a value, escaped unless it has already been sanitised.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass
from pathlib import Path

import jinja2
from jinja2.loaders import split_template_path
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from deckgen.errors import DeckError, Location, Problem, ProblemCollector, display_path
from deckgen.ids import derived_id, note_guid
from deckgen.markup import inert, plain, to_html, without_cloze_syntax
from deckgen.media import packaged_media_name
from deckgen import cloze, maths
from deckgen.model import Card, DeckSettings, Project, Text
from deckgen.notetypes import ANKI_SPECIAL_FIELDS, NOTE_TYPES, NoteTypeSpec
from deckgen.references import apa_html, short_citation
from deckgen.schema import check_cloze

CSS_TEMPLATE = "style.css"
LIST_ITEMS_TEMPLATE = "list-items.html"
RETIRED_TEMPLATE = "retired.html"


@dataclass(frozen=True)
class RenderedCardTemplate:
    name: str
    front: str
    back: str


@dataclass(frozen=True)
class RenderedNoteType:
    kind: str
    note_type_id: int
    name: str
    fields: tuple[str, ...]
    templates: tuple[RenderedCardTemplate, ...]
    css: str
    cloze_field: str | None

    @property
    def is_cloze(self) -> bool:
        return self.cloze_field is not None

    @property
    def cloze_field_index(self) -> int | None:
        return self.fields.index(self.cloze_field) if self.cloze_field else None


@dataclass(frozen=True)
class RenderedNote:
    card_id: str
    guid: str
    kind: str
    subdeck: str  # the key in deck.yaml
    deck: str  # the full Anki deck name
    fields: tuple[str, ...]
    tags: tuple[str, ...]


@dataclass(frozen=True)
class PackagedMedia:
    name: str  # flat, content-addressed name inside the package
    path: Path


@dataclass(frozen=True)
class RenderedSubdeck:
    name: str
    deck_id: int


@dataclass(frozen=True)
class RenderedDeck:
    """Everything the package stage needs, and nothing it has to work out itself."""

    name: str
    deck_id: int
    description: str
    file_stem: str
    subdecks: tuple[RenderedSubdeck, ...]
    note_types: tuple[RenderedNoteType, ...]
    notes: tuple[RenderedNote, ...]
    media: tuple[PackagedMedia, ...]
    warnings: tuple[Problem, ...] = ()  # unsafe content found in cards and removed


class _TemplateFieldError(Exception):
    """A template named a field its note type does not have."""


class AnkiSyntax:
    """What a note-type template writes to produce Anki's own {{Field}} syntax, checked by name."""

    def __init__(self, spec: NoteTypeSpec) -> None:
        self.spec = spec

    def _checked(self, name: str) -> str:
        if name not in self.spec.fields and name not in ANKI_SPECIAL_FIELDS:
            raise _TemplateFieldError(
                f"the {self.spec.kind} note type has no field '{name}': "
                f"use one of {', '.join(self.spec.fields)}"
            )
        return name

    def field(self, name: str) -> Markup:
        return Markup("{{%s}}") % self._checked(name)

    def cloze(self, name: str) -> Markup:
        if not self.spec.is_cloze:
            raise _TemplateFieldError(f"the {self.spec.kind} note type is not a cloze type: use anki.field")
        return Markup("{{cloze:%s}}") % self._checked(name)

    def if_field(self, name: str) -> Markup:
        return Markup("{{#%s}}") % self._checked(name)

    def end_if(self, name: str) -> Markup:
        return Markup("{{/%s}}") % self._checked(name)

    def front_side(self) -> Markup:
        return Markup("{{FrontSide}}")


class _TemplatesInside(jinja2.FileSystemLoader):
    """Jinja's file loader, refusing a template that is a link out of the templates folder: its
    text would be published in every student's note type."""

    def get_source(self, environment: jinja2.Environment, template: str):
        folder = Path(self.searchpath[0])
        path = folder.joinpath(*split_template_path(template))
        if path.exists() and not path.resolve().is_relative_to(folder.resolve()):
            raise _TemplateFieldError(
                f"template '{template}' is a link to a file outside the templates folder: put the file itself there"
            )
        return super().get_source(environment, template)


def template_environment(templates_dir: Path) -> jinja2.Environment:
    """Strict (a misspelt name is an error), autoescaping, and sandboxed: templates come by pull
    request too, and need no access to Python's internals."""
    return SandboxedEnvironment(
        loader=_TemplatesInside(str(templates_dir)),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=True),
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _render_template(
    env: jinja2.Environment, name: str, root: Path, templates_dir: Path, **context: object
) -> str:
    """Render one template; any failure becomes a problem at the template's file and line."""
    try:
        return env.get_template(name).render(**context).strip()
    except DeckError:
        raise
    except jinja2.TemplateSyntaxError as error:
        path = Path(error.filename) if error.filename else templates_dir / name
        raise DeckError.at(
            Location(display_path(path, root), error.lineno or 1, 1),
            f"template syntax error: {error.message}",
        ) from None
    except jinja2.TemplateNotFound as error:
        raise DeckError.at(
            _template_frame(error, root, templates_dir) or Location(display_path(templates_dir, root)),
            f"template '{error.name}' not found in {display_path(templates_dir, root)}/",
        ) from None
    except Exception as error:  # a template is code an educator writes: any failure is theirs to fix
        where = _template_frame(error, root, templates_dir)
        if isinstance(error, jinja2.UndefinedError):
            message = (
                f"template uses an undefined value ({error}): templates may use deck.name, "
                "deck.title, deck.version and anki.field(...); see the README"
            )
        elif isinstance(error, (_TemplateFieldError, jinja2.TemplateError)):
            message = str(error)
        elif isinstance(error, RecursionError):
            message = "template includes itself without end: check its {% include %} lines"
        else:
            message = f"template failed: {type(error).__name__}: {error}"
        raise DeckError.at(where or Location(display_path(templates_dir / name, root)), message) from None


def _template_frame(error: BaseException, root: Path, templates_dir: Path) -> Location | None:
    """Jinja rewrites tracebacks so template lines appear as frames: find the innermost one."""
    found = None
    templates = templates_dir.resolve()
    for frame in traceback.extract_tb(error.__traceback__):
        path = Path(frame.filename)
        if path.suffix in (".html", ".css") and templates in path.resolve().parents:
            found = Location(display_path(path, root), frame.lineno or 1, 1)
    return found


def _deck_context(settings: DeckSettings) -> dict[str, str]:
    """What templates may know of the deck (the README lists it)."""
    return {"name": settings.name, "title": settings.title, "version": settings.version}


def render_note_types(project: Project, env: jinja2.Environment, templates_dir: Path) -> tuple[RenderedNoteType, ...]:
    settings = project.settings
    deck = _deck_context(settings)
    css = _render_template(env, CSS_TEMPLATE, project.root, templates_dir, deck=deck)
    rendered = []
    for kind, spec in NOTE_TYPES.items():
        anki = AnkiSyntax(spec)
        templates = tuple(
            RenderedCardTemplate(
                name=template.name,
                front=_render_template(env, template.front, project.root, templates_dir, anki=anki, deck=deck),
                back=_render_template(env, template.back, project.root, templates_dir, anki=anki, deck=deck),
            )
            for template in spec.templates
        )
        for source, template in zip(spec.templates, templates):
            for name, text in ((source.front, template.front), (source.back, template.back)):
                _refuse_maths_delimiters(text, name, project.root, templates_dir)
        rendered.append(
            RenderedNoteType(
                kind=kind,
                note_type_id=settings.note_type_ids[kind],
                name=f"{settings.name} {kind} (deckgen)",
                fields=spec.fields,
                templates=templates,
                css=css,
                cloze_field=spec.cloze_field,
            )
        )
    return tuple(rendered)


def _refuse_maths_delimiters(text: str, name: str, root: Path, templates_dir: Path) -> None:
    """A template's own \\( or \\[ would let MathJax read the card text beside it as maths, past the
    checks each field gets on its own."""
    if maths.DELIMITER.search(text):
        raise DeckError.at(
            Location(display_path(templates_dir / name, root)),
            "template writes a maths delimiter (\\( \\) \\[ \\]): MathJax would read the card text beside it "
            "as maths; write maths in the cards' fields instead",
        )


class _NoteRenderer:
    def __init__(self, project: Project, env: jinja2.Environment, templates_dir: Path) -> None:
        self.project = project
        self.env = env
        self.templates_dir = templates_dir
        self.problems = ProblemCollector()
        self.warnings: list[Problem] = []
        self.media: dict[Path, PackagedMedia] = {}

    def markup(
        self, key: str, text: Text, media_names: dict[str, str], allow_braces: bool = False, required: bool = True
    ) -> str:
        """The field's HTML. A required field left with nothing to show is an error, since Anki would
        make a blank card of it (or none). Outside cloze text, braces are written as entities: to
        Anki they would be cloze deletions; as entities they only show."""
        result = to_html(text.value, text.location, key, media_names=media_names)
        if isinstance(result, Problem):
            self.problems.append(result)
            return ""
        self.warnings.extend(result.warnings)
        self._check_maths(result.html, key, text.location, cloze_text=allow_braces)
        if required and _is_blank(result.html):
            self.problems.add(
                text.location, f"'{key}' is empty once the content cards may not use is left out: write it as text"
            )
        elif not allow_braces:
            return without_cloze_syntax(result.html)
        else:
            self._check_deletions_as_rendered(result.html, text)
        return result.html

    def _check_maths(
        self, html: str, key: str, location: Location, maths_allowed: bool = True, cloze_text: bool = False
    ) -> None:
        """MathJax reads the card as Anki shows it, so a cloze text is checked as every one of its
        cards shows it too: hiding or revealing a deletion joins the text around it."""
        sides = [html]
        if cloze_text and ("\\" in html or "&" in html):
            parsed = cloze.parse(html)
            if isinstance(parsed, cloze.ClozeText):
                sides += [parsed.card_side(number, answer) for number in parsed.numbers for answer in (False, True)]
        for message in dict.fromkeys(m for side in sides for m in maths.problems(side, key, maths_allowed)):
            self.problems.add(location, message)

    def _check_deletions_as_rendered(self, html: str, text: Text) -> None:
        """Check cloze deletions once more as Anki will see them: one may have lost its content to
        the sanitiser, and entities in the source may have become braces."""
        parsed = cloze.parse(html)
        emptied = [] if isinstance(parsed, cloze.ClozeProblem) else [
            deletion.number for deletion in parsed.deletions if _is_blank(deletion.hidden)
        ]
        for number in emptied:
            self.problems.add(
                text.location,
                f"cloze deletion c{number} is empty once the content cards may not use is left out: "
                "write the hidden text as text",
            )
        if not emptied:
            check_cloze(Text(html, text.location), self.problems)

    def note(self, card: Card) -> RenderedNote:
        media_names = {}
        for media in card.media:
            packaged = self.media.setdefault(
                media.path, PackagedMedia(packaged_media_name(media.path), media.path)
            )
            media_names[media.name] = packaged.name
        first: list[str]
        if card.kind == "cloze":
            first = [self.markup("text", card.text, media_names, allow_braces=True)]
        elif card.kind == "list":
            item_html = tuple(self.markup("items", item, media_names) for item in card.items)
            items = [Markup(cloze.deletion(number, html)) for number, html in enumerate(item_html, start=1)]
            first = [
                self.markup("question", card.question, media_names),
                _render_template(
                    self.env, LIST_ITEMS_TEMPLATE, self.project.root, self.templates_dir,
                    items=items, ordered=card.ordered,
                ),
            ]
        else:
            first = [
                self.markup("question", card.question, media_names),
                self.markup("answer", card.answer, media_names),
            ]
        settings = self.project.settings
        tags = card.tags
        if card.retired:
            banner = _render_template(
                self.env, RETIRED_TEMPLATE, self.project.root, self.templates_dir,
                deck=_deck_context(settings), tag=settings.retired_tag,
            )
            first[0] = banner + first[0]
            tags = tags + (settings.retired_tag,)
        extra = self.markup("extra", card.extra, media_names, required=False) if card.extra else ""
        reference = self.project.references.get(card.source) if card.source else None
        topic = plain(card.topic.value) if card.topic else ""
        if card.topic:
            self._check_maths(topic, "topic", card.topic.location, maths_allowed=False)
        citation = plain(short_citation(reference)) if reference else ""
        full_reference = inert(apa_html(reference)) if reference else ""
        if reference:
            for html in (citation, full_reference):
                self._check_maths(html, f"reference '{reference.key}'", reference.location, maths_allowed=False)
        fields = first + [extra, topic, citation, full_reference]
        return RenderedNote(
            card_id=card.id,
            guid=note_guid(settings.deck_id, card.id),
            kind=card.kind,
            subdeck=card.subdeck,
            deck=settings.subdeck_path(card.subdeck),
            fields=tuple(fields),
            tags=tags,
        )


def _is_blank(html: str) -> bool:
    return "<img" not in html and not re.sub(r"<[^>]*>|&nbsp;|\s", "", html)


def render_deck(project: Project, templates_dir: Path) -> RenderedDeck:
    """Render the note types and every card; all problems of all cards are reported together."""
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
    note_types = render_note_types(project, env, templates_dir)
    renderer = _NoteRenderer(project, env, templates_dir)
    # Course order: subdecks as deck.yaml lists them, then the cards as the files hold them.
    course_order = {key: position for position, key in enumerate(project.settings.subdecks)}
    cards = sorted(project.cards, key=lambda card: course_order[card.subdeck])
    notes = tuple(renderer.note(card) for card in cards)
    description = ""
    settings = project.settings
    if settings.description:
        description = renderer.markup("description", settings.description, {}, required=False)
    renderer.problems.raise_if_any()
    used_subdecks = sorted({card.subdeck for card in project.cards})
    return RenderedDeck(
        name=settings.name,
        deck_id=settings.deck_id,
        description=description,
        file_stem=settings.file_stem,
        subdecks=tuple(
            RenderedSubdeck(settings.subdeck_path(key), derived_id("subdeck", str(settings.deck_id), key))
            for key in used_subdecks
        ),
        note_types=note_types,
        notes=notes,
        media=tuple(sorted(renderer.media.values(), key=lambda media: media.name)),
        warnings=tuple(sorted(renderer.warnings)),
    )
