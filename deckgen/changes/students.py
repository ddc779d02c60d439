"""What students are told to choose when they import a release: Anki's import options, held once.

The README's student section, the release notes (`deckgen diff`, and the release workflow's notes of
a first release) and a deck's description all say this; each takes its words from here, and a test
holds the README's marked section and the IPT deck's description to them. Anki remembers the options
per collection (since 23.10), so a student who imported another deck differently must be told them
again, and its defaults are not ours: "Import deck presets" is unticked unless a student ticks it.
"""

from __future__ import annotations

from dataclasses import dataclass

from deckgen.text.notesmarkdown import code_span

README_START = "<!-- deckgen import options: start -->"
README_END = "<!-- deckgen import options: end -->"
README_SECTION = "For students: importing the deck"  # the README heading that holds the options


@dataclass(frozen=True)
class ImportOption:
    name: str  # as Anki's import dialog labels it
    choice: str  # what to choose, in Markdown
    why: str = ""  # the reason, when a student needs one to choose well


def options(deck: str) -> tuple[ImportOption, ...]:
    """The options, in the order Anki's dialog shows them; `deck` names the deck's course preset."""
    return (
        ImportOption("Import deck presets", "ticked",
                     # a code span: release notes name the deck of any package, whose name is no Markdown of ours
                     f"The deck brings a preset, {code_span(f'{deck} (course order)')}, that gives you new cards "
                     "in the course's order, keeps them in that order, and buries a card's siblings until the next "
                     "day."),
        ImportOption("Update notes", "*If newer*"),
        ImportOption("Update note types", "*If newer*"),
        ImportOption("Merge note types", "unticked, unless a release's notes tell you to tick it",
                     "Ticking it makes your next sync a one-way full sync: sync every device before you import."),
        ImportOption("Import any learning progress", "unticked"),
    )


REMEMBERED = ("Anki remembers these options (since 23.10) for the next import: check them once more if you "
              "changed them for another deck.")


def import_options(deck: str) -> str:
    """The options as a Markdown list with their reasons, then the reminder: the README's text."""
    bullets = [f"- **{option.name}**: {option.choice}." + (f" {option.why}" if option.why else "")
               for option in options(deck)]
    return "\n".join(bullets) + "\n\n" + REMEMBERED + "\n"


def import_options_summary(deck: str) -> str:
    """The same choices in one sentence, without reasons: for a deck description."""
    choices = "; ".join(f"**{option.name}**: {option.choice}" for option in options(deck))
    return f"Import every release with these options: {choices}."
