"""`deckgen init` and `deckgen new`: a new project, and a new card, written for the educator to fill in.

`init` gives a project that builds at once, with ids of its own (two decks must never share a deck
or note-type id, or Anki would mix them up), inside a whole repository (repository.py): CI and
release workflows, `.gitignore`, `cards/media/`, a README. `new` appends a card skeleton whose
fields are left empty on purpose: `deckgen check` then points at each line still to write.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from deckgen.authoring.repository import RepositoryText, Requirement, installed_requirement, repository_files
from deckgen.errors import DeckError, Location, display_path
from deckgen.names import name_problem
from deckgen.output import write_files
from deckgen.paths import ProjectPaths
from deckgen.source.deck import DeckSettings
from deckgen.source.keys import CONTROL_CHARACTER, did_you_mean, one_of
from deckgen.source.kinds import KINDS, Kind, optional_line
from deckgen.source.project import outside_problem


def _new_id() -> int:
    """A random id in the range Anki's own ids use (milliseconds), unlikely to meet another deck's."""
    return 1_000_000_000_000 + secrets.randbelow(2**52)


def init_project(target: Path, name: str, title: str, requirement: Requirement | None = None) -> list[Path]:
    """Write a new project, and the repository around it, into `target`; refuse to touch one that
    has cards or templates. Files a fresh repository already has (a README) stay as they are. The
    workflows install `requirement`, by default this deckgen."""
    paths = ProjectPaths(target)
    for existing in (paths.cards, paths.templates):
        if existing.exists():
            raise DeckError.in_argument(
                "DIR", f"{existing.as_posix()}/ already exists: deckgen init starts a new project in an empty folder"
            )
    for option, value in (("--name", name), ("--title", title)):
        problem = _name_option_problem(value, option == "--name")
        if problem:
            raise DeckError.in_argument(option, problem)
    files = _starting_files(paths, name, title, [_new_id() for _ in range(1 + len(KINDS))])
    contents = [(path, text.encode("utf-8")) for path, text in files.items()]
    contents += [(paths.templates / name, data) for name, data in default_templates().items()]
    contents += repository_files(paths, RepositoryText(name, title, requirement or installed_requirement()))
    write_files(contents, Path.cwd())
    return [path for path, _ in contents]


def _starting_files(paths: ProjectPaths, name: str, title: str, ids: list[int]) -> dict[Path, str]:
    """A new project's files in cards/, by path."""
    return {
        paths.settings: (
            "# Settings of the deck: README.md, beside cards/, says what each file holds and how to build it.\n"
            "# Names and ids here are a public interface: students' Anki knows the deck by them; "
            "never change the ids.\n"
            f"name: {json.dumps(name)}\ntitle: {json.dumps(title)}\nversion: 0.1.0\nid: {ids[0]}\n"
            f"note_types:\n" + "".join(f"  {kind}: {ids[i + 1]}\n" for i, kind in enumerate(KINDS))
            + "subdecks:\n  basics: Basics\n"
        ),
        paths.references: (
            "# The works cards cite with `source:`; README.md, beside cards/, says where each key is described.\n"
            "example2024:\n"
            '  authors: ["Family, A. B."]\n  year: 2024\n  title: "The title of the work"\n'
            "  publisher: The publisher\n"
        ),
        paths.card_file("basics"): (
            "subdeck: basics\ncards:\n"
            "  - id: basics-first\n    kind: basic\n    topic: Getting started\n"
            "    question: Which command turns these cards into an Anki deck?\n"
            "    answer: \"`deckgen build`\"\n    source: example2024\n"
        ),
    }


def _name_option_problem(value: str, deck_name: bool) -> str | None:
    """What is wrong with the deck name or title given to `init`, by deck.yaml's own rules."""
    if not value.strip():
        return "is empty: give the deck a name"
    if CONTROL_CHARACTER.search(value):
        return "contains a control character: write plain text"
    if deck_name and "::" in value:
        return "must not contain '::': subdecks go under 'subdecks' in cards/deck.yaml"
    problem = name_problem(value)
    return f"'{value}' {problem}" if problem else None


def default_templates() -> dict[str, bytes]:
    """The templates `init` copies, by name: packaged in deckgen/templates/ (in a wheel), or, in an
    editable install, the repository's templates/ folder that the package is built from."""
    packaged = resources.files("deckgen") / "templates"
    folder = packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "templates"
    return {
        template.name: template.read_bytes()
        for template in sorted(folder.iterdir(), key=lambda item: item.name)
        if template.name.endswith((".html", ".css"))
    }


@dataclass(frozen=True)
class NewCard:
    card_id: str
    path: Path
    line: int


# An id as a card file writes it, valid or not: `new` must not reuse one even while its card has errors.
_WRITTEN_ID = re.compile(r"""^[ -]*id: *["']?([^\s"'#]+)""", re.MULTILINE)


def _ids_written(root: Path) -> set[str]:
    """Every card id the card files hold, read as text: a file with a mistake counts too."""
    paths = ProjectPaths(root)
    return {
        found
        for path in paths.card_files()
        if not outside_problem(path, paths.cards, root)
        for found in _WRITTEN_ID.findall(path.read_text(encoding="utf-8", errors="replace"))
    }


def new_card(root: Path, settings: DeckSettings, kind: str, subdeck: str) -> NewCard:
    """Append an empty card of `kind` (built in, or a note type deck.yaml declares) to the subdeck's
    card file (created if missing). Only the deck settings need to be valid: a card still being
    written elsewhere does not stop the next one."""
    of_kind = _kind(settings, kind)
    if subdeck not in settings.subdecks:
        keys = ", ".join(settings.subdecks)
        raise DeckError.in_argument("--subdeck", f"unknown subdeck '{subdeck}': use one of {keys}")
    used = _ids_written(root)
    number = 1
    while f"{subdeck}-new-{number}" in used:
        number += 1
    card_id = f"{subdeck}-new-{number}"
    path = ProjectPaths(root).card_file(subdeck)
    if (path.exists() or path.is_symlink()) and (path.is_symlink() or not path.is_file()):
        raise DeckError.at(Location(display_path(path, root)),
                           "this is not a plain card file (a folder, a link or a device): move it away first")
    text = path.read_text(encoding="utf-8") if path.exists() else f"subdeck: {subdeck}\ncards:\n"
    if not re.search(r"^cards:", text, re.MULTILINE):
        raise DeckError.at(
            Location(display_path(path, root)), "this card file has no 'cards:' list to add a card to"
        )
    if not text.endswith("\n"):
        text += "\n"
    if not re.search(r"^cards:[ \t]*(#.*)?\n\Z", text, re.MULTILINE):
        text += "\n"  # a blank line between cards, as an educator writes them; none after 'cards:'
    line = text.count("\n") + 1
    write_files([(path, (text + _skeleton(of_kind, card_id, _item_indent(text)) + "\n").encode("utf-8"))], root)
    return NewCard(card_id, path, line)


def _kind(settings: DeckSettings, name: str) -> Kind:
    """The project's kind of that name; an unknown name is said with every kind the project has."""
    kinds: dict[str, Kind] = dict(settings.kinds)
    if name in kinds:
        return kinds[name]
    built_in = [kind for kind in kinds if kind in KINDS and not kinds[kind].declared]
    declared = [kind for kind in kinds if kinds[kind].declared]
    choices = f"{one_of(built_in)} (built in)"
    if declared:
        choices = f"{', '.join(built_in)} (built in), or {one_of(declared)} (declared in cards/deck.yaml)"
    raise DeckError.in_argument("KIND", f"unknown kind '{name}'{did_you_mean(name, kinds)}: use {choices}")


# Where a card file's list items start: `- id:` under `cards:`, indented or not (a file `deckgen import`
# wrote, or one an editor reformatted, has them at the margin). A new card must line up with them.
_FIRST_ITEM = re.compile(r"^cards:[^\n]*\n(?:[ \t]*(?:#[^\n]*)?\n)*( *)- ", re.MULTILINE)


def _item_indent(text: str) -> str:
    found = _FIRST_ITEM.search(text)
    return found.group(1) if found else "  "


def _skeleton(kind: Kind, card_id: str, indent: str) -> str:
    """The lines of an empty card: its id, its kind, its content keys, and `source:` when its note
    type has the citation fields (a declared note type has exactly the fields it names)."""
    lines = [f"- id: {card_id}  # rename it to say what the card asks, before its first release",
             f"  kind: {kind.name}"]
    lines += [f"  {entry}" for entry in kind.skeleton]
    if "source" in kind.citation_keys:
        lines.append(f"  {optional_line('source')}")
    return "\n".join(indent + entry for entry in lines)
