"""The lock as data, never markup, and the guards it carries: GUIDs recorded and guarded, every value
checked against its format and the clock, acknowledgements only for changes that happen, swaps of
reworded items refused, a build that cannot race a release, and a deck description that a frozen
build compares. Each test releases a fixture project: none depends on the shipped deck."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import threading
from pathlib import Path

import pytest
from conftest import make_project
from helpers import replace_in_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_lock import RELEASE, V1_TIME, V2_TIME, released  # noqa: F401  (released: the fixture)

from deckgen.ids import note_guid

DECK_ID = 1700000000001
V3_TIME = "1764001200"
DAMAGED_END = "; restore it from git, never edit it by hand"


def _lock(project: Path) -> Path:
    return project / "cards" / "deck.lock"


def _line_of(project: Path, start: str) -> int:
    return next(number for number, line in enumerate(_lock(project).read_text().splitlines(), start=1)
                if line.startswith(start))


def _card_line(project: Path, card_id: str) -> int:
    return _line_of(project, f'    "{card_id}": ')


def _add_card(project: Path, text: str) -> None:
    with (project / "cards" / "course.yaml").open("a") as cards:
        cards.write(text)


# --- GUIDs ---------------------------------------------------------------------------------------


def test_a_release_records_every_cards_guid(released):
    project, _ = released

    cards = json.loads(_lock(project).read_text())["cards"]

    assert {card_id: record["guid"] for card_id, record in cards.items()} == {
        card_id: note_guid(DECK_ID, card_id) for card_id in cards}


def test_a_card_given_another_cards_guid_is_an_error_in_any_build(released, run_cli):
    project, _ = released
    guid = note_guid(DECK_ID, "founders")
    _add_card(project, f"  - id: impostor\n    kind: basic\n    question: Q?\n    answer: A\n    guid: '{guid}'\n")

    result = run_cli("build", "--allow-id-reuse", "--allow-guid-change", cwd=project,
                     env={"SOURCE_DATE_EPOCH": V2_TIME})

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"cards/course.yaml:35:9: card 'impostor' has the GUID '{guid}', as card 'founders' "
        "(cards/course.yaml:4:9) does: students' Anki would import both and update only one of them afterwards; "
        "remove the 'guid:' that is not the card's own (a card without one gets a GUID of its own from its id)",
        "1 problem found; nothing was written",
    ]


def test_a_new_card_given_a_removed_cards_guid_is_refused_unless_allowed(released, run_cli):
    project, _ = released
    course = project / "cards" / "course.yaml"
    text = course.read_text()
    start = text.index("  - id: session-hours")
    course.write_text(text[:start])  # removed (not retired), as a release may allow
    assert run_cli("release", "1.1.0", "--allow-card-removal", cwd=project,
                   env={"SOURCE_DATE_EPOCH": V2_TIME}).exit_code == 0
    guid = note_guid(DECK_ID, "session-hours")
    _add_card(project, f"  - id: sessions\n    kind: basic\n    question: How many sessions?\n    answer: 16\n"
                       f"    guid: '{guid}'\n")

    refused = run_cli("build", cwd=project, env={"SOURCE_DATE_EPOCH": V3_TIME})
    allowed = run_cli("build", "--allow-id-reuse", cwd=project, env={"SOURCE_DATE_EPOCH": V3_TIME})

    assert refused.exit_code == 1
    assert refused.stderr.splitlines() == [
        f"cards/course.yaml:30:9: card 'sessions' has the GUID '{guid}' of card 'session-hours', released earlier: "
        "students' Anki would overwrite their copy of 'session-hours', reviews and all, with this card; remove its "
        "'guid:' (or give it one no card ever had); to release it anyway, run with --allow-id-reuse",
        "1 problem found; nothing was written",
    ]
    assert allowed.exit_code == 0, allowed.stderr


def test_a_released_card_given_a_new_guid_is_refused_and_students_are_told(released, run_cli, tmp_path):
    project, _ = released
    shutil.copy(project / "build" / "test-1.0.0.apkg", tmp_path / "old.apkg")
    replace_in_file(project / "cards" / "course.yaml", "  - id: founders\n", "  - id: founders\n    guid: 'fresh-1'\n")
    old_guid = note_guid(DECK_ID, "founders")

    refused = run_cli("build", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME})
    released_anyway = run_cli("release", "1.1.0", "--allow-guid-change", cwd=project,
                              env={"SOURCE_DATE_EPOCH": V2_TIME})
    notes = run_cli("diff", str(tmp_path / "old.apkg"), cwd=project).stdout

    assert refused.exit_code == 1
    assert refused.stderr.splitlines()[0] == (
        f"cards/course.yaml:4:9: card 'founders' changed its GUID from '{old_guid}' to 'fresh-1': students' Anki "
        "knows their copy by the old one, so they would get this card a second time, as new, and keep the old "
        f"copy with its reviews; restore guid: '{old_guid}' (or remove the 'guid:' that was added); to release "
        "it anyway, run with --allow-guid-change")
    assert released_anyway.exit_code == 0, released_anyway.stderr
    assert json.loads(_lock(project).read_text())["acknowledged"] == [
        {"version": "1.1.0", "flag": "--allow-guid-change", "subject": "card:founders",
         "change": "GUID of card 'founders' changed"}]
    # What students see: the card arrives as new, and the old copy is theirs to delete.
    assert "Removed cards: an import never deletes cards; delete the ones listed under *Removed* yourself." in notes
    assert "## Added (1 note, 1 card)\n\n- `Test::First` · `Who founded IPT?`" in notes
    assert "## Removed (1 note, 1 card)\n\n- `Test::First` · `Who founded IPT?`" in notes


def test_ci_refuses_a_guid_changed_by_hand_in_the_lock(released, run_cli):
    project, base = released
    replace_in_file(project / "cards" / "course.yaml", "  - id: founders\n", "  - id: founders\n    guid: 'fresh-1'\n")
    replace_in_file(_lock(project), json.dumps(note_guid(DECK_ID, "founders")), '"fresh-1"', count=1)
    # What the contributor commits: a release against the edited lock passes, and records it.
    assert run_cli("release", "1.1.0", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME}).exit_code == 0

    result = run_cli("check", "--lock-base", str(base), cwd=project)

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"cards/deck.lock:{_card_line(project, 'founders')}:1: GUID of card 'founders' changed since the base "
        "branch, but the lock does not acknowledge it: only a build or release with --allow-guid-change allows "
        "it, and records it for reviewers; restore cards/deck.lock from the base branch and release again")


# --- the lock is data ----------------------------------------------------------------------------


HOSTILE_VERSION = '0.2.0\\"><img src=x onerror=alert(1)>'


def test_a_changed_in_that_is_no_version_never_reaches_a_card(released, run_cli):
    project, _ = released
    replace_in_file(project / "cards" / "deck.yaml", "name: Test\n",
                    "name: Test\nreport_url: https://example.org/report?card={card}&v={version}\n")
    replace_in_file(_lock(project), '"changed_in": "1.0.0"', f'"changed_in": "{HOSTILE_VERSION}"', count=1)

    result = run_cli("build", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME})

    assert result.exit_code == 1
    first = json.loads(_lock(project).read_text())["cards"]
    assert result.stderr.splitlines() == [
        f"cards/deck.lock:{_card_line(project, sorted(first)[0])}:1: the lock file is damaged: 'changed_in' should "
        "be a version such as 1.2.0, is \"0.2.0\\\"><img src=x onerror=alert(1)>\"" + DAMAGED_END,
        "1 problem found; nothing was written",
    ]


def test_the_report_links_version_is_escaped_whatever_it_holds():
    from deckgen.render.rendered import RenderedNote, with_versions
    from deckgen.render.reportlink import report_link
    from deckgen.source.reporturl import parse_report_url

    url = parse_report_url("https://example.org/report?card={card}&v={version}")
    note = RenderedNote(card_id="c", guid="g", kind="basic", subdeck="s", deck="d", fields=("Q", "A"), tags=(),
                        ordinals=(0,), cloze=None, report=report_link(url, "Test", "c", 1))

    (filled,) = with_versions((note,), lambda card_id: '1"><img src=x onerror=alert(1)>')

    assert "<img" not in filled.shown_fields()[1]
    assert 'v=1%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E"' in filled.shown_fields()[1]


FUTURE = "4102444800"  # 2100-01-01


def test_a_release_time_in_the_future_in_the_lock_is_refused(released, run_cli):
    project, _ = released
    replace_in_file(_lock(project), '{"version": "1.0.0", "time": 1764000000}',
                    f'{{"version": "1.0.0", "time": {FUTURE}}}')
    replace_in_file(_lock(project), '"modified": 1764000000', f'"modified": {FUTURE}')
    replace_in_file(project / "cards" / "course.yaml", "answer: Depression", "answer: Major depression")

    results = [run_cli(*command, cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME})
               for command in (("release", "1.1.0"), ("build",), ("check",), ("stats", "--released"))]

    line = _line_of(project, '  "releases"')
    for result in results:
        assert result.exit_code == 1
        assert result.stderr.splitlines()[0] == (
            f"cards/deck.lock:{line}:1: the lock file is damaged: release 1.0.0 has the time {FUTURE}, more than a "
            "day ahead of this computer's clock: no later release could follow it" + DAMAGED_END)


def test_a_card_time_later_than_its_release_is_refused(released, run_cli):
    project, _ = released
    line = _card_line(project, "founders")
    lines = _lock(project).read_text().split("\n")
    lines[line - 1] = lines[line - 1].replace('"modified": 1764000000', '"modified": 1764000001')
    _lock(project).write_text("\n".join(lines))

    result = run_cli("build", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME})

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"cards/deck.lock:{line}:1: the lock file is damaged: card 'founders' has the time 1764000001, later than "
        "release 1.0.0 that gave it" + DAMAGED_END)


# --- acknowledgements ----------------------------------------------------------------------------


def test_an_acknowledgement_written_in_advance_is_refused_by_ci(released, run_cli):
    project, base = released
    in_advance = json.dumps({"version": "unreleased", "flag": "--allow-renumbering", "subject": "card:phases",
                             "change": "deletions of card 'phases' removed or renumbered"})
    replace_in_file(_lock(project), '"acknowledged": []', f'"acknowledged": [\n    {in_advance}\n  ]')

    result = run_cli("check", "--lock-base", str(base), cwd=project)

    line = _line_of(project, '  "acknowledged"')
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"cards/deck.lock:{line}:1: the lock acknowledges 'deletions of card "
        "'phases' removed or renumbered' (--allow-renumbering), a change the cards do not make: only the build or "
        "release that makes a change records its acknowledgement; restore cards/deck.lock from the base branch",
        "1 problem found; nothing was written",
    ]


def test_an_acknowledgement_made_by_its_build_passes_ci(released, run_cli):
    project, base = released
    replace_in_file(project / "cards" / "course.yaml", "items: [Initial, Middle, Termination]",
                    "items: [Middle, Initial, Termination]")
    assert run_cli("build", "--allow-renumbering", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME}).exit_code == 0

    assert run_cli("check", "--lock-base", str(base), cwd=project).exit_code == 0


# --- swaps of reworded items ---------------------------------------------------------------------


AREAS = ("  - id: problem-areas\n    kind: list\n    question: Which problem areas does IPT address?\n"
         "    items: [Grief after a death, Role disputes with a partner, Role transitions, Interpersonal deficits]\n")


@pytest.mark.parametrize("items, message", [
    ("[Disputes over roles with a spouse, Grieving a loss through death, Role transitions, Interpersonal deficits]",
     "list card 'problem-areas' had items removed or reordered: students' reviews belong to item positions, so "
     "they would move to other items. Only add items at the end, or edit an item in place"),
    ("[Bereavement, Marital conflict, Role transitions, Interpersonal deficits]",
     "list card 'problem-areas' had items 1, 2 all rewritten beyond recognition: that cannot be told from items "
     "swapped and reworded, and students' reviews of each now belong to new text. Rewrite one of them per "
     "release, or add the new text as a new item at the end"),
])
def test_items_swapped_and_reworded_are_refused(items, message, tmp_path, run_cli):
    project = make_project(tmp_path / "project", RELEASE / "v1")
    _add_card(project, AREAS)
    assert run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": V1_TIME}).exit_code == 0
    replace_in_file(project / "cards" / "course.yaml",
                    "[Grief after a death, Role disputes with a partner, Role transitions, Interpersonal deficits]",
                    items)

    result = run_cli("build", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME})

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"cards/course.yaml:35:9: {message}; to release it anyway, run with --allow-renumbering")


def test_one_item_rewritten_is_an_edit_in_place(tmp_path, run_cli):
    project = make_project(tmp_path / "project", RELEASE / "v1")
    _add_card(project, AREAS)
    assert run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": V1_TIME}).exit_code == 0
    replace_in_file(project / "cards" / "course.yaml", "Grief after a death", "Bereavement")

    result = run_cli("build", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME})

    assert result.exit_code == 0, result.stderr


# --- build racing release, and what a frozen build compares ---------------------------------------


@pytest.mark.slow
def test_a_build_racing_a_release_never_overwrites_the_releases_package(released, run_cli, monkeypatch):
    """The build reads the project; a release runs before the build writes. The build must not put
    the new cards in build/test-1.0.0.apkg, the package students have."""
    import deckgen.commands.pipeline as pipeline

    project, _ = released
    package = project / "build" / "test-1.0.0.apkg"
    students_have = package.read_bytes()
    replace_in_file(project / "cards" / "course.yaml", "answer: Depression", "answer: Major depression")
    releasing = threading.Thread(target=pipeline.release, args=(project, "1.1.0", int(V2_TIME)))
    read_project = pipeline.check

    def check_then_let_a_release_run(*args, **kwargs):
        checked = read_project(*args, **kwargs)
        releasing.start()
        releasing.join(timeout=3)  # with the project held, the release waits for the build
        return checked

    monkeypatch.setattr(pipeline, "check", check_then_let_a_release_run)
    pipeline.build(project, int(V2_TIME))
    releasing.join()

    assert package.read_bytes() == students_have
    assert json.loads(_lock(project).read_text())["releases"][-1]["version"] == "1.1.0"


def test_a_changed_description_is_not_the_release_a_frozen_build_rebuilds(released, run_cli):
    project, _ = released
    replace_in_file(project / "cards" / "deck.yaml", "description: A deck the tests build.",
                    "description: A deck the tests build, changed.")

    result = run_cli("build", "--frozen", cwd=project)

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "cards/deck.lock:1:1: the cards differ from release 1.0.0: a frozen build rebuilds a release exactly; "
        "release them with 'deckgen release VERSION' first")


def test_a_lock_of_format_2_is_read_and_its_release_rebuilt_unchanged(released, run_cli):
    """A lock from before GUIDs were recorded: the cards are not unreleased for that alone."""
    project, _ = released
    data = json.loads(_lock(project).read_text())
    text = _lock(project).read_text().replace('"format": 3', '"format": 2')
    text = text.replace(f',\n    "description": "{data["deck"]["description"]}"', "")
    for record in data["cards"].values():
        text = text.replace(f', "guid": {json.dumps(record["guid"])}', "")
        text = text.replace(f', "position": {record["position"]}', "")
    _lock(project).write_text(text)

    result = run_cli("build", "--frozen", cwd=project)

    assert result.exit_code == 0, result.stderr


# --- hostile locks -------------------------------------------------------------------------------


COMMANDS = (("check",), ("build",), ("release", "1.1.0"), ("stats", "--released"))


def _mutations() -> st.SearchStrategy:
    scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
                        st.floats(allow_nan=False), st.text(max_size=30))
    values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                           st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                          max_leaves=8)
    return st.one_of(
        st.tuples(st.just("value"), st.integers(min_value=0, max_value=10**6), values),
        st.tuples(st.just("truncate"), st.integers(min_value=0, max_value=10**6), st.none()),
        st.tuples(st.just("nest"), st.integers(min_value=1, max_value=100_000), st.none()),
    )


def _mutated(text: str, mutation: tuple) -> str:
    how, at, value = mutation
    if how == "truncate":
        return text[: at % len(text)]
    data = json.loads(text)
    if how == "nest":
        data["cards"]["founders"]["hides"] = "nested"
        return json.dumps(data).replace('"nested"', "[" * at + "]" * at)
    places = []

    def walk(node):
        for key in (node if isinstance(node, dict) else range(len(node))):
            places.append((node, key))
            if isinstance(node[key], (dict, list)):
                walk(node[key])

    walk(data)
    node, key = places[at % len(places)]
    node[key] = value
    return json.dumps(data, ensure_ascii=False, indent=2)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutation=_mutations(), command=st.sampled_from(COMMANDS))
def test_a_hostile_lock_is_a_located_message_for_every_command(mutation, command, released, monkeypatch):
    """Whatever a hand edit does to the lock, each command ends in `cards/deck.lock:LINE:COL: …`
    (or succeeds, when the edit leaves a lock deckgen could have written), never in a traceback."""
    from deckgen.cli.main import main

    project, base = released
    _lock(project).write_text(_mutated(base.read_text(), mutation), encoding="utf-8")
    monkeypatch.chdir(project)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", V2_TIME)
    errors = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(errors):
        code = main(list(command))

    lines = errors.getvalue().splitlines()
    assert code in (0, 1), lines
    assert all(re.match(r"(warning: )?[\w./-]+:[0-9]+:[0-9]+: |[0-9]+ problems? found|warning: ", line)
               for line in lines), lines
    assert all(line.startswith("cards/deck.lock:") for line in lines if "the lock file" in line), lines


HOSTILE_LOCKS = {
    "a card of a kind the lock has no note type for": (
        '"kind": "basic"', '"kind": "zzz"', "card:first-use",
        "card 'first-use' is of kind \"zzz\", for which the lock records no note type"),
    "a release version that is no version": (
        '{"version": "1.0.0", "time": 1764000000}', '{"version": "one", "time": 1764000000}', "releases",
        "'version' should be a version such as 1.2.0, is \"one\""),
    "a deck name with markup": (
        '"name": "Test"', '"name": "Test<img src=x onerror=alert(1)>"', "deck",
        "the deck name contains '<' '>': names are shown on every card as they are, so they may not use any of "
        "< > \" { } [ ] \\ * `"),
}


@pytest.mark.parametrize("command", [("stats", "--released"), ("release", "1.1.0")])
@pytest.mark.parametrize("case", HOSTILE_LOCKS)
def test_stats_and_release_on_a_hostile_lock_are_a_located_message(case, command, released, run_cli):
    project, _ = released
    old, new, subject, message = HOSTILE_LOCKS[case]
    replace_in_file(_lock(project), old, new, count=1)
    line = (_line_of(project, f'  "{subject}"') if subject in ("releases", "deck")
            else _card_line(project, subject.removeprefix("card:")))

    result = run_cli(*command, cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME})

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"cards/deck.lock:{line}:1: the lock file is damaged: {message}{DAMAGED_END}",
        "1 problem found; nothing was written",
    ]


def test_ci_refuses_a_lock_that_lost_a_guid(released, run_cli):
    project, base = released
    replace_in_file(project / "cards" / "course.yaml", "answer: Depression", "answer: Major depression")
    assert run_cli("release", "1.1.0", cwd=project, env={"SOURCE_DATE_EPOCH": V2_TIME}).exit_code == 0
    replace_in_file(_lock(project), f', "guid": {json.dumps(note_guid(DECK_ID, "founders"))}', "", count=1)

    result = run_cli("check", "--lock-base", str(base), cwd=project)

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"cards/deck.lock:{_card_line(project, 'founders')}:1: card 'founders' lost its GUID in the lock; restore "
        "cards/deck.lock from the base branch and release again",
        "1 problem found; nothing was written",
    ]
