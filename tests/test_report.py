"""Students can answer back: `report_url` puts a "Report a problem with this card" link on the back of
every card, checked in the real Anki; the link names the card and the release of its text, and a
change of `report_url` updates notes, never a note type."""

from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import yaml
from anki_client import import_package, rendered_problems, strip_style
from conftest import REPO, make_project
from helpers import add_typed_note_type, replace_in_file, unsafe_parts

REPORT_URL = ("https://github.com/owner/anatomy/issues/new?template=card-problem.yml"
              "&title=Card+{card}+(v{version})&card={card}&version={version}&deck={deck}&labels[]=card")
DECK_NAME = "Anatomy & Physiology"
CARDS = """\
subdeck: first
cards:
  - id: femur
    kind: basic
    question: Which is the longest bone?
    answer: The femur
    extra: It runs from the hip to the knee.
  - id: term.joint_1
    kind: reverse
    question: Synovial joint
    answer: A joint with a fluid-filled cavity
  - id: tibia
    kind: cloze
    text: '{{c1::Tibia}} and {{c2::fibula}} form the lower leg'
  - id: ossicles
    kind: list
    question: Which are the ossicles?
    items: [Malleus, Incus, Stapes]
  - id: patella
    kind: typed
    question: The kneecap is also called?
    answer: Patella
  - id: old
    kind: basic
    question: A withdrawn card?
    answer: Yes
    retired: true
"""


def _project(tmp_path: Path, report_url: str | None = REPORT_URL) -> Path:
    project = make_project(tmp_path / "project")
    add_typed_note_type(project)
    replace_in_file(project / "cards" / "deck.yaml", "name: Test\n", f"name: {DECK_NAME}\n")
    if report_url is not None:
        replace_in_file(project / "cards" / "deck.yaml", "subdecks:\n", f"report_url: '{report_url}'\nsubdecks:\n")
    (project / "cards" / "bones.yaml").write_text(CARDS)
    return project


def _expected_link(card_id: str, version: str) -> str:
    return (f"https://github.com/owner/anatomy/issues/new?template=card-problem.yml&title=Card+{card_id}+(v{version})"
            f"&card={card_id}&version={version}&deck={quote(DECK_NAME, safe='')}&labels[]=card")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self.href: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.href = dict(attrs).get("href")

    def handle_data(self, data):
        if self.href is not None:
            self.links.append((self.href, data))
            self.href = None


def _report_links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(strip_style(html))
    return [href for href, text in parser.links if text == "Report a problem with this card"]


def _links_by_card(collection) -> dict[tuple[str, int], list[str]]:
    """Each Anki card's report links on its back, by card id (from the GUID's note) and ordinal."""
    found = {}
    for card_id in collection.find_cards(""):
        card = collection.get_card(card_id)
        assert _report_links(card.question()) == []  # the front carries none
        found[(card.note().guid, card.ord)] = _report_links(card.answer())
    return found


def test_every_cards_back_in_anki_has_the_link_with_its_id_and_version(tmp_path, run_cli, student):
    project = _project(tmp_path)
    released = run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": "1764000000"})
    assert released.exit_code == 0, released.stderr

    import_package(student, project / "build" / "anatomy---physiology-1.0.0.apkg")

    assert student.card_count() == 10  # 1 basic, 2 reverse, 2 cloze, 3 list, 1 typed, 1 retired
    assert rendered_problems(student) == []
    from deckgen.ids import note_guid

    guid_of = {note_guid(1700000000001, card_id): card_id
               for card_id in ("femur", "term.joint_1", "tibia", "ossicles", "patella", "old")}
    links = _links_by_card(student)
    assert len(links) == 10
    for (guid, ordinal), hrefs in links.items():
        assert hrefs == [_expected_link(guid_of[guid], "1.0.0")], (guid_of[guid], ordinal)
    for card_id in student.find_cards(""):
        assert unsafe_parts(strip_style(student.get_card(card_id).answer())) == []


def test_the_link_names_the_release_that_last_changed_the_card(tmp_path, run_cli, student):
    project = _project(tmp_path)
    assert run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": "1764000000"}).exit_code == 0
    import_package(student, project / "build" / "anatomy---physiology-1.0.0.apkg")
    replace_in_file(project / "cards" / "bones.yaml", "answer: The femur", "answer: The femur (thigh bone)")
    assert run_cli("release", "1.1.0", cwd=project, env={"SOURCE_DATE_EPOCH": "1764000600"}).exit_code == 0

    log = import_package(student, project / "build" / "anatomy---physiology-1.1.0.apkg")

    assert (len(log.updated), len(log.conflicting)) == (1, 0)  # only the changed card: the link moves with it
    [femur] = student.find_cards('"Question:Which is the longest bone?"')
    assert _report_links(student.get_card(femur).answer()) == [_expected_link("femur", "1.1.0")]
    [patella] = student.find_cards('"Question:The kneecap is also called?"')
    assert _report_links(student.get_card(patella).answer()) == [_expected_link("patella", "1.0.0")]


def test_a_change_of_report_url_updates_every_note_and_no_note_type(tmp_path, run_cli, student):
    project = _project(tmp_path, report_url=None)
    assert run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": "1764000000"}).exit_code == 0
    import_package(student, project / "build" / "anatomy---physiology-1.0.0.apkg")
    replace_in_file(project / "cards" / "deck.yaml", "subdecks:\n", f"report_url: '{REPORT_URL}'\nsubdecks:\n")

    released = run_cli("release", "1.1.0", cwd=project, env={"SOURCE_DATE_EPOCH": "1764000600"})  # no --allow flag
    log = import_package(student, project / "build" / "anatomy---physiology-1.1.0.apkg")

    assert released.exit_code == 0, released.stderr
    assert (len(log.updated), len(log.conflicting), len(log.new)) == (6, 0, 0)
    assert {name for name in student.models.all_names()} >= {"Anatomy & Physiology basic (deckgen)"}
    assert not [name for name in student.models.all_names() if name.endswith("+")]  # no copy of a note type
    assert all(hrefs for hrefs in _links_by_card(student).values())
    notes = run_cli("diff", str(project / "build" / "anatomy---physiology-1.0.0.apkg"), cwd=project).stdout
    assert "Extra:" not in notes  # the link is no change of what the card says
    assert notes.split("## Changed")[1] == (
        " (6 notes, 10 cards)\n\n"
        "- The “Report a problem with this card” link on 6 notes (nothing else changed on them)\n"
        "- The “Report a problem with this card” link on 6 notes now leads to `github.com` (for example "
        "`https://github.com/owner/anatomy/issues/new?template=card-problem.yml&title=Card+femur+(v1.1.0)&card=femur"
        "&version=1.1.0&deck=Anatomy%20%26%20Physiology&labels[]=card`)\n")


def test_a_release_with_a_report_url_rebuilds_byte_for_byte(tmp_path, run_cli):
    project = _project(tmp_path)
    assert run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": "1764000000"}).exit_code == 0
    replace_in_file(project / "cards" / "bones.yaml", "answer: The femur", "answer: The femur (thigh bone)")
    assert run_cli("release", "1.1.0", cwd=project, env={"SOURCE_DATE_EPOCH": "1764000600"}).exit_code == 0
    package = project / "build" / "anatomy---physiology-1.1.0.apkg"
    released = hashlib.sha256(package.read_bytes()).hexdigest()

    rebuilt = run_cli("build", "--frozen", "--output", str(tmp_path / "again"), cwd=project,
                      env={"SOURCE_DATE_EPOCH": "1764999999"})

    assert rebuilt.exit_code == 0, rebuilt.stderr
    assert hashlib.sha256((tmp_path / "again" / package.name).read_bytes()).hexdigest() == released


def test_the_issue_template_asks_for_what_the_readmes_report_url_fills_in():
    template = yaml.safe_load((REPO / ".github" / "ISSUE_TEMPLATE" / "card-problem.yml").read_text())
    fields = {entry["id"]: entry for entry in template["body"] if "id" in entry}
    readme = (REPO / "README.md").read_text()

    assert {"card", "version", "what-is-wrong", "what-the-card-shows", "source"} <= set(fields)
    assert fields["card"]["validations"]["required"] and fields["what-is-wrong"]["validations"]["required"]
    assert ("report_url: https://github.com/OWNER/REPO/issues/new?template=card-problem.yml"
            "&title=Card+{card}+(v{version})&card={card}&version={version}") in readme


def test_the_preview_shows_the_link_with_the_version_deck_yaml_names(tmp_path, run_cli):
    project = _project(tmp_path)

    assert run_cli("preview", cwd=project).exit_code == 0

    page = (project / "build" / "preview.html").read_text()
    assert _report_links(page).count(_expected_link("femur", "1.0.0")) == 1
    assert "%version%" not in page


def test_a_card_that_says_percent_version_keeps_its_words(tmp_path, run_cli, student):
    """The link's version is put in where the link is, and nowhere else in the card."""
    project = _project(tmp_path)
    replace_in_file(project / "cards" / "bones.yaml", "answer: The femur", "answer: The femur, as %version% says")
    assert run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": "1764000000"}).exit_code == 0

    import_package(student, project / "build" / "anatomy---physiology-1.0.0.apkg")

    [femur] = student.find_cards('"Question:Which is the longest bone?"')
    answer = student.get_card(femur).answer()
    assert "The femur, as %version% says" in answer
    assert _report_links(answer) == [_expected_link("femur", "1.0.0")]


def test_preview_since_a_release_marks_the_card_that_changed_not_every_link_that_did(tmp_path, run_cli):
    """Every link names another version in the preview (deck.yaml's), and leads elsewhere: that is
    no change of what a card says."""
    project = _project(tmp_path)
    assert run_cli("release", "1.0.0", cwd=project, env={"SOURCE_DATE_EPOCH": "1764000000"}).exit_code == 0
    replace_in_file(project / "cards" / "deck.yaml", "version: 1.0.0", "version: 1.1.0")
    replace_in_file(project / "cards" / "deck.yaml", "github.com/owner/", "gitlab.com/owner/")
    replace_in_file(project / "cards" / "bones.yaml", "answer: The femur", "answer: The femur (thigh bone)")

    result = run_cli("preview", "--since", str(project / "build" / "anatomy---physiology-1.0.0.apkg"), cwd=project)

    page = (project / "build" / "preview.html").read_text()
    assert result.exit_code == 0, result.stderr
    assert dict(re.findall(r'id="([^"]+)" [^>]*data-change="([^"]*)"', page)) == {
        "femur": "changed", "term.joint_1": "", "tibia": "", "ossicles": "", "patella": "", "old": ""}
    assert "https://gitlab.com/owner/anatomy/issues/new?template=card-problem.yml&amp;title=Card+femur+(v1.1.0)" in page
