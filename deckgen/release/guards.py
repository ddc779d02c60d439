"""The release guards: what changed between two locks that would hurt students who re-import.

A guard compares the lock of the last release with the lock a build would write (or, in CI, the
base branch's lock with a pull request's) and returns `Change`s: what changed, where, and which
`--allow-…` flag releases it anyway (none, for the three changes no collection survives). One place,
`decide`, turns changes into refusals or allowed changes. Comparing locks rather than YAML lets the
same guards judge a build, a `check` and a pull request's lock file.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from deckgen.errors import Location, Problem
from deckgen.release import subjects
from deckgen.release.lock import Acknowledged, CardRecord, Lock
from deckgen.release.subjects import CardSource, DeckKey, Place, Subject, card_entry, note_type_entry

# How alike (0 to 1) an item's old text and another position's new text must be for the item to
# count as moved there, even though lightly edited ("Grief" swapped with "Role disputes." and
# given a full stop). Items of one list are rarely this alike by chance.
MOVED_SIMILARITY = 0.8
# Below this likeness to its own old text an item is rewritten beyond recognition: its reviews now
# belong to other text. Two such items in one card cannot be told from two items swapped and each
# reworded, so together they count as renumbered.
REWRITTEN_SIMILARITY = 0.5
# How much more alike two items must each be to the other's old text than to their own to count as
# swapped though reworded more than lightly.
SWAP_MARGIN = 0.15


@dataclass(frozen=True)
class Allowances:
    """Changes that hurt students, released anyway because a maintainer said so."""

    note_type_change: bool = False
    deck_change: bool = False
    card_removal: bool = False
    id_reuse: bool = False
    renumbering: bool = False
    guid_change: bool = False
    repositioning: bool = False

    def permits(self, flag: str) -> bool:
        return bool(getattr(self, FLAGS[flag]))


FLAGS = {
    "--allow-note-type-change": "note_type_change",
    "--allow-deck-change": "deck_change",
    "--allow-card-removal": "card_removal",
    "--allow-id-reuse": "id_reuse",
    "--allow-renumbering": "renumbering",
    "--allow-guid-change": "guid_change",
    "--allow-repositioning": "repositioning",
}
REPOSITIONING = "--allow-repositioning"


@dataclass(frozen=True)
class Change:
    place: Place
    message: str  # what changed, why it hurts students, what to do instead
    flag: str | None  # the flag that releases it anyway; None when nothing may
    summary: str  # one line for the lock's acknowledged changes and CI's output
    subject: Subject  # what changed, as acknowledged changes name it


def compare(previous: Lock, current: Lock) -> list[Change]:
    """Every change from `previous` to `current` that the guards know."""
    return (_deck_changes(previous, current) + _note_type_changes(previous, current)
            + _card_changes(previous, current) + _guid_changes(previous, current)
            + _position_changes(previous, current))


def _position_changes(previous: Lock, current: Lock) -> list[Change]:
    """Recorded positions of released cards that changed: one change, the course's renumbering."""
    now = current.cards
    moved = [card_id for card_id, old in previous.cards.items()
             if old.position is not None and card_id in now and now[card_id].position != old.position]
    if not moved and previous.numbered_in_course_order:
        moved = _moved_from_places(previous, current)
    if not moved:
        return []
    card_id = min(moved)
    old, new = previous.cards[card_id].position, now[card_id].position
    was = "its place in the course" if old is None else old
    what = f"the positions of {len(moved)} released card{'s' if len(moved) > 1 else ''} changed"
    return [Change(
        card_entry(card_id),
        f"{what} (card '{card_id}' from {was} to {new}): students keep the positions they have, so cards added "
        "from now on would not come in their place for them",
        REPOSITIONING, f"{what} (first: card '{card_id}')", subjects.POSITIONS,
    )]


def _moved_from_places(previous: Lock, current: Lock) -> list[str]:
    """The cards of a format-2 lock that a later lock gives positions other than the places 0 … N-1
    its packages gave them (the lock keeps no course order, so which card had which place is not
    known here: plan.py adopts them in course order; a renumbering leaves that set of places)."""
    released = [card_id for card_id, record in previous.cards.items()
                if not record.removed and card_id in current.cards]
    positions = {current.cards[card_id].position for card_id in released}
    if positions == set(range(len(released))):
        return []
    return [card_id for card_id in released if current.cards[card_id].position is not None]


def _deck_changes(previous: Lock, current: Lock) -> list[Change]:
    changes = []
    if previous.deck_id != current.deck_id:
        changes.append(Change(
            DeckKey("id"),
            f"deck id changed from {previous.deck_id} to {current.deck_id}: students' Anki knows every card "
            f"by an identity made from it, so every card would arrive twice; restore id: {previous.deck_id}",
            None, f"deck id changed from {previous.deck_id} to {current.deck_id}", subjects.DECK_ID,
        ))
    if previous.deck_name != current.deck_name:
        what = f"deck renamed from '{previous.deck_name}' to '{current.deck_name}'"
        changes.append(Change(
            DeckKey("name"),
            f"{what}: students' existing cards would stay in the old deck while new cards go to the new one",
            "--allow-deck-change", what, subjects.DECK_NAME,
        ))
    used = {record.subdeck for record in previous.cards.values() if not record.removed}
    for key, old_name in sorted(previous.subdecks.items()):
        new_name = current.subdecks.get(key)
        if key in used and new_name is not None and new_name != old_name:
            what = f"subdeck '{key}' renamed from '{old_name}' to '{new_name}'"
            changes.append(Change(
                DeckKey(f"subdecks.{key}"),
                f"{what}: students' existing cards would stay in the old subdeck while new cards go to the new one",
                "--allow-deck-change", what, subjects.subdeck(key),
            ))
    return changes


def _note_type_changes(previous: Lock, current: Lock) -> list[Change]:
    changes = []
    for kind, now in sorted(current.note_types.items()):
        old = previous.note_types.get(kind)
        if old is None:
            continue
        if old.note_type_id != now.note_type_id:
            changes.append(Change(
                DeckKey("note_types"),
                f"note type '{kind}': id changed from {old.note_type_id} to {now.note_type_id}; students' notes "
                f"belong to the old id, so none of them would update again; restore {kind}: {old.note_type_id}",
                None, f"note type '{kind}': id changed", subjects.note_type(kind),
            ))
        structure = []
        if old.fields != now.fields:
            structure.append(f"fields changed from {', '.join(old.fields)} to {', '.join(now.fields)}")
        if old.templates != now.templates:
            structure.append(f"card templates changed from {', '.join(old.templates)} to {', '.join(now.templates)}")
        for change in structure:
            changes.append(Change(
                note_type_entry(kind),
                f"note type '{kind}': {change}; Anki would stop updating every student's {kind} notes without a word",
                "--allow-note-type-change", f"note type '{kind}': {change}", subjects.note_type(kind),
            ))
    return changes


def _card_changes(previous: Lock, current: Lock) -> list[Change]:
    changes = []
    for card_id, old in sorted(previous.cards.items()):
        now = current.cards.get(card_id)
        if not old.removed and (now is None or now.removed):
            changes.append(Change(
                card_entry(card_id),
                f"card '{card_id}' was released but is gone from the cards: Anki never deletes it from "
                "students' collections, and a renamed id makes a duplicate. Keep the card and mark it "
                "'retired: true' instead",
                "--allow-card-removal", f"card '{card_id}' removed", subjects.card(card_id),
            ))
        if now is None or now.removed or now is old:  # the very record: nothing changed (plan.py)
            continue
        changes += _changes_to_card(card_id, old, now, previous, current)
    return changes


def _changes_to_card(card_id: str, old: CardRecord, now: CardRecord, previous: Lock, current: Lock) -> list[Change]:
    place, subject = CardSource(card_id), subjects.card(card_id)
    changes = []
    if old.removed:
        changes.append(Change(
            place,
            f"card id '{card_id}' belonged to a card removed in an earlier release, which students still have: "
            "give this card a new id",
            "--allow-id-reuse", f"id of removed card '{card_id}' used again", subject,
        ))
    elif old.retired and not now.retired:
        changes.append(Change(
            place, f"card '{card_id}' was retired and students were told to delete it: give a new card a new id",
            "--allow-id-reuse", f"retired card '{card_id}' brought back", subject,
        ))
    if old.kind != now.kind:
        changes.append(Change(
            place,
            f"card '{card_id}' changed kind from {old.kind} to {now.kind}: Anki cannot move a student's note to "
            "another note type, so it would keep the old card; retire this card and add the new one under a "
            "new id (if the card was never released, restore cards/deck.lock from git instead)",
            None, f"card '{card_id}' changed kind from {old.kind} to {now.kind}", subject,
        ))
    old_subdeck = previous.subdecks.get(old.subdeck, old.subdeck)
    new_subdeck = current.subdecks.get(now.subdeck, now.subdeck)
    if old.subdeck != now.subdeck and old_subdeck != new_subdeck:
        changes.append(Change(
            place,
            f"card '{card_id}' moved from subdeck '{old_subdeck}' to '{new_subdeck}': students' copies would "
            "stay where they are",
            "--allow-deck-change", f"card '{card_id}' moved from '{old_subdeck}' to '{new_subdeck}'", subject,
        ))
    if old.kind == now.kind and not old.removed and renumbered(old.hides, now.hides):
        rewritten = () if _moved(dict(old.hides), dict(now.hides)) else rewritten_together(old.hides, now.hides)
        if now.kind == "occlusion":
            moved, place = _masks_moved(old.hides, now.hides), CardSource(card_id, _first_moved(old.hides, now.hides))
            message = (f"occlusion card '{card_id}' had masks removed or reordered ({moved}): students' reviews "
                       "belong to a mask's number, its place in the list, so they would move to other masks. "
                       "Only add masks at the end, or edit a mask in place (its shape, label or id); to withdraw a "
                       "released mask, mark the card 'retired: true' and make a new card, with a new id, of the "
                       "masks to keep")
        elif rewritten:
            listed = now.kind == "list"
            what, numbers = ("items", map(str, rewritten)) if listed else ("deletions", (f"c{n}" for n in rewritten))
            message = (f"{'list' if listed else 'cloze'} card '{card_id}' had {what} {', '.join(numbers)} all "
                       f"rewritten beyond recognition: that cannot be told from {what} swapped and reworded, and "
                       "students' reviews of each now belong to new text. Rewrite one of them per release, or add "
                       f"the new text as a new {what[:-1]} at the end")
        elif now.kind == "list":
            message = (f"list card '{card_id}' had items removed or reordered: students' reviews belong to item "
                       "positions, so they would move to other items. Only add items at the end, or edit an item "
                       "in place")
        else:
            message = (f"cloze card '{card_id}' had deletions removed or renumbered: students' reviews belong to "
                       "deletion numbers (c1, c2, ...), so they would move to other deletions. Only add new "
                       "numbers, or edit a deletion in place")
        changes.append(Change(
            place, message, "--allow-renumbering", f"deletions of card '{card_id}' removed or renumbered", subject,
        ))
    return changes


def _masks_moved(old: Hides, new: Hides) -> str:
    """Which mask (by id, as the lock records what each number hides) each changed number held, and
    holds: "mask 1", as the educator counts them, not Anki's c1."""
    after = dict(new)
    return "; ".join(f"mask {number} was '{mask}', now '{after[number]}'" if number in after
                     else f"mask {number} '{mask}' is gone" for number, mask in old if after.get(number, "") != mask)


def _first_moved(old: Hides, new: Hides) -> str | None:
    """The mask to show the change at: the one now at the first changed number, or, when masks were
    taken off the end, the last one left."""
    after = dict(new)
    for number, mask in old:
        if after.get(number, "") != mask:
            return after.get(number) or (new[-1][1] if new else None)
    return None


def _guid_changes(previous: Lock, current: Lock) -> list[Change]:
    """GUIDs, by which students' Anki knows each note: a card's GUID may not change, nor be another
    card's, released (tombstones and retired cards included) or current. GUIDs a lock of an older
    format did not record are not compared, nor GUIDs after a change of the deck id, from which
    they derive (a change refused on its own)."""
    if previous.deck_id != current.deck_id:
        return []
    changes = []
    released = {record.guid: card_id for card_id, record in sorted(previous.cards.items()) if record.guid}
    current_owner: dict[str, str] = {}
    for card_id, now in sorted(current.cards.items()):
        old = previous.cards.get(card_id)
        if now.removed or now.guid is None:
            continue
        place, subject = CardSource(card_id), subjects.card(card_id)
        owner = current_owner.setdefault(now.guid, card_id)
        if owner != card_id:
            changes.append(Change(
                place, f"cards '{owner}' and '{card_id}' have the same GUID '{now.guid}': students' Anki would import "
                "both and update only one of them afterwards; give each card its own GUID",
                None, f"cards '{owner}' and '{card_id}' share a GUID", subject,
            ))
        if old is not None and not old.removed and old.guid is not None and old.guid != now.guid:
            changes.append(Change(
                place, f"card '{card_id}' changed its GUID from '{old.guid}' to '{now.guid}': students' Anki knows "
                "their copy by the old one, so they would get this card a second time, as new, and keep the old "
                f"copy with its reviews; restore guid: '{old.guid}' (or remove the 'guid:' that was added)",
                "--allow-guid-change", f"GUID of card '{card_id}' changed", subject,
            ))
        taken_from = released.get(now.guid)
        if taken_from is not None and taken_from != card_id:
            changes.append(Change(
                place, f"card '{card_id}' has the GUID '{now.guid}' of card '{taken_from}', released earlier: "
                f"students' Anki would overwrite their copy of '{taken_from}', reviews and all, with this card; "
                "remove its 'guid:' (or give it one no card ever had)",
                "--allow-id-reuse", f"card '{card_id}' takes the GUID of card '{taken_from}'", subject,
            ))
    return changes


# Letters of other scripts that look like Latin ones (after Unicode's confusables list): a swap of
# two items is a swap even when one spells "Dissolution" with Cyrillic і and о.
_LOOKALIKES = str.maketrans(
    "аеёіїјкорсуххѕһԁԛԝӏвмнтαεικνορτυχβηζ",
    "aeeiijkopcyxxshdqwlbmhtaeikvoptuxbnz",
)


def _words(text: str) -> list[str]:
    """The words of a text as a reader sees them: accents, case and lookalike letters folded."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(character for character in folded if not unicodedata.combining(character))
    return re.findall(r"\w+", plain.translate(_LOOKALIKES))


def _alike(old: str, new: str) -> float:
    """How alike an item's old text is to a new one: as strings of words, or as the share of the old
    words the new text still has ("Initial" is all in "The initial phase")."""
    old_words, new_words = _words(old), _words(new)
    if old_words == new_words:
        return 1.0
    kept = len(set(old_words) & set(new_words)) / len(set(old_words)) if old_words else 0.0
    return max(kept, difflib.SequenceMatcher(None, " ".join(old_words), " ".join(new_words)).ratio())


Hides = tuple[tuple[int, str | None], ...]


def renumbered(old: Hides, new: Hides) -> bool:
    """Whether reviews of a cloze number would now belong to another fact: a number moved (`_moved`),
    or two or more numbers were rewritten beyond recognition at once (`rewritten_together`)."""
    return _moved(dict(old), dict(new)) or bool(rewritten_together(old, new))


def _changed(before: dict[int, str | None], after: dict[int, str | None]) -> dict[int, tuple[str, str]]:
    """The numbers whose text changed, where both texts are known (a lock of format 1 kept none),
    with their old and new texts."""
    changed = {}
    for number, text in before.items():
        now = after.get(number)
        if text is not None and now is not None and now != text:
            changed[number] = (text, now)
    return changed


def _moved(before: dict[int, str | None], after: dict[int, str | None]) -> bool:
    """A number is gone; or what it hid now stands, even lightly edited, under another number and
    is more alike there than what its own number hides now; or two numbers' texts, reworded, are
    each clearly more alike the other's old text than their own (a swap)."""
    if any(number not in after for number in before):
        return True
    texts = _changed(before, after)
    changed = list(texts)
    own = {number: _alike(old, new) for number, (old, new) in texts.items()}
    for number, (text, _) in texts.items():
        if any(other is not None and _alike(text, other) >= max(MOVED_SIMILARITY, own[number] + 1e-9)
               for elsewhere, other in after.items() if elsewhere != number):
            return True
    return any(
        _alike(texts[first][0], texts[second][1]) >= own[first] + SWAP_MARGIN
        and _alike(texts[second][0], texts[first][1]) >= own[second] + SWAP_MARGIN
        for index, first in enumerate(changed) for second in changed[index + 1:]
    )


def rewritten_together(old: Hides, new: Hides) -> tuple[int, ...]:
    """The numbers rewritten beyond recognition, when there are two or more of them; else none.
    Text alone cannot tell them from numbers swapped and reworded (synonyms share no letters), so
    the honest rule is to treat them as renumbered: one rewritten number is an edit in place."""
    before, after = dict(old), dict(new)
    rewritten = tuple(number for number, (old_text, new_text) in _changed(before, after).items()
                      if _alike(old_text, new_text) < REWRITTEN_SIMILARITY)
    return rewritten if len(rewritten) >= 2 else ()


def decide(
    changes: list[Change], allow: Allowances, acknowledged: tuple[Acknowledged, ...],
    locate: Callable[[Place], Location],
) -> tuple[list[Problem], list[Change]]:
    """Refusals (each naming the flag that would allow it) and the changes allowed: by their flag,
    or by an acknowledgement the lock holds for the next release."""
    problems, allowed = [], []
    pending = {(item.flag, item.subject) for item in acknowledged}
    for change in changes:
        if change.flag is not None and (allow.permits(change.flag) or (change.flag, change.subject) in pending):
            allowed.append(change)
        elif change.flag is not None:
            problems.append(Problem(locate(change.place),
                                    f"{change.message}; to release it anyway, run with {change.flag}"))
        else:
            problems.append(Problem(locate(change.place), change.message))
    return problems, allowed


def acknowledgements(
    allowed: list[Change], version: str, already: tuple[Acknowledged, ...] = ()
) -> tuple[Acknowledged, ...]:
    """Acknowledgements of the allowed changes that `already` does not hold."""
    known = {(item.flag, item.subject) for item in already}
    return tuple(Acknowledged(version, change.flag or "", change.subject, change.summary)
                 for change in allowed if (change.flag, change.subject) not in known)
