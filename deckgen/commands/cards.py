"""Cards in and out of spreadsheets and other tools: `deckgen export csv` and `deckgen import-cards`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from deckgen.authoring.export import cards_table
from deckgen.errors import DeckError, Location, ProblemCollector, display_path
from deckgen.importing.textcards import cards_from_text
from deckgen.importing.yamlout import slug, yaml_bytes
from deckgen.output import write_files
from deckgen.paths import ProjectPaths
from deckgen.source.load import read_text
from deckgen.source.project import load_project, read_deck_files, read_project


def export_csv(root: Path, output: Path | None = None) -> Path:
    """Write every card of the project to one CSV file (default: build/<deck name>-cards.csv)."""
    project = load_project(root)
    paths = ProjectPaths(root)
    target = output or paths.build / f"{slug(project.settings.name) or 'deck'}-cards.csv"
    write_files([(target, cards_table(project).encode("utf-8"))], root)
    return target


@dataclass(frozen=True)
class ImportedCards:
    path: Path  # the card file written
    cards: int


def import_cards(root: Path, source: Path, subdeck: str) -> ImportedCards:
    """Write the cards of an Anki text export or a Quizlet export as a new card file of `subdeck`."""
    settings, _ = read_deck_files(root, ProblemCollector())
    if subdeck not in settings.subdecks:
        raise DeckError.in_argument("--subdeck", f"'{subdeck}' is not a subdeck of cards/deck.yaml: use one of "
                                                 f"{', '.join(settings.subdecks)}")
    paths = ProjectPaths(root)
    target = paths.cards / f"{slug(source.stem) or 'imported'}.yaml"
    if target.exists():
        raise DeckError.at(Location(display_path(target, root)), "exists already: rename the file to import, or "
                           "move the cards of this file elsewhere first")
    taken = {card.id for card in read_project(root, ProblemCollector()).cards}
    cards = cards_from_text(read_text(source, str(source), table=True), str(source), taken)
    write_files([(target, yaml_bytes({"subdeck": subdeck, "cards": cards}))], root)
    return ImportedCards(target, len(cards))
