"""The import report (`import-report.md`): what `deckgen import` did with a package, and what the
educator must decide — fields the sanitiser would change, fields to read again, what the template
policy removed, problems `deckgen check` finds, times out of range, and the deck options the
first release changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from deckgen.apkg import AnkiPackage
from deckgen.apkg.writer import preset_names
from deckgen.errors import Problem
from deckgen.text.notesmarkdown import code_span


@dataclass(frozen=True)
class ReportEntry:
    card_id: str
    field: str
    file: str  # the card file, as shown from the project
    removed: str | None  # what the sanitiser would remove; None when the text only reads differently


@dataclass(frozen=True)
class TemplateRemoval:
    """What the template policy removed from one of the package's templates or stylesheets."""

    file: str  # the template file, as shown from the project
    removed: tuple[str, ...]
    note_type_id: int


@dataclass(frozen=True)
class ImportResult:
    root: Path
    notes: int
    note_types: int
    subdecks: int
    media: int
    report: tuple[ReportEntry, ...]
    report_path: Path
    problems: tuple[Problem, ...]  # what `deckgen check` refuses in the written project
    out_of_range: tuple[str, ...] = ()  # cards whose package time was before 1970 or in the future
    removed_from_templates: tuple[TemplateRemoval, ...] = ()  # what the template policy took out


def _table_section(title: str, intro: str, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    """A section of the report: its title, what it means, and a table (none when it has no rows). What
    the package holds is quoted as code: on GitHub `<span>` would otherwise vanish as HTML."""
    if not rows:
        return []
    lines = [f"## {title}", "", intro, "", f"| {' | '.join(header)} |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "&#124;") for cell in row) + " |" for row in rows]
    return lines + [""]


def report_text(package: AnkiPackage, result: ImportResult) -> str:
    lines = [f"# Import report: {package.path.name}", "",
             f"{result.notes} notes of {result.note_types} note types in {result.subdecks} subdecks, and "
             f"{result.media} media file{'' if result.media == 1 else 's'}, imported by `deckgen import`.", ""]
    removed = [entry for entry in result.report if entry.removed]
    differing = [entry for entry in result.report if not entry.removed]
    lines += _table_section(
        "Fields the sanitiser would change",
        "These fields hold HTML that cards may not use. They are kept in the card files as the package had them; "
        "`deckgen check` warns at each, and `--strict` (CI, every release) refuses them until you decide: write the "
        "content with deckgen's markup, or remove it.",
        ("card", "field", "file", "the sanitiser would remove"),
        [(f"`{e.card_id}`", code_span(e.field), f"`{e.file}`", code_span(e.removed or "")) for e in removed])
    lines += _table_section(
        "Fields to read again",
        "Converted to deckgen's markup, these fields read differently from the package's: check them in "
        "`deckgen preview`.",
        ("card", "field", "file"), [(f"`{e.card_id}`", code_span(e.field), f"`{e.file}`") for e in differing])
    lines += _table_section(
        "Removed from the templates and styles",
        "The package's card templates or CSS held what no deck may give its students (script, event handlers, "
        "addresses that run or load from elsewhere, `</style>` in CSS). It was removed; the rest of each file is as "
        "the package had it. Check the cards in `deckgen preview`.",
        ("file", "removed"),
        [(f"`{r.file}`", ", ".join(code_span(item) for item in r.removed)) for r in result.removed_from_templates])
    if result.problems:
        lines += ["## Problems `deckgen check` finds", "",
                  "These cards are left out of the lock until they are fixed; the first release then adds or "
                  "updates them as new.", ""]
        lines += [f"- {problem}" for problem in result.problems]
        lines.append("")
    if result.out_of_range:
        lines += ["## Times out of range", "",
                  "These notes carried a time of change before 1970 or after the import (the clock of the computer "
                  "that changed them was wrong). The lock records 1970 or the time of the import instead. A "
                  "student's Anki keeps the package's time: it updates such a note only once a release is newer "
                  "than that time, so edit these notes in Anki (which stamps them with the right time) before "
                  "students import the deck, or expect their first changes to wait.", ""]
        lines += [f"- `{card_id}`" for card_id in result.out_of_range]
        lines.append("")
    if not (result.report or result.problems or result.out_of_range or result.removed_from_templates):
        lines += ["Every field was converted faithfully: nothing to decide.", ""]
    return "\n".join(lines + _presets_section(package))


def _presets_section(package: AnkiPackage) -> list[str]:
    """What the first release does to the options of students' decks: said before it does it."""
    deck = package.notes[0].deck.split("::")[0]
    course = preset_names(deck)["course"]
    return [
        "## Your students' deck options change at the first release", "",
        f"Every deckgen release carries the deck presets *{course}* and *{preset_names(deck)['retired']}* "
        "(new cards in the course's order, siblings buried; none of the retired cards). A student who "
        "ticks **Import deck presets** when importing a release, as deckgen's README asks, has every deck "
        f"of *{deck}* moved to *{course}*, at the first release and at every later one: its daily limits, "
        "order and burying replace the options those decks use now (their old preset is kept, unused by "
        "them). Nothing else tells them: say so in the first release's notes (`CHANGELOG.md`). A student "
        "who wants to keep their own options leaves **Import deck presets** unticked.", "",
    ]
