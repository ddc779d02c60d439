"""Where a project's files are: the one place that knows the layout of a deckgen project.

A project is a folder with `cards/deck.yaml` (settings), optionally `cards/references.yaml`, any
number of card files below `cards/`, media in `cards/media/`, the lock file `cards/deck.lock`,
Jinja templates in `templates/`, and its output in `build/`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CARDS_DIR = "cards"
SETTINGS_FILE = "deck.yaml"
REFERENCES_FILE = "references.yaml"
LOCK_FILE = "deck.lock"
MEDIA_DIR = "media"
TEMPLATES_DIR = "templates"
BUILD_DIR = "build"
PREVIEW_FILE = "preview.html"
# Where `deckgen preview --serve` listens: this machine only (a preview is for its author).
PREVIEW_HOST = "127.0.0.1"
PREVIEW_PORT = 8000
YAML_SUFFIXES = (".yaml", ".yml")
TABLE_SUFFIXES = (".csv", ".tsv")  # card files kept as spreadsheets (source/tablefile.py)


@dataclass(frozen=True)
class ProjectPaths:
    root: Path

    @property
    def cards(self) -> Path:
        return self.root / CARDS_DIR

    @property
    def settings(self) -> Path:
        return self.cards / SETTINGS_FILE

    @property
    def references(self) -> Path:
        return self.cards / REFERENCES_FILE

    @property
    def lock(self) -> Path:
        return self.cards / LOCK_FILE

    @property
    def media(self) -> Path:
        return self.cards / MEDIA_DIR

    @property
    def templates(self) -> Path:
        return self.root / TEMPLATES_DIR

    @property
    def build(self) -> Path:
        return self.root / BUILD_DIR

    def package(self, file_stem: str, output_dir: Path | None = None) -> Path:
        """The .apkg a build writes: build/<deck>-<version>.apkg, or in `output_dir`."""
        return (output_dir or self.build) / f"{file_stem}.apkg"

    @property
    def preview(self) -> Path:
        return self.build / PREVIEW_FILE

    def card_file(self, subdeck: str) -> Path:
        return self.cards / f"{subdeck}.yaml"

    def card_files(self) -> list[Path]:
        """Card files in a stable order: every YAML, CSV or TSV file under cards/ but settings, references
        and media."""
        special = {self.settings, self.references}
        return sorted(
            path
            for path in self.cards.rglob("*")
            if path.suffix in YAML_SUFFIXES + TABLE_SUFFIXES
            and path not in special
            and self.media not in path.parents
            and path.is_file()
        )
