"""A project read and rendered through the cache: each card file's cards, problems, warnings and
notes are kept under a key of everything they depend on, so that a build after editing one card
file reads and renders that file only. The checks across files (duplicate ids and GUIDs, the
release guards) and the deck's own parts (note types, description) run every time, over all cards.

A file's key: its path and bytes, and the project's key (deckgen's version and code, Python's
version, the project's place, deck.yaml, references.yaml and every file under templates/). The
media its cards show are held by their bytes' digest, checked against the files on each use; a
file with problems also depends on which media exist (a missing image may since have been added).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PosixPath, WindowsPath

import deckgen
from deckgen.cache.secret import cache_key
from deckgen.cache.store import CacheStore, digest
from deckgen.errors import Location, Problem, ProblemCollector
from deckgen.ids import note_guid
from deckgen.paths import ProjectPaths
from deckgen.render.notes import Progress, render_deck
from deckgen.render.rendered import PackagedMedia, RenderedDeck, RenderedFile, RenderedNote
from deckgen.source.cardfile import CardContext
from deckgen.source.deck import Card, MediaFile, Project
from deckgen.source.load import Pointer, Positions, Text
from deckgen.source.masks import Mask, Picture, Shape
from deckgen.source.project import outside_problem, read_card_file, read_project
from deckgen.text.cloze import ClozeText, Deletion
from deckgen.text.markup import NO_MARKUP_USED, MarkupUsed

CACHE_DIR = ".cache"  # under build/
_MEDIA_MEMO = "media-digests"  # the store's entry of media digests, by path, size and time
_PACKAGE = Path(deckgen.__file__).parent


@dataclass
class _Entry:
    """One card file as this build has it: from the cache, or read now (and written at the end)."""

    key: str
    cards: list[Card]
    problems: tuple[Problem, ...]
    media: tuple[tuple[str, str], ...]  # (path, digest) of every media file its cards show
    guids: dict[str, str]  # by card id, the GUIDs derived from the ids (the deck id is in the key)
    rendered: RenderedFile | None = None
    fresh: bool = True  # read or rendered by this build: to be written
    storable: bool = True


@dataclass
class _MediaDigests:
    """Media files' digests, remembered by (size, modification time) between builds."""

    known: dict[str, tuple[int, int, str]]
    changed: bool = False
    asked: set[str] = field(default_factory=set)  # this build's: the others are forgotten

    def of(self, path: str) -> str | None:
        self.asked.add(path)
        try:
            stat = os.stat(path)
        except OSError:
            return None
        remembered = self.known.get(path)
        if remembered is not None and remembered[:2] == (stat.st_size, stat.st_mtime_ns):
            return remembered[2]
        try:
            value = digest(Path(path).read_bytes())
        except OSError:
            return None
        self.known[path], self.changed = (stat.st_size, stat.st_mtime_ns, value), True
        return value


# Every class an entry holds (a file's _Entry, the values of its cards, their rendering): the only
# ones the store unpickles. A class missing here makes every entry holding it a miss, never wrong:
# tests/test_cache.py builds every kind of card twice and finds the second build read nothing.
_STORED = frozenset((kind.__module__, kind.__qualname__) for kind in (
    _Entry, Card, MediaFile, Text, Pointer, Positions, Location, Problem, RenderedFile, RenderedNote, PackagedMedia,
    Picture, Mask, Shape, ClozeText, Deletion, MarkupUsed, PosixPath, WindowsPath))


@dataclass
class IncrementalProject:
    """A project's card files through the store: `read` stands in for source/project.py's reader,
    `render` for the rendering of every card (render/notes.py's `FileRenderer`)."""

    root: Path
    store: CacheStore
    project_key: str
    media: _MediaDigests
    entries: list[_Entry] = field(default_factory=list)
    guids: dict[str, str] = field(default_factory=dict)
    media_listing: str | None = None

    def read(self, path: Path, paths: ProjectPaths, context: CardContext, problems: ProblemCollector) -> list[Card]:
        try:  # a link out of cards/ is never read, not even to be hashed: the reader refuses it
            data = None if outside_problem(path, paths.cards, paths.root) else path.read_bytes()
        except OSError:
            data = None
        if data is None:  # the reader says what is wrong with it
            return read_card_file(path, paths, context, problems)
        key = digest(self.project_key, os.fsencode(path.relative_to(paths.root)), data)
        entry = self._kept(key) or self._kept(digest(key, self._media_listing(paths)))
        if entry is None:
            found = ProblemCollector()
            cards = read_card_file(path, paths, context, found)
            media = tuple(sorted(_shown_files(cards)))
            if found.problems:
                key = digest(key, self._media_listing(paths))
            shown_media = tuple((item, self.media.of(item) or "") for item in media)
            guids = {card.id: note_guid(context.settings.deck_id, card.id) for card in cards if card.guid is None}
            # A file changed while it was read: what was read has no key, and is not kept.
            entry = _Entry(key, cards, tuple(found.problems), shown_media, guids, storable=_unchanged(path, data))
        self.entries.append(entry)
        self.guids.update(entry.guids)
        problems.problems.extend(entry.problems)
        return entry.cards

    def guid(self, deck_id: int, card_id: str) -> str:
        """A card's GUID as derived from its id, remembered by the cache (read_project's `derive_guid`):
        the same for one id in every file, since the deck id is in every key."""
        return self.guids.get(card_id) or note_guid(deck_id, card_id)

    def _kept(self, key: str) -> _Entry | None:
        value = self.store.get(key)
        if not isinstance(value, _Entry) or value.key != key:
            return None
        if any(self.media.of(path) != kept for path, kept in value.media):
            return None
        value.fresh = False
        return value

    def _media_listing(self, paths: ProjectPaths) -> str:
        """The media files that exist, by name: a card file with problems may name one that is added later."""
        if self.media_listing is None:
            readable = paths.media.is_dir() and not outside_problem(paths.media, paths.cards, paths.root)
            found = sorted(os.fsencode(path.relative_to(paths.media)) for path in paths.media.rglob("*")
                           if path.is_file()) if readable else []
            self.media_listing = digest(*found)
        return self.media_listing

    def render(self, project: Project, render: Callable[[list[Card]], RenderedFile],
               progress: Progress | None = None) -> RenderedFile:
        """Every file's cards rendered, or their rendering kept, joined in course order."""
        kept = {id(card) for card in project.cards}  # a duplicate id's later cards are left out
        done = 0
        notes: list[RenderedNote] = []
        problems: list[Problem] = []
        warnings: list[Problem] = []
        used, media = NO_MARKUP_USED, list[PackagedMedia]()
        for entry in self.entries:
            if progress is not None:
                progress("rendering cards", done, len(project.cards))
            done += len(entry.cards)
            rendered = entry.rendered
            shown = [card for card in entry.cards if id(card) in kept]
            if rendered is None or len(shown) != len(entry.cards):
                rendered = render(shown)
                if len(shown) == len(entry.cards):
                    entry.rendered, entry.fresh = rendered, True
            notes += rendered.notes
            problems += rendered.problems
            warnings += rendered.warnings
            used = used.joined(rendered.used)
            media += rendered.media
        if progress is not None:
            progress("rendering cards", len(project.cards), len(project.cards))
        order = {key: position for position, key in enumerate(project.settings.subdecks)}
        notes.sort(key=lambda note: order[note.subdeck])  # stable: the files' order within a subdeck
        return RenderedFile(tuple(notes), tuple(problems), tuple(warnings), used, tuple(media))

    def save(self) -> None:
        """Write what this build read or rendered, and remove the entries it did not use."""
        for entry in self.entries:
            if entry.fresh and entry.storable and entry.rendered is not None:
                self.store.put(entry.key, entry)
        if self.media.changed or self.media.asked != self.media.known.keys():
            self.store.put(_MEDIA_MEMO, {path: self.media.known[path] for path in self.media.asked
                                         if path in self.media.known})
        self.store.used.add(_MEDIA_MEMO)
        self.store.prune()


def _unchanged(path: Path, data: bytes) -> bool:
    try:
        return path.read_bytes() == data
    except OSError:
        return False


def project_key(root: Path) -> str:
    """Everything but a card file itself that its validated and rendered cards depend on."""
    paths = ProjectPaths(root)
    parts: list[bytes | str] = [deckgen.__version__, sys.version, str(root.resolve()), _code_stamp()]
    files = [(path, paths.cards) for path in (paths.settings, paths.references)]
    if paths.templates.is_dir():
        files += [(path, paths.templates) for path in sorted(paths.templates.rglob("*"))]
    for path, folder in files:
        # A link out of its folder is never read (the build refuses it): its name and target stand in.
        outside = outside_problem(path, folder, root)
        if path.is_file():
            parts += [os.fsencode(path.relative_to(root)), outside or path.read_bytes()]
    return digest(*parts)


def _code_stamp() -> str:
    """deckgen's own modules by size and time: a checkout changed without a new version number
    (development) must not read entries its older code wrote."""
    return digest(*(f"{path}:{path.stat().st_size}:{path.stat().st_mtime_ns}"
                    for path in sorted(_PACKAGE.rglob("*.py"))))


def open_project(root: Path) -> IncrementalProject:
    """The project's card files through its store, build/.cache/; none when build/ or build/.cache/
    is a link, which a repository could commit to have deckgen write, and prune, elsewhere."""
    paths = ProjectPaths(root)
    folder = paths.build / CACHE_DIR
    key = cache_key()
    store = CacheStore(None if paths.build.is_symlink() or folder.is_symlink() else folder, key or b"", _STORED)
    memo = store.get(_MEDIA_MEMO)
    known = memo if isinstance(memo, dict) else {}
    return IncrementalProject(root, store, project_key(root), _MediaDigests(known))


def read_and_render(root: Path, problems: ProblemCollector,
                    progress: Progress | None = None) -> tuple[Project, RenderedDeck]:
    """What `check` reads and renders (read_project, then render_deck), through the cache: the
    problems of cards, cached or not, are recorded in `problems`; a template's are raised."""
    incremental = open_project(root)
    project = read_project(root, problems, incremental.read, incremental.guid)
    # Cards' rendering problems are recorded, never raised, so that what was read is kept even then;
    # the caller raises them all, as it raises those of reading.
    deck = render_deck(project, ProjectPaths(root).templates, problems, progress,
                       lambda render: incremental.render(project, render, progress))
    incremental.save()
    return project, deck


def _shown_files(cards: list[Card]) -> set[str]:
    """Every file the cards show: their media, and an occlusion card's picture, whose size places
    its masks (a picture replaced by one of another size moves every mask's fractions)."""
    files = {str(item.path) for card in cards for item in card.media}
    return files | {str(picture.path) for card in cards if isinstance(picture := card.value("image"), Picture)}
