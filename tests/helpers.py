"""Helpers several test modules share: the allow-list every rendered card is held to, the cards
of the golden files, and edits a test makes to a project's files."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import yaml

GOLDEN = Path(__file__).resolve().parent / "golden"
DECK_ID = 1700000000001  # the base fixture's deck id
GOLDEN_CASES = [
    ("golden-basic", 0),
    ("golden-reverse", 0),
    ("golden-reverse", 1),
    ("golden-cloze", 0),
    ("golden-cloze", 1),
    ("golden-list", 1),
    ("golden-markup", 0),  # maths, a highlighted code block and a table
]
# The smallest valid PNG: 1×1 pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


# An MP3 as deckgen recognises one: an ID3 header, then one empty frame.
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" + bytes(413)


def replace_in_file(path: Path, old: str, new: str, count: int = -1) -> None:
    """Edit a project file as an educator would; the text to replace must be there, or the test is wrong."""
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, count))



def yaml_string(text: str) -> str:
    """`text` as a YAML scalar that holds it exactly: a JSON string is a valid YAML double-quoted one."""
    return json.dumps(text)

def add_typed_note_type(project: Path) -> None:
    """Give the base fixture's deck a note-type id for typed cards (it uses none until a test adds one)."""
    replace_in_file(project / "cards" / "deck.yaml", "  list: 1700000000104\n",
                    "  list: 1700000000104\n  typed: 1700000000105\n")

SAFE_TAGS = {
    "div", "span", "hr", "br", "p", "strong", "em", "b", "i", "code", "pre", "blockquote", "ul", "ol",
    "li", "a", "img", "h1", "h2", "h3", "h4", "h5", "h6", "s", "sub", "sup", "u", "mark", "kbd", "small",
    "table", "thead", "tbody", "tr", "th", "td",
}
PACKAGED_MEDIA = re.compile(r"[A-Za-z0-9_-]+-[0-9a-f]{16}\.[a-z0-9]+")  # only our own media files
SAFE_ATTRIBUTES = {"class", "id", "data-cloze", "data-ordinal", "href", "rel", "src", "alt", "title", "start"}


class _Inspector(HTMLParser):
    """Every tag and attribute of the rendered HTML, and every place script could run."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.unsafe: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in SAFE_TAGS:
            self.unsafe.append(f"<{tag}>")
        for name, value in attrs:
            if name not in SAFE_ATTRIBUTES:
                self.unsafe.append(f"{name}= on <{tag}>")
            elif name == "href" and not (value or "").lower().startswith(("https://", "http://")):
                self.unsafe.append(f"href={value!r} on <{tag}>")
            elif name == "src" and not PACKAGED_MEDIA.fullmatch(value or ""):
                self.unsafe.append(f"src={value!r} on <{tag}>")

    handle_startendtag = handle_starttag

    def handle_comment(self, data):
        self.unsafe.append("<!-- comment -->")



def unsafe_parts(html: str) -> list[str]:
    """Every tag, attribute or value in `html` outside the allow-list: where script could run."""
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector.unsafe


def add_picture_card(project: Path) -> None:
    """A card showing cards/media/phases.png, which it lists under media: (a 1x1 PNG)."""
    (project / "cards" / "media").mkdir()
    (project / "cards" / "media" / "phases.png").write_bytes(PNG)
    (project / "cards" / "pictures.yaml").write_text(
        "subdeck: first\ncards:\n  - id: picture\n    kind: basic\n"
        "    question: 'What does this show? ![diagram](phases.png)'\n"
        "    answer: The phases of IPT\n    media: [phases.png]\n"
    )


def add_sound_card(project: Path) -> None:
    """A card playing cards/media/intro.mp3, which it lists under media: (after add_picture_card)."""
    (project / "cards" / "media" / "intro.mp3").write_bytes(MP3)
    (project / "cards" / "sounds.yaml").write_text(
        "subdeck: first\ncards:\n  - {id: sound, kind: basic, question: 'Whose voice? [sound:intro.mp3]', answer: A, "
        "media: [intro.mp3]}\n")


# The markup that holds other text (issue 13): the XSS corpus runs through each of these too.
PAYLOAD = "PAYLOAD"
CONSTRUCTS = {
    "table cell": "| a | b |\n|:--|--:|\n| PAYLOAD | x |",
    "code block": "```python\nPAYLOAD\n```",
    "code block of HTML": "```html\nPAYLOAD\n```",
    "maths span": "\\(x + PAYLOAD\\)",
    "display maths": "\\[\nx + PAYLOAD\n\\]",
}


def inside(construct: str, payload: str) -> str:
    """`payload` inside one of the CONSTRUCTS, as a block of its own between two lines of text."""
    return f"Text\n\n{CONSTRUCTS[construct].replace(PAYLOAD, payload)}\n\ntext"


def drop_refused_card_files(project: Path) -> tuple[set[str], list[str]]:
    """Check the project and remove every card file deckgen refuses (refusal is the defence for it),
    until it refuses none: validation first, then rendering. The names of the files removed (without
    `.yaml`), and every problem reported."""
    from deckgen.commands.pipeline import check
    from deckgen.errors import DeckError

    refused: set[str] = set()
    problems: list[str] = []
    while True:
        try:
            check(project)
        except DeckError as error:
            found = [str(problem) for problem in error.problems]
        else:
            return refused, problems
        problems += found
        names = set(re.findall(r"^cards/([^/:]+)\.yaml:", "\n".join(found), re.M))
        assert names, found  # a problem outside the card files: removing cards would never end it
        for name in names:
            (project / "cards" / f"{name}.yaml").unlink()
        refused |= names


def expected_from_yaml(root: Path) -> tuple[int, int, set[str]]:
    """Notes, cards and subdeck names, counted straight from the YAML: an oracle independent of deckgen.
    A retired card's cards go to the subdeck NAME::Retired."""
    settings = yaml.safe_load((root / "cards" / "deck.yaml").read_text())
    notes = cards = 0
    subdecks = set()
    for path in (root / "cards").rglob("*.yaml"):
        if path.name in ("deck.yaml", "references.yaml"):
            continue
        document = yaml.safe_load(path.read_text())
        for card in document["cards"]:
            notes += 1
            cards += {
                "basic": lambda c: 1,
                "reverse": lambda c: 2,
                "cloze": lambda c: len(set(re.findall(r"\{\{c(\d+)::", c["text"]))),
                "list": lambda c: len(c["items"]),
                "typed": lambda c: 1,
            }[card["kind"]](card)
            subdeck = card.get("subdeck", document.get("subdeck"))
            name = "Retired" if card.get("retired") else settings["subdecks"][subdeck]
            subdecks.add(f"{settings['name']}::{name}")
    return notes, cards, subdecks


def deck_names_with_cards(collection) -> set[str]:
    return {collection.decks.name(collection.get_card(card_id).did) for card_id in collection.find_cards("")}


CITATION = re.compile(
    r'<div class="source">\s*<span class="source-label">Source:</span> ([^<]+, \d{4})\s*'
    r'<div class="reference">([^<]+ \(\d{4}\)\. .+)</div>',
)


def uncited_cards(collection) -> list[int]:
    """The cards whose back, as Anki renders it, shows no source with its reference."""
    return [card_id for card_id in collection.find_cards("")
            if not CITATION.search(collection.get_card(card_id).answer())]


def preview_mismatches(project: Path, student: Path) -> tuple[int, list[str]]:
    """Build `project`, import it into a fresh collection in the folder `student` and compare every
    card's preview with Anki's rendering: how many cards were compared, and the ids of those that differ."""
    from anki.collection import Collection
    from anki_client import import_package, strip_style

    from deckgen.commands.pipeline import build
    from deckgen.preview.cards import preview_cards
    from deckgen.preview.occlusion import occlusions

    built = build(project, release_time=1764166041)
    student.mkdir()
    collection = Collection(str(student / "collection.anki2"))
    import_package(collection, built.output)
    anki = {}
    for card_id in collection.find_cards(""):
        card = collection.get_card(card_id)
        anki[(card.note()["Question"] if "Question" in card.note() else card.note()["Text"], card.ord)] = (
            strip_style(card.question()), strip_style(card.answer()))
    collection.close()
    previews = preview_cards(built.checked.deck, occlusions(built.checked.project.cards))
    assert len(previews) == len(anki)
    mismatched = []
    for preview in previews:
        if preview.kind == "typed":  # Anki's library leaves [[type:Answer]] where its reviewer, and the
            continue                 # preview, show the box (test_typed.py, test_reviewer.py)
        note = next(note for note in built.checked.deck.notes if note.card_id == preview.card_id)
        if anki[(note.fields[0], preview.ordinal)] != (preview.front, preview.back):
            mismatched.append(preview.card_id)
    return len(previews), mismatched


def missing_files_named_in_comments(project: Path) -> list[str]:
    """The files the comments of `cards/deck.yaml` and `cards/references.yaml` point at that do not
    exist in `project` (a settings file whose comments point at nothing counts as missing)."""
    missing = []
    for settings_file in ("deck.yaml", "references.yaml"):
        text = (project / "cards" / settings_file).read_text()
        comments = " ".join(line for line in text.splitlines() if line.startswith("#"))
        named = re.findall(r"[\w./-]+\.(?:md|yaml|lock|html|css)\b", comments)
        missing += [f"cards/{settings_file}: {name}" for name in named if not (project / name).is_file()]
        missing += [] if named else [f"cards/{settings_file} points at no file"]
    return missing


def fill_new_card(path: Path, card_id: str, **values: str | None) -> None:
    """Fill in the card `deckgen new` appended last, as an educator would: its id, and each empty
    key given, uncommented if `deckgen new` commented it out as optional (a key given None is deleted)."""
    text = path.read_text()
    head, new = text.rsplit("- id: ", 1)
    new = re.sub(r"\A\S+", card_id, new)
    for key, value in values.items():
        empty = re.compile(rf"^( *)(?:# )?{key}:( *#.*)?\n", re.MULTILINE)
        assert empty.search(new), key
        new = empty.sub("" if value is None else rf"\g<1>{key}: {value}\n", new)
    path.write_text(head + "- id: " + new)
