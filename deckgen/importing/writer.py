"""`deckgen import`: an Anki package (read by reader.py) written out as a deckgen project.

Every note type becomes a declaration in `cards/deck.yaml` with its id, name, fields, sort field,
CSS and card templates (as Jinja files that render back to Anki's, render/ankitemplate.py); every
note a card with its GUID, its fields as markup (fields.py) and its tags; every deck a subdeck; the
media go to `cards/media/`; the repository around the project is written as `init` writes it
(authoring/repository.py); report.py writes what the educator must decide. Anki's stock note types
are declared like any other: the students' collections know them by the package's ids, which a
built-in kind would change.

The lock is written last, from a first render of the written project, with the package's own times:
a card that stays as imported keeps its note's time, so the first release updates no note (students'
Anki skips a note whose time is not newer) and every later change is a normal release.
"""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from deckgen.apkg import AnkiPackage, Note, NoteType
from deckgen.authoring.repository import RepositoryText, Requirement, installed_requirement, repository_files
from deckgen.authoring.scaffold import default_templates
from deckgen.authoring.stats import released_coverage_table
from deckgen.errors import DeckError, Location, Problem, ProblemCollector, display_path
from deckgen.ids import derived_id
from deckgen.importing.fields import convert, shown_text
from deckgen.importing.reader import read_anki_package
from deckgen.importing.report import ImportResult, ReportEntry, TemplateRemoval, report_text
from deckgen.importing.yamlout import slug, unique, unique_file, yaml_bytes
from deckgen.names import name_problem
from deckgen.output import write_files
from deckgen.paths import ProjectPaths
from deckgen.release.lock import CardRecord, Lock, NoteTypeRecord, lock_text
from deckgen.release.plan import appearance_fingerprint, content_fingerprint, hidden_texts
from deckgen.render.ankitemplate import literal, to_jinja
from deckgen.render.notes import render_deck
from deckgen.render.notetypes import RenderedNoteType
from deckgen.render.stylepolicy import cleaned_stylesheet
from deckgen.render.templatepolicy import cleaned_template
from deckgen.source.deck import RETIRED_SUBDECK
from deckgen.source.kinds import KINDS
from deckgen.source.notetypedecl import field_key
from deckgen.source.project import read_project
from deckgen.text.media import MEDIA_TYPES

IMPORTED_VERSION = "0.0.0"  # no deckgen release yet: the first one is the educator's
REPORT_FILE = "import-report.md"
# deckgen's own templates an imported project needs: the banner of a card once it is retired.
KEPT_TEMPLATES = ("retired.html",)
DEFAULT_DECK_ID = 1  # every collection's own Default deck


@dataclass(frozen=True)
class _Layout:
    """Where everything of the package goes in the project."""

    deck_name: str
    deck_id: int
    subdecks: dict[str, str]  # key -> name, in the order of the package's deck names
    subdeck_of: dict[str, str]  # full deck name -> key
    kinds: dict[int, str]  # note-type id -> kind name
    media: dict[str, str]  # package media name -> name in cards/media/


def _layout(package: AnkiPackage) -> _Layout:
    where = Location(str(package.path), 0, 0)
    problems = ProblemCollector()
    tops = sorted({note.deck.split("::")[0] for note in package.notes})
    if len(tops) != 1:
        raise DeckError.at(where, f"the package's notes are in {len(tops)} top-level decks ({', '.join(tops)}): "
                                  "deckgen makes one deck; export each deck on its own")
    top = tops[0]
    subdecks: dict[str, str] = {}
    subdeck_of: dict[str, str] = {}
    if any(not note.deck for note in package.notes):
        raise DeckError.at(where, "some notes' cards are in a deck the package does not name: export the deck "
                                  "again from Anki")
    for deck in sorted({note.deck for note in package.notes}):
        parts = deck.split("::")
        if len(parts) != 2:
            problems.add(where, f"deck '{deck}' holds notes: deckgen puts cards one level below the deck, in "
                                f"'{top}::<subdeck>'; move them in Anki and export again")
            continue
        problem = name_problem(parts[1])
        if problem:
            problems.add(where, f"subdeck '{deck}': {problem}")
        elif parts[1].strip().lower() == RETIRED_SUBDECK.lower():
            problems.add(where, f"deck '{deck}' holds notes, and deckgen keeps the subdeck '{RETIRED_SUBDECK}' for the "
                                "cards it retires: rename it in Anki (or move its notes) and export again")
        key = unique(slug(parts[1], 40) or "subdeck", set(subdecks))
        subdecks[key] = parts[1]
        subdeck_of[deck] = key
    problem = name_problem(top)
    if problem:
        problems.add(where, f"deck '{top}': {problem}")
    for note_type in package.note_types:  # Anki shows these names on cards ({{Type}}, {{Card}}) as HTML
        for name in (note_type.name, *(template.name for template in note_type.templates)):
            problem = name_problem(name)
            if problem:
                problems.add(where, f"note type '{note_type.name}': the name '{name}' {problem}; rename it in Anki "
                                    "and export again")
    problems.raise_if_any()
    taken = set(KINDS)
    kinds = {}
    for note_type in package.note_types:
        name = slug(note_type.name, 40) or "note"
        kinds[note_type.note_type_id] = unique(f"anki-{name}"[:40] if name in KINDS else name, taken)
    media: dict[str, str] = {}
    names: set[str] = set()
    for item in package.media:
        stem, dot, extension = item.name.rpartition(".")
        if f".{extension.lower()}" not in MEDIA_TYPES:
            continue  # not a file cards may show: its field keeps the reference, and the report lists it
        plain = item.name if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", item.name) else \
            f"{slug(stem) or 'media'}.{extension.lower()}"
        media[item.name] = unique_file(plain, names)
    # Id 1 is every collection's own Default deck; Anki matches decks by name, so a deck of the
    # package's with that id (or none) takes an id derived from its name instead.
    deck_id = package.deck_ids.get(top, DEFAULT_DECK_ID)
    if deck_id == DEFAULT_DECK_ID:
        deck_id = derived_id("imported deck", top)
    return _Layout(top, deck_id, subdecks, subdeck_of, kinds, media)


def _template_files(kind: str, note_type: NoteType,
                    removals: list[TemplateRemoval]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The declaration's templates, and each file's Jinja text by name; what the template policy
    forbids is removed (the package's templates reach every student as the deck's own), and listed."""
    entries: list[dict[str, Any]] = []
    files: dict[str, str] = {}
    taken: set[str] = set()
    for template in note_type.templates:
        base = unique(f"{kind}.{slug(template.name, 30) or 'card'}", taken)
        front, back = f"{base}.front.html", f"{base}.back.html"
        for name, text in ((front, template.front), (back, template.back)):
            cleaned, removed = cleaned_template(text)
            files[name] = to_jinja(cleaned)
            if removed:
                removals.append(TemplateRemoval(f"templates/{name}", removed, note_type.note_type_id))
        entries.append({"name": template.name, "front": front, "back": back})
    return entries, files


def _first_text(note: Note) -> str:
    """The first field as a student reads it: cloze deletions revealed, a script's code left out."""
    return shown_text(note.fields[0] if note.fields else "")


def _deck_settings(package: AnkiPackage, layout: _Layout, optional: dict[int, set[str]],
                   removals: list[TemplateRemoval]) -> tuple[dict[str, Any], dict[str, Any]]:
    note_types, templates = {}, {}
    for note_type in package.note_types:
        kind = layout.kinds[note_type.note_type_id]
        entries, files = _template_files(kind, note_type, removals)
        templates.update(files)
        css, removed = cleaned_stylesheet(note_type.css)
        templates[f"{kind}.css"] = literal(css)
        if removed:
            removals.append(TemplateRemoval(f"templates/{kind}.css", removed, note_type.note_type_id))
        declaration = {"id": note_type.note_type_id, "name": note_type.name, "fields": list(note_type.fields),
                       "templates": entries, "sort_field": note_type.fields[note_type.sort_field]}
        fields_left_empty = [field for field in note_type.fields if field in optional[note_type.note_type_id]]
        if fields_left_empty:
            declaration["optional"] = fields_left_empty
        if note_type.is_cloze:
            declaration["cloze"] = True
        declaration["css"] = f"{kind}.css"
        note_types[kind] = declaration
    settings = {"name": layout.deck_name, "title": layout.deck_name, "version": IMPORTED_VERSION,
                "id": layout.deck_id, "note_types": note_types, "subdecks": dict(layout.subdecks)}
    return settings, templates


def _card_files(package: AnkiPackage, layout: _Layout, paths: ProjectPaths) -> tuple[
        dict[str, list[dict[str, Any]]], list[ReportEntry], dict[int, set[str]], dict[str, Note]]:
    """The cards of each subdeck, what the report lists, the fields some note leaves empty (by note
    type) and each card's note."""
    note_types = {note_type.note_type_id: note_type for note_type in package.note_types}
    files: dict[str, list[dict[str, Any]]] = {key: [] for key in layout.subdecks}
    report: list[ReportEntry] = []
    empty: dict[int, set[str]] = {note_type_id: set() for note_type_id in note_types}
    ids: set[str] = set()
    notes: dict[str, Note] = {}
    for note in package.notes:
        note_type = note_types[note.note_type_id]
        kind = layout.kinds[note.note_type_id]
        subdeck = layout.subdeck_of[note.deck]
        card_id = unique(slug(_first_text(note)) or kind, ids)
        notes[card_id] = note
        shown = display_path(paths.card_file(subdeck), paths.root)
        entry: dict[str, object] = {"id": card_id, "kind": kind, "guid": note.guid}
        media: list[str] = []
        for index, name in enumerate(note_type.fields):
            converted = convert(note.fields[index] if index < len(note.fields) else "", layout.media)
            if not converted.markup.strip():
                empty[note.note_type_id].add(name)
                continue
            entry[field_key(name)] = converted.markup
            media += [item for item in converted.media if item not in media]
            if converted.removed:
                report.append(ReportEntry(card_id, name, shown, converted.removed))
            elif converted.reads_differently:
                report.append(ReportEntry(card_id, name, shown, None))
        if note.tags:
            entry["tags"] = list(note.tags)
        if media:
            entry["media"] = media
        files[subdeck].append(entry)
    for note_type in package.note_types:  # a cloze type's text is never optional: deckgen requires it
        if note_type.is_cloze:
            empty[note_type.note_type_id].discard(note_type.fields[0])
    return files, report, empty, notes


def _recorded(seconds: int, now: int) -> int:
    """A package's time as the lock may hold it: from 1970 (1, as Anki's own times are never 0) to
    `now`. Clamped rather than refused: a wrong clock is no reason to refuse a deck, and a time moved
    down never makes the first release update a note (students' Anki updates only a newer one)."""
    return min(max(1, seconds), now)


def _lock(root: Path, layout: _Layout, package: AnkiPackage, notes: dict[str, Note],
          cleaned: set[int]) -> tuple[Lock, tuple[Problem, ...], tuple[str, ...]]:
    """The lock of the imported project: its first render's fingerprints with the package's times
    (kept between 1970 and now), and the cards whose time was outside them. A note type the template
    policy `cleaned` is recorded with the look the package gave it, so that the first release is a
    change of look, with a newer time, and students' Anki replaces the one with script that they have."""
    now = int(time.time())
    problems = ProblemCollector()
    project = read_project(root, problems)
    deck = render_deck(project, ProjectPaths(root).templates, problems)
    modified = {note_type.note_type_id: note_type.modified for note_type in package.note_types}
    note_types = {
        rendered.kind: NoteTypeRecord(rendered.note_type_id, rendered.fields,
                                      tuple(t.name for t in rendered.templates),
                                      appearance_fingerprint(_as_packaged(rendered, package)
                                                             if rendered.note_type_id in cleaned else rendered),
                                      _recorded(modified[rendered.note_type_id], now))
        for rendered in deck.note_types
    }
    ids = {rendered.kind: rendered.note_type_id for rendered in deck.note_types}
    cards, out_of_range = {}, []
    for rendered in deck.notes:
        note = notes[rendered.card_id]
        changed = _recorded(note.modified, now)
        if changed != note.modified:
            out_of_range.append(rendered.card_id)
        cards[rendered.card_id] = CardRecord(
            added=_recorded(min(note.note_id // 1000, changed), now), modified=changed, changed_in=IMPORTED_VERSION,
            content=content_fingerprint(rendered, ids[rendered.kind]), kind=rendered.kind,
            subdeck=rendered.subdeck, hides=hidden_texts(rendered), guid=rendered.guid,
        )
    return (Lock(layout.deck_id, layout.deck_name, dict(layout.subdecks), note_types, cards), problems.found(),
            tuple(out_of_range))


def _as_packaged(rendered: RenderedNoteType, package: AnkiPackage) -> RenderedNoteType:
    """The note type with the package's own CSS and template text in place of the cleaned ones."""
    original = next(note_type for note_type in package.note_types if note_type.note_type_id == rendered.note_type_id)
    return replace(rendered, css=original.css, templates=tuple(
        replace(template, front=source.front, back=source.back)
        for template, source in zip(rendered.templates, original.templates, strict=False)))


def import_package(package_path: Path, target: Path, requirement: Requirement | None = None) -> ImportResult:
    """Write the project of the package at `package_path` into `target` (a new or empty folder), in a
    repository whose workflows install `requirement` (by default this deckgen) and whose README's
    coverage table is the lock's, as its CI checks it."""
    paths = ProjectPaths(target)
    for existing in (paths.cards, paths.templates):
        if existing.exists():
            raise DeckError.in_argument(
                "DIR", f"{existing.as_posix()}/ already exists: deckgen import makes a new project in an empty folder")
    package = read_anki_package(package_path)
    if not package.notes:
        raise DeckError.at(Location(str(package_path), 0, 0), "the package holds no notes: nothing to import")
    layout = _layout(package)
    cards, report, empty, notes = _card_files(package, layout, paths)
    removals: list[TemplateRemoval] = []
    settings, templates = _deck_settings(package, layout, empty, removals)
    files = [(paths.settings, yaml_bytes(settings))]
    files += [(paths.card_file(key), yaml_bytes({"subdeck": key, "cards": entries}))
              for key, entries in cards.items() if entries]
    files += [(paths.templates / name, text.encode("utf-8")) for name, text in templates.items()]
    files += [(paths.templates / name, data) for name, data in default_templates().items() if name in KEPT_TEMPLATES]
    files += [(paths.media / layout.media[item.name], item.data) for item in package.media if item.name in layout.media]
    made = [folder for folder in (target, paths.cards, paths.templates, target / ".github") if not folder.exists()]
    try:
        write_files(files, Path.cwd())
        lock, problems, out_of_range = _lock(target, layout, package, notes,
                                             {removal.note_type_id for removal in removals})
        result = ImportResult(target, len(package.notes), len(package.note_types), len(layout.subdecks),
                              len(layout.media), tuple(report), target / REPORT_FILE, problems, out_of_range,
                              tuple(removals))
        repository = RepositoryText(layout.deck_name, layout.deck_name, requirement or installed_requirement(),
                                    released_coverage_table(lock))
        write_files([*repository_files(paths, repository), (paths.lock, lock_text(lock).encode("utf-8")),
                     (result.report_path, report_text(package, result).encode("utf-8"))], Path.cwd())
    except BaseException as error:
        # An import is whole or nothing: a half-made project would only be refused by the next try.
        for folder in reversed(made):
            shutil.rmtree(folder, ignore_errors=True)
        if isinstance(error, DeckError):  # said of the package: the project's files are gone
            raise DeckError([Problem(Location(str(package_path), 0, 0),
                                     f"{problem.message} (in the project it would make, at {problem.location}); "
                                     "change it in Anki and export again") for problem in error.problems]) from None
        raise
    return result
