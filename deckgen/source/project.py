"""Reading a project's files, validated, into one Project (paths.py says where they are).

Every file is read and checked before anything is reported. `load_project` takes only a project
without problems; `read_project` gives what can be shown of one that has some (its valid cards), and
`read_deck_files` the settings and references alone, which `new` and `schema` need.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType

from deckgen.errors import DeckError, Location, ProblemCollector, display_path
from deckgen.ids import note_guid
from deckgen.paths import ProjectPaths
from deckgen.source.cardfile import (
    CardContext,
    card_keys,
    check_unique_guids,
    check_unique_ids,
    quick_card_file,
    validate_card_file,
)
from deckgen.source.deck import Card, DeckSettings, Project, Reference
from deckgen.source.deckfile import validate_references, validate_settings
from deckgen.source.load import Node, Positions, compose, read_text
from deckgen.source.plainload import read_plain
from deckgen.source.tablefile import TABLE_DELIMITERS, TableReader, compose_table


def outside_problem(path: Path, folder: Path, root: Path) -> str | None:
    """Why `path` may not be read as one of the project's files: a link that leads out of its folder
    (a card file linked to /etc/passwd would otherwise be read, and quoted in an error)."""
    if not path.resolve().is_relative_to(folder.resolve()) or not folder.resolve().is_relative_to(root.resolve()):
        return (f"{display_path(path, root)} is a link to a file outside {display_path(folder, root)}/: "
                "put the file itself there")
    return None


def _read(path: Path, paths: ProjectPaths, problems: ProblemCollector) -> tuple[bool, Node | None, Location]:
    """(read?, the document or None when empty, the file's location); problems are recorded."""
    text, where = _read_text(path, paths, problems)
    if text is None:
        return False, None, where
    return *_composed(text, where, problems), where


def _composed(text: str, where: Location, problems: ProblemCollector) -> tuple[bool, Node | None]:
    """(read?, the document with every value's position, or None when empty); problems are recorded."""
    try:
        return True, compose(text, where.path)
    except DeckError as error:
        problems.extend(error)
        return False, None


def _read_text(path: Path, paths: ProjectPaths, problems: ProblemCollector,
               table: bool = False) -> tuple[str | None, Location]:
    shown = display_path(path, paths.root)
    outside = outside_problem(path, paths.cards, paths.root)
    if outside:
        problems.add(Location(shown), outside)
        return None, Location(shown)
    try:
        return read_text(path, shown, table), Location(shown)
    except DeckError as error:
        problems.extend(error)
        return None, Location(shown)


def read_card_file(path: Path, paths: ProjectPaths, context: CardContext, problems: ProblemCollector) -> list[Card]:
    """A card file's cards: read fast as plain values when it has nothing to report (plainload.py),
    else read with every value's position, for messages that say where; a table as its nodes."""
    if path.suffix in TABLE_DELIMITERS:
        return _table_file(path, paths, context, problems)
    text, where = _read_text(path, paths, problems)
    if text is None:
        return []
    document = read_plain(text)
    if document is not None:
        cards = quick_card_file(document, context, Positions(path, text, where.path))
        if cards is not None:
            return cards
    read, node = _composed(text, where, problems)
    return validate_card_file(node, where, context, problems) if read else []


def _table_file(path: Path, paths: ProjectPaths, context: CardContext, problems: ProblemCollector) -> list[Card]:
    text, where = _read_text(path, paths, problems, table=True)
    if text is None:
        return []
    try:
        subdeck = path.stem if path.stem in context.settings.subdecks else None  # the file named after its subdeck
        table = compose_table(text, where.path, path.suffix, subdeck, card_keys(None, context.settings.kinds), problems)
        if table is None:
            return []
        # A cell's YAML that spends the file's budget of values stops the file (maskcell.py).
        read = TableReader(problems, context, table.columns, table.header)
        return validate_card_file(table.node, where, context, problems, read)
    except DeckError as error:
        problems.extend(error)
        return []


# Reads one card file's cards, recording its problems: `read_card_file`, or the cache in front of it.
CardFileReader = Callable[[Path, ProjectPaths, CardContext, ProblemCollector], list[Card]]


def load_project(root: Path) -> Project:
    """The project, every file read and checked; all problems of all files are raised together."""
    problems = ProblemCollector()
    project = read_project(root, problems)
    problems.raise_if_any()
    return project


def read_deck_files(root: Path, problems: ProblemCollector) -> tuple[DeckSettings, dict[str, Reference]]:
    """`cards/deck.yaml` and `cards/references.yaml`. Problems of the settings are raised at once,
    since no card can be checked without them; those of the references are recorded in `problems`."""
    paths = ProjectPaths(root)
    if not paths.cards.is_dir():
        raise DeckError.in_argument(
            "--project", f"{paths.cards.as_posix()}/ not found: run deckgen in the project folder (the one holding "
            "cards/) or pass --project DIR",
        )
    if not paths.settings.is_file():
        raise DeckError.at(
            Location(display_path(paths.settings, root)),
            "deck settings not found: create cards/deck.yaml (see the README)",
        )
    settings_problems = ProblemCollector()
    read, settings_node, settings_where = _read(paths.settings, paths, settings_problems)
    settings = validate_settings(settings_node, settings_where, settings_problems) if read else None
    settings_problems.raise_if_any()
    assert settings is not None  # validate_settings returns None only with problems recorded

    references = {}
    if paths.references.is_file():
        read, references_node, references_where = _read(paths.references, paths, problems)
        if read:
            references = validate_references(references_node, references_where, problems)
    return settings, references


def read_project(root: Path, problems: ProblemCollector, read_file: CardFileReader = read_card_file,
                 derive_guid: Callable[[int, str], str] = note_guid) -> Project:
    """What of the project can be read: the settings (their problems are raised), the references and
    the cards that are valid, with every problem of the others recorded in `problems`. `preview`
    and `stats` show this much while cards still have errors; `load_project` refuses it. The cache
    reads card files through `read_file`, and gives the GUIDs it remembers through `derive_guid`."""
    paths = ProjectPaths(root)
    settings, references = read_deck_files(root, problems)
    context = CardContext(settings, references, paths.media, display_path(paths.media, root))
    files = paths.card_files()
    if not files:
        problems.add(
            Location(display_path(paths.cards, root)),
            "no card files found: add a .yaml file with cards under cards/ (see the README)",
        )
    cards: list[Card] = []
    for path in files:
        cards.extend(read_file(path, paths, context, problems))
    check_unique_ids(cards, problems)
    guids = check_unique_guids(cards, settings.deck_id, problems, derive_guid)
    if problems.problems:  # a duplicate id's later cards are left out of what is shown
        seen: set[str] = set()
        unique = []
        for card in cards:
            if card.id not in seen:
                seen.add(card.id)
                unique.append(card)
        cards = unique
    return Project(
        root=root,
        settings=settings,
        references=MappingProxyType(references),
        cards=tuple(cards),
        card_files=tuple(display_path(path, root) for path in files),
        guids=MappingProxyType(guids),
    )
