"""The real Anki: import packages into collections the way a student's Anki does."""

from __future__ import annotations

from pathlib import Path

from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition

IF_NEWER = ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER


def import_package(collection: Collection, package: Path, presets: bool = False):
    """Import with Anki's default options: update notes and note types if newer, keep scheduling off;
    with `presets`, as the README asks students to, "Import deck presets" ticked too."""
    request = ImportAnkiPackageRequest(
        package_path=str(package),
        options=ImportAnkiPackageOptions(
            merge_notetypes=False,
            update_notes=IF_NEWER,
            update_notetypes=IF_NEWER,
            with_scheduling=False,
            with_deck_configs=presets,
        ),
    )
    return collection.import_anki_package(request).log


def answer_card(collection: Collection, card_id: int, rating) -> None:
    """Review one card through the real scheduler, as a student pressing a button would."""
    card = collection.get_card(card_id)
    card.start_timer()
    states = collection._backend.get_scheduling_states(card.id)
    collection.sched.answer_card(collection.sched.build_answer(card=card, states=states, rating=rating))


def scheduling_of(collection: Collection, card_id: int) -> tuple:
    """Everything a student's reviews put into a card: state, due date, interval, flag and history."""
    card = collection.get_card(card_id)
    history = collection.db.list("select id from revlog where cid = ? order by id", card_id)
    return (card.type, card.queue, card.due, card.ivl, card.factor, card.reps, card.lapses,
            card.user_flag(), history)


def rendered_problems(collection: Collection) -> list[str]:
    """Every card's question and answer as Anki renders them, checked for template leftovers."""
    problems = []
    for card_id in collection.find_cards(""):
        card = collection.get_card(card_id)
        for side, html in (("question", card.question()), ("answer", card.answer())):
            body = strip_style(html)
            for marker in ("template has a problem", "{{", "}}", "{%", "%}"):
                if marker in body:
                    problems.append(f"card {card_id} {side} contains {marker!r}: {body[:200]}")
    return problems


def strip_style(html: str) -> str:
    """Anki puts the note type's CSS in front of each side; the tests look at the content."""
    if html.startswith("<style>"):
        return html[html.index("</style>") + len("</style>") :]
    return html


def typed_right(collection: Collection, answer_field: str, typed: str) -> bool:
    """Whether Anki's reviewer marks `typed` right against a typed card's Answer field (its own
    comparison, as `{{type:Answer}}` runs it: case, accents and every character count)."""
    compared = collection.compare_answer(answer_field, typed)
    return "typeBad" not in compared and "typeMissed" not in compared
