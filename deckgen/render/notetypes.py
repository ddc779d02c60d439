"""Note types: the project's Jinja templates rendered into Anki's own template syntax.

Templates are the project's own (in `templates/`), so they may contain any HTML; they write Anki's
field syntax through `anki`, which knows the fields of the kind's note type by name (kinds.py). Jinja
runs strict, autoescaping and sandboxed; any failure is a problem at the template's file and line.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import jinja2
import jinja2.meta
from jinja2.loaders import split_template_path
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from deckgen.errors import DeckError, Location, ProblemCollector, display_path, shortened
from deckgen.render import stylepolicy, templatepolicy, templatetree
from deckgen.render.occlusion import STOCK_NOTE_TYPES
from deckgen.source.deck import DeckSettings, Project
from deckgen.source.kinds import ANKI_SPECIAL_FIELDS, Kind
from deckgen.text import maths
from deckgen.text.htmlreader import HTMLReader
from deckgen.text.markup import MarkupUsed


@dataclass(frozen=True)
class RenderedCardTemplate:
    name: str
    front: str
    back: str
    front_syntax: templatetree.AnkiTemplate  # the front's Anki syntax, parsed once: which cards a note makes
    back_syntax: templatetree.AnkiTemplate  # the back's, which the preview fills


@dataclass(frozen=True)
class RenderedNoteType:
    """A kind's note type as Anki receives it: the kind's declaration, with its templates rendered."""

    declaration: Kind
    note_type_id: int
    name: str
    templates: tuple[RenderedCardTemplate, ...]
    css: str

    @property
    def kind(self) -> str:
        return self.declaration.name

    @property
    def fields(self) -> tuple[str, ...]:
        return self.declaration.fields


class _TemplateFieldError(Exception):
    """A template named a field its note type does not have."""


# Anki's field filters that keep the field's HTML as deckgen sanitised it (furigana and kana read
# `[reading]`, which fields only hold as entities; tts reads the text aloud; hint hides it; cloze
# and type make a cloze type's deletions and the box to type them in).
SAFE_FILTERS = frozenset({"cloze", "hint", "furigana", "kana", "kanji", "tts", "type"})


class AnkiSyntax:
    """What a note-type template writes to produce Anki's own {{Field}} syntax, checked by name."""

    def __init__(self, kind: Kind) -> None:
        self.kind = kind

    def _checked(self, name: str) -> str:
        if name not in self.kind.fields and name not in ANKI_SPECIAL_FIELDS:
            raise _TemplateFieldError(
                f"the {self.kind.name} note type has no field '{name}': "
                f"use one of {', '.join(self.kind.fields)}"
            )
        return name

    def field(self, name: str) -> Markup:
        return Markup("{{%s}}") % self._checked(name)

    def cloze(self, name: str) -> Markup:
        if not self.kind.is_cloze:
            raise _TemplateFieldError(f"the {self.kind.name} note type is not a cloze type: use anki.field")
        return Markup("{{cloze:%s}}") % self._checked(name)

    def type_answer(self, name: str) -> Markup:
        """Anki's box to type the field's content into, and on the back its comparison."""
        return Markup("{{type:%s}}") % self._checked(name)

    def if_field(self, name: str) -> Markup:
        return Markup("{{#%s}}") % self._checked(name)

    def if_empty(self, name: str) -> Markup:
        """Opens what shows only when the field is empty (Anki's {{^Field}})."""
        return Markup("{{^%s}}") % self._checked(name)

    def filtered(self, filters: str, name: str) -> Markup:
        """A field through Anki's filters ("hint", "furigana", "tts en_US" ...), as {{filters:Field}}:
        what an imported note type's templates use beyond the helpers above. Only filters that show
        the field's HTML as it is: `text` decodes its entities, and would make the sanitiser's
        escaped `&lt;script&gt;` a script again."""
        if "}" in filters or "{" in filters:
            raise _TemplateFieldError(f"Anki filters may not contain braces: {filters!r}")
        for used in filters.split(":"):
            words = used.split()
            if not words or words[0] not in SAFE_FILTERS:
                raise _TemplateFieldError(
                    f"Anki's filter '{used.strip()}' is not one cards may use: use {', '.join(sorted(SAFE_FILTERS))}; "
                    "'text' would turn the field's escaped characters back into HTML, past deckgen's sanitiser "
                    "(show the field with anki.field instead)")
        return Markup("{{%s:%s}}") % (filters, self._checked(name))

    def end_if(self, name: str) -> Markup:
        return Markup("{{/%s}}") % self._checked(name)

    def front_side(self) -> Markup:
        return Markup("{{FrontSide}}")


class _TemplatesInside(jinja2.FileSystemLoader):
    """Jinja's file loader, refusing a template that is a link out of the templates folder: its
    text would be published in every student's note type."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
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


def render_template(
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


def deck_context(settings: DeckSettings) -> dict[str, str]:
    """What templates may know of the deck (the README lists it)."""
    return {"name": settings.name, "title": settings.title, "version": settings.version}


def render_note_types(
    project: Project, env: jinja2.Environment, templates_dir: Path, markup: MarkupUsed
) -> tuple[RenderedNoteType, ...]:
    """The note type of every kind the deck names an id for, in the registry's order. The CSS is
    told which markup the cards use (`markup.code_blocks`, `markup.tables`): it styles those only
    when a card has them, so that a deck without them keeps its released note types byte for byte."""
    settings = project.settings
    deck = deck_context(settings)
    _refuse_missing_templates(settings, templates_dir)
    kinds = [kind for name, kind in settings.kinds.items() if name in settings.note_type_ids]
    problems = ProblemCollector()
    try:
        stylesheets = _stylesheets([kind for kind in kinds if kind.stock_kind is None], project, env, templates_dir,
                                   markup)
    except DeckError as error:  # reported with the templates' problems, all at once
        problems.extend(error)
        stylesheets = {}
    rendered = []
    for kind in kinds:
        if kind.stock_kind is not None:
            rendered.append(_stock_note_type(kind, settings))
            continue
        anki = AnkiSyntax(kind)
        templates = []
        for source in kind.templates:
            sides = [render_template(env, name, project.root, templates_dir, anki=anki, deck=deck)
                     for name in (source.front, source.back)]
            trees = []
            for name, text in zip((source.front, source.back), sides, strict=True):
                _refuse_maths_delimiters(text, name, project.root, templates_dir)
                _refuse_fields_in_tags(text, name, project.root, templates_dir)
                trees.append(_checked_template(text, name, kind, env, project, templates_dir, problems))
            checked = [tree for tree in trees if tree is not None]
            if len(checked) == len(trees):
                templates.append(RenderedCardTemplate(source.name, sides[0], sides[1], checked[0], checked[1]))
        rendered.append(RenderedNoteType(
            declaration=kind, note_type_id=settings.note_type_ids[kind.name],
            name=kind.note_type_name or f"{settings.name} {kind.name} (deckgen)", templates=tuple(templates),
            css=stylesheets.get(kind.css, ""),
        ))
    problems.raise_if_any()
    return tuple(rendered)


def _stock_note_type(kind: Kind, settings: DeckSettings) -> RenderedNoteType:
    """A kind that is one of Anki's own note types: its templates and CSS as deckgen writes them, not
    the project's (render/occlusion.py)."""
    (front, back), css = STOCK_NOTE_TYPES[kind.stock_kind or 0]
    trees = templatetree.parse(front), templatetree.parse(back)
    assert isinstance(trees[0], templatetree.AnkiTemplate) and isinstance(trees[1], templatetree.AnkiTemplate)
    template = RenderedCardTemplate(kind.templates[0].name, front, back, trees[0], trees[1])
    return RenderedNoteType(declaration=kind, note_type_id=settings.note_type_ids[kind.name],
                            name=f"{settings.name} {kind.name} (deckgen)", templates=(template,), css=css)


class _FieldsInTags(HTMLReader):
    """Where a template puts Anki's {{...}} inside a tag or inside a script or style, as a browser
    reads the template (a '>' in a quoted attribute does not end its tag)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.found: list[str] = []
        self.inside_code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        text = self.get_starttag_text() or ""
        if "{{" in text:
            self.found.append(f"the tag {shortened(text, 60)}: a quote in the field would end the attribute and add "
                              "one of its own")
        self.inside_code += tag in ("script", "style")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self.inside_code:
            self.inside_code -= 1

    def handle_data(self, data: str) -> None:
        if self.inside_code and "{{" in data:
            self.found.append(f"a script or style ({shortened(data.strip(), 40)}): a quote in the field would end "
                              "its string, and what follows would run")


def _refuse_missing_templates(settings: DeckSettings, templates_dir: Path) -> None:
    """Every template file a declared note type names and templates/ lacks, each where deck.yaml
    names it, all at once."""
    problems = ProblemCollector()
    for kind in (kind for name, kind in settings.kinds.items() if name in settings.note_type_ids):
        for spec in kind.templates:
            for file, where in ((spec.front, spec.front_where), (spec.back, spec.back_where)):
                if where is not None and not (templates_dir / file).is_file():
                    problems.add(where, f"template '{file}' is not in templates/: create templates/{file}, "
                                        "or name a file that is there")
    problems.raise_if_any()


def restyled(note_types: tuple[RenderedNoteType, ...], project: Project, env: jinja2.Environment,
             templates_dir: Path, markup: MarkupUsed) -> tuple[RenderedNoteType, ...]:
    """The note types with their CSS told which markup the cards use: only the stylesheets are
    rendered again, the card templates stay as they were."""
    stylesheets = _stylesheets([note_type.declaration for note_type in note_types
                                if note_type.declaration.stock_kind is None], project, env, templates_dir, markup)
    return tuple(replace(note_type, css=stylesheets[note_type.declaration.css])
                 if note_type.declaration.stock_kind is None else note_type for note_type in note_types)


def _stylesheets(kinds: list[Kind], project: Project, env: jinja2.Environment, templates_dir: Path,
                 markup: MarkupUsed) -> dict[str, str]:
    """Each stylesheet the kinds name, rendered once however many kinds share it."""
    deck = deck_context(project.settings)
    problems = ProblemCollector()
    stylesheets = {}
    for css in dict.fromkeys(kind.css for kind in kinds):
        stylesheets[css] = render_template(env, css, project.root, templates_dir, deck=deck, markup=markup)
        for finding in stylepolicy.stylesheet_findings(stylesheets[css]):
            problems.add(_source_location(finding.offset, (finding.snippet,), stylesheets[css], css, env, project.root,
                                          templates_dir), finding.message)
    problems.raise_if_any()
    return stylesheets


def _checked_template(text: str, name: str, kind: Kind, env: jinja2.Environment, project: Project,
                      templates_dir: Path, problems: ProblemCollector) -> templatetree.AnkiTemplate | None:
    """The Anki syntax of a rendered template side, its problems (sections that do not nest, Anki
    tags written as text that name no field of the note type or use a filter cards may not, and what
    the template policy forbids) recorded at the template's source."""
    tree = templatetree.parse(text)
    if isinstance(tree, templatetree.SyntaxProblem):
        # written with a helper in the source: {{#Extra}} is anki.if_field("Extra")
        body = tree.tag[2:-2].strip()
        helper = {"#": "if_field", "^": "if_empty", "/": "end_if"}.get(body[:1], "field")
        written = (tree.tag, f"anki.{helper}({json.dumps(body[1:].strip())})", f"anki.{helper}('{body[1:].strip()}')")
        problems.add(_source_location(tree.offset, written, text, name, env, project.root, templates_dir), tree.message)
        checked = None
    else:
        for offset, tag, message in _tag_problems(tree.nodes, kind):
            problems.add(_source_location(offset, (tag,), text, name, env, project.root, templates_dir), message)
        checked = tree
    _policy_problems(text, name, env, project, templates_dir, problems)
    return checked


def _tag_problems(nodes: tuple[templatetree.Node, ...], kind: Kind) -> list[tuple[int, str, str]]:
    """Anki tags that the `anki` helpers would have refused, written as text ({% raw %}, an import):
    a field the note type lacks, or a filter that is not one of SAFE_FILTERS."""
    found = []
    for node in nodes:
        if isinstance(node, templatetree.Text):
            continue
        written = node.tag
        if node.name not in kind.fields and node.name not in ANKI_SPECIAL_FIELDS:
            found.append((node.offset, written, f"'{written}' names '{node.name}', which is not a field of the "
                                                f"{kind.name} note type: use one of {', '.join(kind.fields)}"))
        if isinstance(node, templatetree.Field):
            unsafe = [used for used in node.filters if not used.split() or used.split()[0] not in SAFE_FILTERS]
            if unsafe:
                found.append((node.offset, written, f"'{written}' uses Anki's filter '{unsafe[0]}', which cards may "
                                                    f"not use: use {', '.join(sorted(SAFE_FILTERS))}"))
        else:
            found += _tag_problems(node.children, kind)
    return found


def check_template_html(text: str, name: str, env: jinja2.Environment, project: Project, templates_dir: Path) -> None:
    """A template whose HTML goes into a field (retired.html, list-items.html) is held to the policy too."""
    problems = ProblemCollector()
    _policy_problems(text, name, env, project, templates_dir, problems)
    problems.raise_if_any()


def _policy_problems(text: str, name: str, env: jinja2.Environment, project: Project, templates_dir: Path,
                     problems: ProblemCollector) -> None:
    for finding in templatepolicy.template_findings(text, project.settings.allow_template_script):
        where = _source_location(finding.offset, (finding.snippet,), text, name, env, project.root, templates_dir)
        problems.add(where, finding.message)


def _source_location(offset: int, snippets: tuple[str, ...], rendered: str, name: str, env: jinja2.Environment,
                     root: Path, templates_dir: Path) -> Location:
    """Where, in the template or a file it includes, the text at fault was written: the first file
    holding one of `snippets` (a template's text is mostly its source's). Text that Jinja wrote
    itself is placed at the template's first line."""
    line_end = rendered.find("\n", offset)
    rest = rendered[offset:line_end if line_end >= 0 else len(rendered)].rstrip()[:80]
    snippets = (rest, *snippets)
    for file, source in _included(name, env):
        for snippet in (snippet for snippet in snippets if snippet):
            found = source.find(snippet)
            if found >= 0:
                line, column = source.count("\n", 0, found) + 1, found - (source.rfind("\n", 0, found) + 1) + 1
                return Location(display_path(templates_dir / file, root), line, column)
    return Location(display_path(templates_dir / name, root))


def _included(name: str, env: jinja2.Environment) -> list[tuple[str, str]]:
    """The template and every template it includes or extends (name and source), itself first, read
    through the loader that refuses links out of templates/."""
    found: dict[str, str] = {}
    pending = [name]
    while pending:
        current = pending.pop(0)
        if current in found or env.loader is None:
            continue
        try:
            found[current] = env.loader.get_source(env, current)[0]
            pending += [used for used in jinja2.meta.find_referenced_templates(env.parse(found[current])) if used]
        except (jinja2.TemplateError, _TemplateFieldError, OSError, UnicodeDecodeError):
            continue  # reported when it was rendered
    return list(found.items())


def _refuse_fields_in_tags(text: str, name: str, root: Path, templates_dir: Path) -> None:
    """A field inside a tag (an attribute's value, say) would be cut open by a '"' in it, and what
    follows would be an attribute of a contributor's choosing: an event handler. In a script, it
    would be code. Fields are sanitised as HTML to show between tags, and only there."""
    reader = _FieldsInTags()
    reader.feed(text)
    reader.close()
    if reader.found:
        raise DeckError.at(
            Location(display_path(templates_dir / name, root)),
            f"template puts a field inside {reader.found[0]}; show fields between tags, not inside them",
        )


def _refuse_maths_delimiters(text: str, name: str, root: Path, templates_dir: Path) -> None:
    """A template's own \\( or \\[ would let MathJax read the card text beside it as maths, past the
    checks each field gets on its own. MathJax reads the text as the browser shows it: `&#92;(` is a
    delimiter too."""
    if maths.DELIMITER.search(text) or maths.DELIMITER.search(maths.visible_text(text)):
        raise DeckError.at(
            Location(display_path(templates_dir / name, root)),
            "template writes a maths delimiter (\\( \\) \\[ \\]): MathJax would read the card text beside it "
            "as maths; write maths in the cards' fields instead",
        )
