"""Finding a project's files and reading them, validated, into one Project.

A project is a folder with `cards/deck.yaml` (settings), optionally `cards/references.yaml`,
any number of card files below `cards/`, media in `cards/media/` and Jinja templates in
`templates/`. Every file is read and checked before anything is reported.
"""

from __future__ import annotations

from pathlib import Path

from deckgen.errors import DeckError, Location, ProblemCollector, display_path
from deckgen.load import Node, read_yaml
from deckgen.model import Card, Project
from deckgen.cardfile import CardContext, check_unique_ids, validate_card_file
from deckgen.schema import validate_references, validate_settings

CARDS_DIR = "cards"
SETTINGS_FILE = "deck.yaml"
REFERENCES_FILE = "references.yaml"
MEDIA_DIR = "media"
TEMPLATES_DIR = "templates"
YAML_SUFFIXES = (".yaml", ".yml")


def card_files(root: Path) -> list[Path]:
    """Card files in a stable order: every YAML file under cards/ but settings, references and media."""
    cards_dir = root / CARDS_DIR
    special = {cards_dir / SETTINGS_FILE, cards_dir / REFERENCES_FILE}
    media_dir = cards_dir / MEDIA_DIR
    return sorted(
        path
        for path in cards_dir.rglob("*")
        if path.suffix in YAML_SUFFIXES
        and path not in special
        and media_dir not in path.parents
        and path.is_file()
    )


def outside_problem(path: Path, folder: Path, root: Path) -> str | None:
    """Why `path` may not be read as one of the project's files: a link that leads out of its folder
    (a card file linked to /etc/passwd would otherwise be read, and quoted in an error)."""
    if not path.resolve().is_relative_to(folder.resolve()) or not folder.resolve().is_relative_to(root.resolve()):
        return (f"{display_path(path, root)} is a link to a file outside {display_path(folder, root)}/: "
                "put the file itself there")
    return None


def _read(path: Path, root: Path, problems: ProblemCollector) -> tuple[bool, Node | None, Location]:
    """(read?, the document or None when empty, the file's location); problems are recorded."""
    shown = display_path(path, root)
    outside = outside_problem(path, root / CARDS_DIR, root)
    if outside:
        problems.add(Location(shown), outside)
        return False, None, Location(shown)
    try:
        return True, read_yaml(path, shown), Location(shown)
    except DeckError as error:
        problems.extend(error)
        return False, None, Location(shown)


def load_project(root: Path) -> Project:
    cards_dir = root / CARDS_DIR
    if not cards_dir.is_dir():
        raise DeckError.at(
            Location(cards_dir.as_posix()),
            "cards folder not found: run deckgen in the project folder (the one holding cards/) "
            "or pass --project DIR",
        )
    settings_path = cards_dir / SETTINGS_FILE
    if not settings_path.is_file():
        raise DeckError.at(
            Location(display_path(settings_path, root)),
            "deck settings not found: create cards/deck.yaml (see the README)",
        )
    problems = ProblemCollector()
    read, settings_node, settings_where = _read(settings_path, root, problems)
    settings = validate_settings(settings_node, settings_where, problems) if read else None
    problems.raise_if_any()
    assert settings is not None  # validate_settings returns None only with problems recorded

    references_path = cards_dir / REFERENCES_FILE
    references = {}
    if references_path.is_file():
        read, references_node, references_where = _read(references_path, root, problems)
        if read:
            references = validate_references(references_node, references_where, problems)

    media_dir = cards_dir / MEDIA_DIR
    context = CardContext(settings, references, media_dir, display_path(media_dir, root))
    files = card_files(root)
    if not files:
        problems.add(
            Location(CARDS_DIR),
            "no card files found: add a .yaml file with cards under cards/ (see the README)",
        )
    cards: list[Card] = []
    for path in files:
        read, node, where = _read(path, root, problems)
        if read:
            cards.extend(validate_card_file(node, where, context, problems))
    check_unique_ids(cards, problems)
    problems.raise_if_any()
    return Project(
        root=root,
        settings=settings,
        references=references,
        cards=tuple(cards),
        card_files=tuple(display_path(path, root) for path in files),
    )
