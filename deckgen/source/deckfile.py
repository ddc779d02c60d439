"""What `cards/deck.yaml` and `cards/references.yaml` may hold, and their validation into the model.

Keys are declared once, here, as typed keys (keys.py): validation, the did-you-mean hints and
`deckgen schema` read the same declarations. Every problem in every file is collected before any
is reported.
"""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import cast

from deckgen.errors import Location, ProblemCollector
from deckgen.names import name_problem
from deckgen.source.deck import RETIRED_SUBDECK, DeckSettings, LintSettings, Reference
from deckgen.source.deckoptions import read_options
from deckgen.source.keys import (
    BooleanKey,
    Key,
    ListKey,
    MarkupKey,
    PatternKey,
    Reader,
    TextKey,
    WholeNumberKey,
    did_you_mean,
    one_of,
)
from deckgen.source.kinds import KINDS, Kind
from deckgen.source.load import Mapping, Node, Scalar
from deckgen.source.notetypedecl import read_declaration
from deckgen.source.reporturl import ReportUrlKey

MAX_ID = 2**63 - 1
SUBDECK_KEY = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")
# An '&' that starts a character reference in HTML ('&amp;', '&#38;', '&copy' without its ';').
VERSION = re.compile(r"[0-9]{1,6}\.[0-9]{1,6}\.[0-9]{1,6}\Z")
REFERENCE_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")
# The release feed's address: https, or plain http to this computer only (a local server for a test);
# the add-on refuses any other, so a check refuses it first.
FEED_URL = re.compile(r"(https://[A-Za-z0-9.-]+|http://(localhost|127\.0\.0\.1|\[::1\]))(:[0-9]{1,5})?/[^\s\"<>]*\Z")

DECK_KEYS = (
    TextKey("name", "Anki deck name; subdecks become NAME::subdeck. Never rename.", True, "the deck name"),
    TextKey("title", "Human title of the deck.", True, "the deck title"),
    MarkupKey("description", "Shown on the deck's overview screen."),
    PatternKey("version", "Release version, MAJOR.MINOR.PATCH.", VERSION,
               lambda text: f"'version' must look like 1.2.3, got '{text}'", True, "a version like 1.0.0"),
    WholeNumberKey("id", "Stable Anki deck id.", True, 1, MAX_ID),
    Key("note_types", "One stable Anki note-type id for each built-in kind of card the deck uses, and the "
                      "note types of its own (a mapping each: id, fields, templates).", True),
    Key("subdecks", "Subdeck key used by cards: subdeck name shown in Anki.", True),
    Key("lint", "Limits for deckgen lint."),
    Key("options", "Deck options the course preset carries to students (deckoptions.py): daily limits, "
                   "learning steps, desired retention, burying."),
    ReportUrlKey(),
    PatternKey("feed_url", "Address of the release feed (latest.json) the companion add-on checks.", FEED_URL,
               lambda text: f"'feed_url' must be an https:// address of the release feed, got '{text}': on GitHub "
                            "write https://github.com/OWNER/REPO/releases/latest/download/latest.json",
               expected="a web address"),
    BooleanKey("allow_template_script", "true only when the deck's card templates need <script>: every check "
                                        "and release note then says so."),
)
LINT_KEYS = (WholeNumberKey("max_answer_words", "Longest answer lint accepts, in words."),
             WholeNumberKey("max_extra_words", "Longest extra lint accepts, in words."))
NOTE_TYPE_KEYS = tuple(
    WholeNumberKey(kind, f"note-type id for {kind} cards", False, 1, MAX_ID) for kind in KINDS
)
REFERENCE_KEYS = (
    ListKey("authors", "Authors as 'Family, I. I.', in publication order.", TextKey("authors", ""), "an author",
            "a list of authors", True),
    WholeNumberKey("year", "Year of publication.", True),
    TextKey("title", "Title of the article, chapter or book.", True, "the title"),
    TextKey("journal", "Journal name, for articles."),
    TextKey("volume", "Journal volume."),
    TextKey("issue", "Journal issue."),
    TextKey("pages", "Page range or article number."),
    TextKey("publisher", "Publisher, for books."),
    TextKey("doi", "DOI without https://doi.org/."),
)


def _key(keys: tuple[Key, ...], name: str) -> Key:
    return next(key for key in keys if key.name == name)


# --- deck settings -------------------------------------------------------------------------------


def validate_settings(root: Node | None, where: Location, problems: ProblemCollector) -> DeckSettings | None:
    read = Reader(problems)
    node = read.mapping(root, "deck settings", where)
    if node is None:
        return None
    read.check_keys(node, DECK_KEYS, "deck settings")
    name = read.read(node, _key(DECK_KEYS, "name"))
    if name and "::" in name.text:
        problems.add(name.location, "'name' must not contain '::': subdecks go under 'subdecks'")
    elif name:
        _check_safe_name(name, "name", read)
    title = read.read(node, _key(DECK_KEYS, "title"))
    if title:
        _check_safe_name(title, "title", read)
    version = read.read(node, _key(DECK_KEYS, "version"))
    deck_id = read.read(node, _key(DECK_KEYS, "id"))
    note_types, kinds = _note_type_ids(node, read)
    subdecks = _subdecks(node, read)
    lint = _lint_settings(node, read)
    options = read_options(node, read)
    description = read.read(node, _key(DECK_KEYS, "description"))
    report_url = read.read(node, _key(DECK_KEYS, "report_url"))
    allow_script = read.read(node, _key(DECK_KEYS, "allow_template_script"))
    feed_url = read.read(node, _key(DECK_KEYS, "feed_url"))
    if (name is None or title is None or version is None or deck_id is None or note_types is None
            or subdecks is None or problems.problems):
        return None
    locations = {key.text: key.location for key in node.keys()}
    subdecks_node = node.get("subdecks")
    if isinstance(subdecks_node, Mapping):
        locations.update({f"subdecks.{key.text}": key.location for key in subdecks_node.keys()})
    return DeckSettings(
        name=name.text.strip(),
        title=title.text.strip(),
        description=description,
        version=version.text,
        deck_id=deck_id,
        note_type_ids=MappingProxyType(note_types),
        subdecks=MappingProxyType(subdecks),
        lint=lint,
        kinds=MappingProxyType(kinds),
        location=node.location,
        locations=MappingProxyType(locations),
        report_url=report_url,
        allow_template_script=bool(allow_script),
        options=options,
        feed_url=feed_url.text.strip() if feed_url else None,
    )


def _note_type_ids(node: Mapping, read: Reader) -> tuple[dict[str, int] | None, dict[str, Kind]]:
    """The note-type id of each kind the deck uses, and the project's kinds: the built-in ones and
    those declared here (notetypedecl.py)."""
    kinds: dict[str, Kind] = dict(KINDS)
    value = node.get("note_types")
    if value is None:
        return None, kinds
    mapping = read.mapping(value, "'note_types'", node.location)
    if mapping is None:
        return None, kinds
    ids: dict[str, int | None] = {}
    for key, entry in mapping.entries:
        if key.text in KINDS and isinstance(entry, Mapping):
            read.add(key.location, f"'{key.text}' is a built-in kind: give it its note-type id, and declare a note "
                                   "type of your own under another name")
            ids[key.text] = None
        elif key.text in KINDS:
            ids[key.text] = read.read(mapping, _key(NOTE_TYPE_KEYS, key.text))
        elif isinstance(entry, Mapping):
            declared = read_declaration(key, entry, read)
            ids[key.text] = declared[0] if declared else None
            if declared:
                kinds[key.text] = declared[1]
        else:
            allowed = [kind.name for kind in NOTE_TYPE_KEYS]
            hint = did_you_mean(key.text, allowed) or (
                f": 'note_types' may have {one_of(allowed)}, or a note type of your own as a mapping with id, "
                "fields and templates")
            read.add(key.location, f"unknown key '{key.text}'{hint}")
            ids[key.text] = None
    seen: dict[int, str] = {}
    for kind, number in ids.items():
        if number is None:
            continue
        if number in seen:
            read.add(
                mapping.located(kind) if kind in KINDS else cast(Mapping, mapping.get(kind)).located("id"),
                f"note-type id {number} is used for both {seen[number]} and {kind}: give each kind its own id",
            )
        seen[number] = kind
    if any(value is None for value in ids.values()):
        return None, kinds
    return cast(dict[str, int], ids), kinds  # every id given


def _subdecks(node: Mapping, read: Reader) -> dict[str, str] | None:
    value = node.get("subdecks")
    if value is None:
        return None
    mapping = read.mapping(value, "'subdecks'", node.location)
    if mapping is None:
        return None
    if not mapping.entries:
        read.add(mapping.location, "'subdecks' is empty: name at least one subdeck")
        return None
    subdecks = {}
    for key, _ in mapping.entries:
        if not SUBDECK_KEY.match(key.text):
            read.add(key.location, f"subdeck key '{key.text}' must be lower-case letters, digits, '-' or '_'")
        name = read.read(mapping, TextKey(key.text, "", expected="the subdeck name"))
        if name and "::" in name.text:
            read.add(name.location, "a subdeck name must not contain '::'")
        elif name and name.text.strip().lower() == RETIRED_SUBDECK.lower():
            read.add(name.location,
                     f"the subdeck name '{RETIRED_SUBDECK}' is deckgen's, for retired cards: choose another")
        elif name and _check_safe_name(name, f"subdeck '{key.text}'", read):
            subdecks[key.text] = name.text.strip()
    return subdecks


def _check_safe_name(value: Scalar, what: str, read: Reader) -> bool:
    """Report a name that is not plain text (`name_problem`), naming the key it is under."""
    problem = name_problem(value.text)
    if problem:
        read.add(value.location, f"{what} {problem}")
        return False
    return True


def _lint_settings(node: Mapping, read: Reader) -> LintSettings:
    mapping = read.section(node, "lint", LINT_KEYS)
    if mapping is None:
        return LintSettings()
    limits = {}
    for key in LINT_KEYS:
        words = read.read(mapping, key)
        if words is not None and words < 1:
            read.add(mapping.located(key.name), f"'{key.name}' must be at least 1")
        elif words:
            limits[key.name] = words
    return LintSettings(**limits)


# --- references ----------------------------------------------------------------------------------


def validate_references(root: Node | None, where: Location, problems: ProblemCollector) -> dict[str, Reference]:
    read = Reader(problems)
    if root is None:
        return {}
    node = read.mapping(root, "the references file", where)
    if node is None:
        return {}
    references = {}
    for key, value in node.entries:
        if not REFERENCE_KEY.match(key.text):
            read.add(key.location, f"reference key '{key.text}' must be letters, digits, '.', '-' or '_'")
            continue
        entry = read.mapping(value, f"reference '{key.text}'", key.location)
        if entry is None:
            continue
        read.check_keys(entry, REFERENCE_KEYS, f"reference '{key.text}'")
        values = {field.name: read.read(entry, field) for field in REFERENCE_KEYS}
        authors = [author.text.strip() for author in values["authors"] or ()]
        if entry.get("authors") is not None and values["authors"] is not None and not authors:
            problems.add(entry.located("authors"), "'authors' is empty: list at least one author")
        if authors and values["year"] and values["title"]:
            optional = {name: values[name].text.strip() if values[name] else None
                        for name in ("journal", "volume", "issue", "pages", "publisher", "doi")}
            references[key.text] = Reference(
                key=key.text, authors=tuple(authors), year=values["year"], title=values["title"].text.strip(),
                location=entry.location, **optional,
            )
    return references
