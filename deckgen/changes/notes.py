"""Release notes: what changed between two .apkg files, and what students must do about it.

Reads the packages themselves (not the YAML), so the notes describe exactly what students receive:
notes are matched by GUID, as Anki matches them. Every name and text taken from a package is
quoted as a code span (notesmarkdown.py): the notes are published as Markdown, where a card's text
must not become a link, an image, a mention or HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from deckgen.changes.packaged import PackageContents, PackagedNote, snippet, student_text
from deckgen.changes.students import import_options
from deckgen.release.guards import renumbered
from deckgen.render.reportlink import LINK_TEXT, without_report_link
from deckgen.render.templatepolicy import SCRIPT_IN_RELEASE, runs_script
from deckgen.source.deck import RETIRED_SUBDECK
from deckgen.text import cloze
from deckgen.text.notesmarkdown import change_window, code_span

ADDED, CHANGED, RETIRED = "new", "changed", "retired"


def note_changes(old: PackageContents, new: PackageContents) -> dict[str, str]:
    """Each note of `new` that students of `old` would see change, by GUID: ADDED, CHANGED (its
    fields, tags or deck) or RETIRED, as the release notes count them."""
    changes = _compare(old, new)
    marks = {note.guid: CHANGED for _, note in changes.changed + changes.moved}
    marks.update({note.guid: RETIRED for note in changes.retired})
    marks.update({note.guid: ADDED for note in changes.added})
    return marks


def _retired(note: PackagedNote) -> bool:
    return any(tag.endswith("::retired") for tag in note.tags)


def _retired_tag(notes: list[PackagedNote]) -> str:
    return next(tag for note in notes for tag in note.tags if tag.endswith("::retired"))


@dataclass(frozen=True)
class _Changes:
    """What changed between two packages, note by note and note type by note type."""

    added: list[PackagedNote]
    removed: list[PackagedNote]
    retired: list[PackagedNote]
    changed: list[tuple[PackagedNote, PackagedNote]]
    report_links: list[PackagedNote]  # changed only in their report link (report_url changed)
    moved: list[tuple[PackagedNote, PackagedNote]]
    structure: list[str]  # note types whose fields or templates changed
    looks: list[str]  # note types whose CSS or template text changed
    repositioned: list[PackagedNote]  # given another place in the new-card queue, which students keep

    @property
    def renumbered(self) -> list[PackagedNote]:
        return [note for before, note in self.changed if _deletions_moved(before, note)]

    @property
    def renamed_decks(self) -> list[tuple[str, str]]:
        return sorted({(before.deck, note.deck) for before, note in self.moved})


def _compare(old: PackageContents, new: PackageContents) -> _Changes:
    retired, changed, report_links, moved, repositioned = [], [], [], [], []
    for guid, note in new.notes.items():
        before = old.notes.get(guid)
        if before is None:
            continue
        if None not in (before.position, note.position) and before.position != note.position:
            repositioned.append(note)
        if _retired(note) and not _retired(before):
            retired.append(note)
        elif before.tags != note.tags or before.content != note.content:
            changed.append((before, note))
        elif before.fields != note.fields:
            report_links.append(note)
        # A retired card goes to the retired subdeck only where Anki adds it anew; a student's own
        # copy stays where it is, so that is no move to tell students about.
        if before.deck != note.deck and not (_retired(note) and note.deck.endswith(f"::{RETIRED_SUBDECK}")):
            moved.append((before, note))
    structure, looks = [], []
    for model_id, note_type in new.note_types.items():
        previous = old.note_types.get(model_id)
        if previous is None:
            continue
        if previous.fields != note_type.fields:
            structure.append(
                f"{code_span(note_type.name)}: fields {_names(previous.fields)} → {_names(note_type.fields)}")
        if previous.templates != note_type.templates:
            structure.append(f"{code_span(note_type.name)}: card templates {_names(previous.templates)} → "
                             f"{_names(note_type.templates)}")
        if previous.appearance != note_type.appearance:
            looks.append(note_type.name)
    return _Changes(
        added=[note for guid, note in new.notes.items() if guid not in old.notes],
        removed=[note for guid, note in old.notes.items() if guid not in new.notes],
        retired=retired, changed=changed, report_links=report_links, moved=moved, structure=structure, looks=looks,
        repositioned=repositioned,
    )


def _deck_actions(changes: _Changes, old: PackageContents) -> list[str]:
    actions = []
    for old_deck, new_deck in changes.renamed_decks:
        cards_in_old_deck = sum(1 for note in old.notes.values() if note.deck == old_deck)
        moving = [note for before, note in changes.moved if (before.deck, note.deck) == (old_deck, new_deck)]
        if len(moving) == cards_in_old_deck:
            actions.append(
                f"Cards moved from {code_span(old_deck)} to {code_span(new_deck)}: Anki leaves your existing "
                f"copies in {code_span(old_deck)}. Move them: Browse, search {code_span(_deck_search(old_deck))}, "
                "select all, Change Deck."
            )
        else:
            actions.append(
                f"Some cards moved from {code_span(old_deck)} to {code_span(new_deck)}: Anki leaves your existing "
                f"copies in {code_span(old_deck)}. Find each in Browse and use Change Deck: {_labels(moving)}."
            )
    return actions


def _deck_search(deck: str) -> str:
    """Anki's search for the cards of `deck`, its name matched as written: a backslash, a quote and
    Anki's wildcards `*` and `_` escaped."""
    return 'deck:"' + re.sub(r'([\\"*_])', r"\\\1", deck) + '"'


def _actions(changes: _Changes, old: PackageContents, new: PackageContents) -> list[str]:
    """What students must do, in the order they do it."""
    actions = []
    presets = sorted(new.presets - old.presets)
    if presets:
        actions.append(
            f"**Tick “Import deck presets”** in Anki's import dialog: this release brings "
            f"{', '.join(code_span(name) for name in presets)}, which give you new cards in the course's order "
            "and keep deleted retired cards from coming back to study."
        )
    if changes.structure:
        actions.append(
            "**Tick “Merge note types”** in Anki's import dialog: the note types below changed their "
            "fields or card templates, and without it Anki updates none of their cards."
        )
    actions += _deck_actions(changes, old)
    if changes.retired:
        actions.append(
            f"Retired cards: after importing, search {code_span(f'tag:{_retired_tag(changes.retired)}')} and delete "
            "the cards it finds."
        )
    if changes.removed:
        actions.append(
            "Removed cards: an import never deletes cards; delete the ones listed under *Removed* yourself."
        )
    renumbered_notes = changes.renumbered  # parses every changed cloze note: once
    if renumbered_notes:
        actions.append(
            "Items or deletions were removed or reordered in some cards, so your reviews of them now "
            "belong to other items. To start those cards afresh: Browse, select them, Forget: "
            f"{_labels(renumbered_notes)}."
        )
    if changes.repositioned:
        actions.append(
            "Positions renumbered: this release gives the cards new places in the course's order, but Anki "
            "keeps the places of the cards you already have, so the new cards of this release and of later "
            "ones come after all the cards you had (in course order among themselves). If you have not "
            "started studying the deck, delete it and import this release again to have the whole course in order."
        )
    return actions or ["Nothing special: import the new file with the options below; your reviews are kept."]


def _deck_name(contents: PackageContents) -> str:
    """The top-level deck the package's notes go to, which names its presets."""
    return next((note.deck.split("::")[0] for note in contents.notes.values()), "the deck")


def needs_merge(old: PackageContents, new: PackageContents) -> bool:
    """Whether students must tick "Merge note types" for `new`: a note type changed its fields or templates."""
    return bool(_compare(old, new).structure)


def release_notes(old: PackageContents, new: PackageContents) -> str:
    """Markdown release notes: students' actions first, then added, changed, retired, removed cards."""
    changes = _compare(old, new)
    lines = [f"# Release notes: {old.name} → {new.name}", "", "## What students need to do", ""]
    used = {note.note_type_id for note in new.notes.values()}  # a .colpkg holds Anki's stock types too
    if any(runs_script(text) for type_id, note_type in new.note_types.items() if type_id in used
           for text in note_type.template_texts):
        lines = [SCRIPT_IN_RELEASE, ""] + lines  # first: a reader must not miss it
    lines += [f"- {action}" for action in _actions(changes, old, new)]
    lines += ["", "## Import options", "", import_options(_deck_name(new)).rstrip("\n")]
    changed = sorted(changes.changed, key=lambda pair: _order(pair[1]))
    relinked = [f"- The “{LINK_TEXT}” link on {_count(len(changes.report_links), 'note')} (nothing else changed "
                "on them)"] if changes.report_links else []
    relinked += _report_hosts(old, new)
    lines += _section("Added", [_entry(note.deck, note) for note in sorted(changes.added, key=_order)], changes.added)
    lines += _section("Changed", [line for before, note in changed for line in _changed_lines(before, note)]
                      + relinked, [note for _, note in changed] + changes.report_links)
    lines += _section("Retired", [_entry(old.notes[note.guid].deck, note)  # where students have it
                                  for note in sorted(changes.retired, key=_order)], changes.retired)
    lines += _section("Removed", [_entry(note.deck, note) for note in sorted(changes.removed, key=_order)],
                      changes.removed)
    lines += _section("Note types", [f"- {change}" for change in changes.structure]
                      + [f"- {code_span(name)}: new look (applied automatically)" for name in changes.looks])
    lines += _section("Decks", [f"- {code_span(old_deck)} → {code_span(new_deck)}"
                                for old_deck, new_deck in changes.renamed_decks])
    return "\n".join(lines) + "\n"


def _deletions(note: PackagedNote) -> dict[int, str]:
    """What each cloze number hides, over all fields (only a cloze field can hold deletions)."""
    parsed = cloze.parse("\x1f".join(note.fields.values()))
    if isinstance(parsed, cloze.ClozeProblem):
        return {}
    return {number: " / ".join(student_text(body) for body in bodies)
            for number, bodies in parsed.hidden_by_number().items()}


def _deletions_moved(before: PackagedNote, note: PackagedNote) -> bool:
    return renumbered(tuple(_deletions(before).items()), tuple(_deletions(note).items()))


def _order(note: PackagedNote) -> tuple[str, str]:
    return (note.deck, note.label)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _section(title: str, entries: list[str], notes: list[PackagedNote] | None = None) -> list[str]:
    """A section of the notes, its title counting the notes and their cards as every command does."""
    if not entries:
        return []
    if notes is None:
        count = str(sum(1 for entry in entries if entry.startswith("- ")))
    else:
        count = f"{_count(len(notes), 'note')}, {_count(sum(note.cards for note in notes), 'card')}"
    return ["", f"## {title} ({count})", "", *entries]


def _changed_lines(before: PackagedNote, note: PackagedNote) -> list[str]:
    """A changed note, and for each changed field its text before and after, as much of each as shows
    the change."""
    lines = [_entry(note.deck, note)]
    for name, value in note.fields.items():
        old_value = before.fields.get(name)
        if old_value is None:
            lines.append(f"  - {code_span(name)}: new field, {code_span(snippet(value))}")
        elif without_report_link(old_value) != without_report_link(value):
            old_text, text = student_text(old_value), student_text(value)
            if old_text == text:
                lines.append(f"  - {code_span(name)}: its formatting changed, not its text")
            else:
                shown_before, shown_after = change_window(old_text, text)
                lines.append(f"  - {code_span(name)}: {code_span(shown_before)} → {code_span(shown_after)}")
    added_tags = sorted(set(note.tags) - set(before.tags))
    dropped_tags = sorted(set(before.tags) - set(note.tags))
    if added_tags or dropped_tags:
        change = ", ".join([code_span(f"+{tag}") for tag in added_tags]
                           + [code_span(f"-{tag}") for tag in dropped_tags])
        lines.append(f"  - tags: {change}")
    return lines


def _entry(deck: str, note: PackagedNote) -> str:
    return f"- {code_span(deck)} · {code_span(note.label)}"


def _labels(notes: list[PackagedNote]) -> str:
    return "; ".join(code_span(note.label) for note in sorted(notes, key=_order))


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(code_span(name) for name in names)


def _host(address: str | None) -> str | None:
    return None if address is None else (urlsplit(address).hostname or address)


def _report_hosts(old: PackageContents, new: PackageContents) -> list[str]:
    """Where the report link leads now, for the notes on which it leads to another host: an
    address moved to another site is what a reviewer of a release must see."""
    moved: dict[tuple[str | None, str | None], list[str]] = {}
    for guid, note in new.notes.items():
        before = old.notes.get(guid)
        if before is None:
            continue
        was, now = before.report_address, note.report_address
        if _host(was) != _host(now):
            moved.setdefault((_host(was), _host(now)), []).append(now or "")
    lines = []
    for (was, now), addresses in sorted(moved.items(), key=lambda item: (str(item[0][0]), str(item[0][1]))):
        notes = _count(len(addresses), "note")
        if now is None:
            lines.append(f"- The “{LINK_TEXT}” link was removed from {notes} (it led to {code_span(str(was))})")
        else:
            instead = f" instead of {code_span(was)}" if was is not None else ""
            lines.append(f"- The “{LINK_TEXT}” link on {notes} now leads to {code_span(now)}{instead} (for example "
                         f"{code_span(addresses[0])})")
    return lines
