"""The cache under build/.cache/ (issue 24): a build after editing one card file reads that file
only, and its package is byte for byte a clean build's; every input a card file's cards depend on
invalidates them; problems and warnings of cached files are reported again; a damaged cache is
never trusted; `preview --serve` uses it too."""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import shutil
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from conftest import make_project
from helpers import PNG, add_picture_card, replace_in_file
from occlusion_fixture import add_occlusion_card
from occlusion_fixture import png as occlusion_png

import deckgen
from deckgen.cache import incremental, secret, store
from deckgen.commands import tools
from deckgen.commands.pipeline import build, check
from deckgen.errors import DeckError
from deckgen.source import project as project_module

TIME = 1_764_000_000


def _card(card_id: str, question: str, extra: str = "") -> str:
    lines = f"  - id: {card_id}\n    kind: basic\n    question: {question}\n    answer: An answer\n"
    return lines + f"    source: weissman2017\n{extra}"


@pytest.fixture(autouse=True)
def cache_key_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's cache folder, where the key that signs the entries is kept: this test's own."""
    home = tmp_path / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Three card files of two subdecks, with a list card (which the list-items template lays out),
    a cloze card and a retired one."""
    root = make_project(tmp_path / "project")
    cards = root / "cards"
    (cards / "a.yaml").write_text("subdeck: first\ncards:\n" + _card("a1", "First?")
                                  + _card("a2", "Second?", "    retired: true\n"))
    (cards / "b.yaml").write_text(
        "subdeck: second\ncards:\n" + _card("b1", "Third?")
        + "  - id: b2\n    kind: cloze\n    text: 'IPT began in the {{c1::1970s}}.'\n")
    (cards / "c.yaml").write_text(
        "subdeck: first\ncards:\n" + _card("c1", "Fourth?")
        + "  - id: c2\n    kind: list\n    question: The phases?\n    items: [Initial, Middle, Final]\n")
    return root


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The card files read from disk (not taken from the cache), by name, as builds read them: the
    reader's own reading of text (a seam that does not depend on the cache being there)."""
    read: list[str] = []
    reader = project_module.read_text

    def counted(path, *arguments, **keywords):
        if path.name not in ("deck.yaml", "references.yaml"):
            read.append(path.name)
        return reader(path, *arguments, **keywords)

    monkeypatch.setattr(project_module, "read_text", counted)
    return read


def _package(root: Path, cache: bool = True) -> bytes:
    return build(root, TIME, cache=cache).output.read_bytes()


def _clean_package(root: Path, tmp_path: Path) -> bytes:
    """The package of a copy of the project built without any cache."""
    copy = tmp_path / "clean"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("build"))
    return _package(copy, cache=False)


def test_a_rebuild_after_editing_one_file_reads_it_alone_and_is_a_clean_builds_bytes(project, reads, tmp_path):
    before = _package(project)
    assert sorted(reads) == ["a.yaml", "b.yaml", "c.yaml"]
    replace_in_file(project / "cards" / "b.yaml", "Third?", "Third, edited?")
    reads.clear()

    after = _package(project)

    assert reads == ["b.yaml"]
    assert after != before
    assert after == _clean_package(project, tmp_path)


def test_a_rebuild_of_nothing_changed_reads_no_file(project, reads):
    first = _package(project)
    reads.clear()
    assert _package(project) == first
    assert reads == []


def test_check_uses_the_cache_and_without_it_reads_every_file(project, reads):
    check(project)
    reads.clear()
    check(project)
    assert reads == []
    check(project, cache=False)
    assert sorted(reads) == ["a.yaml", "b.yaml", "c.yaml"]


CHANGES = {
    "list template": ("templates/list-items.html", "<li>{{ item }}</li>", "<li class='item'>{{ item }}</li>"),
    "deck.yaml": ("cards/deck.yaml", "second: Second", "second: Later"),
    "reference": ("cards/references.yaml", "Oxford University Press", "Guilford Press"),
}


@pytest.mark.parametrize("change", CHANGES)
def test_an_input_the_cards_depend_on_invalidates_them(change, project, reads, tmp_path):
    before = _package(project)
    path, old, new = CHANGES[change]
    replace_in_file(project / path, old, new)
    reads.clear()

    after = _package(project)

    assert sorted(reads) == ["a.yaml", "b.yaml", "c.yaml"]
    assert after != before
    assert after == _clean_package(project, tmp_path)


def test_a_changed_media_file_invalidates_the_cards_showing_it(project, reads, tmp_path):
    add_picture_card(project)
    before = _package(project)
    (project / "cards" / "media" / "phases.png").write_bytes(PNG + b"changed")
    reads.clear()

    after = _package(project)

    assert reads == ["pictures.yaml"]
    assert after != before
    assert after == _clean_package(project, tmp_path)


def test_another_deckgen_version_reads_every_file_again(project, reads, monkeypatch):
    check(project)
    monkeypatch.setattr(deckgen, "__version__", "99.0.0")
    reads.clear()
    check(project)
    assert sorted(reads) == ["a.yaml", "b.yaml", "c.yaml"]


def test_a_problem_of_a_cached_file_is_reported_again(project, reads):
    replace_in_file(project / "cards" / "b.yaml", "    answer:", "    anwser:")
    with pytest.raises(DeckError) as first:
        check(project)
    reads.clear()

    with pytest.raises(DeckError) as again:
        check(project)

    assert reads == []
    assert [str(problem) for problem in again.value.problems] == [str(problem) for problem in first.value.problems]
    assert str(again.value).startswith("cards/b.yaml:6:5: unknown key 'anwser' (did you mean 'answer'?)")


def test_a_warning_of_a_cached_file_is_reported_again(project, reads):
    replace_in_file(project / "cards" / "b.yaml", "Third?", "'Third <script>alert(1)</script>?'")
    warned = check(project).deck.warnings
    reads.clear()

    again = check(project).deck.warnings

    assert reads == []
    assert [str(warning) for warning in again] == [str(warning) for warning in warned]
    assert [warning.message.split(",")[0] for warning in again] == ["warning: 'question' contains <script>"]


def test_a_duplicate_id_across_files_is_found_when_one_of_them_is_cached(project):
    check(project)
    replace_in_file(project / "cards" / "b.yaml", "id: b1", "id: a1")

    with pytest.raises(DeckError) as error:
        check(project)

    assert "duplicate card id 'a1'" in str(error.value)


def test_a_missing_picture_added_later_is_found(project):
    add_picture_card(project)
    (project / "cards" / "media" / "phases.png").unlink()
    with pytest.raises(DeckError):
        check(project)
    (project / "cards" / "media" / "phases.png").write_bytes(PNG)

    assert [note.card_id for note in check(project).deck.notes if note.card_id == "picture"] == ["picture"]


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "foreign pickle", "folder"])
def test_a_damaged_cache_gives_the_same_package(damage, project, tmp_path):
    clean = _package(project)
    for entry in (project / "build" / incremental.CACHE_DIR).iterdir():
        data = entry.read_bytes()
        entry.unlink()
        if damage == "truncated":
            entry.write_bytes(data[: len(data) // 2])
        elif damage == "garbage":
            entry.write_bytes(data[:40] + b"x" * (len(data) - 40))
        elif damage == "empty":
            entry.write_bytes(b"")
        elif damage == "foreign pickle":
            entry.write_bytes(b"\x80\x05K\x01.")  # pickle of the number 1
        else:
            entry.mkdir()

    assert _package(project) == clean
    assert _package(project) == clean  # and again, from the cache that build rewrote


def test_the_cache_keeps_only_what_the_last_build_used(project):
    check(project)
    cache = project / "build" / incremental.CACHE_DIR
    first = {path.name for path in cache.iterdir()}
    replace_in_file(project / "cards" / "b.yaml", "Third?", "Third, edited?")
    check(project)
    assert len({path.name for path in cache.iterdir()}) == len(first)
    (project / "cards" / "b.yaml").unlink()
    check(project)
    assert len({path.name for path in cache.iterdir()}) == len(first) - 1


def test_the_served_preview_reads_again_only_the_file_saved(project, reads):
    with tools.serve_preview(project, 0) as server:
        assert sorted(reads) == ["a.yaml", "b.yaml", "c.yaml"]
        reads.clear()
        replace_in_file(project / "cards" / "b.yaml", "Third?", "Third, edited?")

        assert server.refresh()

        assert reads == ["b.yaml"]
        assert "Third, edited?" in server.page.html


def test_lint_finds_the_same_in_cached_cards(project, reads):
    replace_in_file(project / "cards" / "b.yaml", "    source: weissman2017\n", "", count=1)  # L004 missing-source
    fresh = [str(finding) for finding in tools.lint(project, cache=False).findings]
    tools.lint(project)
    reads.clear()

    cached = [str(finding) for finding in tools.lint(project).findings]

    assert reads == []
    assert cached == fresh and any("L004" in finding for finding in cached)


def test_a_build_folder_that_is_a_link_gets_no_cache(project, tmp_path, reads):
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / incremental.CACHE_DIR).mkdir(parents=True)
    (elsewhere / incremental.CACHE_DIR / ("0" * 64)).write_text("someone's file")
    (project / "build").symlink_to(elsewhere)

    check(project)
    check(project)

    assert sorted(reads) == ["a.yaml", "a.yaml", "b.yaml", "b.yaml", "c.yaml", "c.yaml"]  # nothing kept
    assert [path.name for path in (elsewhere / incremental.CACHE_DIR).iterdir()] == ["0" * 64]


def test_pruning_removes_only_the_stores_entries(project):
    cache = project / "build" / incremental.CACHE_DIR
    cache.mkdir(parents=True)
    (cache / "notes.txt").write_text("mine")

    check(project)

    assert (cache / "notes.txt").read_text() == "mine"


def test_a_cached_file_with_a_warning_keeps_no_copy_of_its_yaml_tree(project):
    replace_in_file(project / "cards" / "b.yaml", "Third?", "'Third <script>alert(1)</script>?'")
    check(project)  # the warning's line is found by reading the file again, with positions

    cached = [card for card in check(project).project.cards if card.id == "b1"]

    assert cached[0].where.positions._tree is None
    assert str(check(project).deck.warnings[0]).startswith("cards/b.yaml:5:15: warning: 'question' contains <script>")


def test_an_occlusion_picture_of_another_size_reads_its_card_file_again(project, reads, tmp_path):
    add_occlusion_card(project)
    before = _package(project)
    (project / "cards" / "media" / "heart.png").write_bytes(occlusion_png(800, 600))  # the masks' fractions halve
    reads.clear()

    after = _package(project)

    assert reads == ["occlusion.yaml"]
    assert after != before
    assert after == _clean_package(project, tmp_path)


class _RunsCode:
    """What a forged entry holds: an object whose unpickling runs a shell command (creating `marker`)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def _forged(kind: str, name: str, marker: Path, key_home: Path) -> bytes:
    payload = pickle.dumps(_RunsCode(marker))
    if kind == "checksum":  # the format before entries were signed: magic bytes and a CRC32
        return b"deckgen-cache 1\n" + zlib.crc32(payload).to_bytes(4, "little") + payload
    if kind == "wrong signature":
        return store.MAGIC + hashlib.sha256(payload).digest() + payload
    # Signed with the user's own key (as if it had leaked): the unpickler still refuses the function.
    key = (key_home / "deckgen" / "cache-key").read_bytes()
    signature = hmac.new(key, store.MAGIC + name.encode() + b"\0" + payload, hashlib.sha256).digest()
    return store.MAGIC + signature + payload


@pytest.mark.parametrize("kind", ["checksum", "wrong signature", "signed"])
def test_a_forged_entry_runs_nothing_and_the_package_is_a_clean_builds(kind, project, tmp_path, cache_key_home,
                                                                       run_cli):
    clean = _clean_package(project, tmp_path)
    _package(project)
    marker = tmp_path / "ran"
    cache = project / "build" / incremental.CACHE_DIR
    names = {path.name for path in cache.iterdir()} | {"media-digests"}  # the fixed name is read first of all
    for name in names:
        (cache / name).write_bytes(_forged(kind, name, marker, cache_key_home))

    assert run_cli("check", cwd=project).exit_code == 0
    assert _package(project) == clean
    assert not marker.exists()


def test_entries_signed_with_another_users_key_are_read_again(project, reads, cache_key_home, monkeypatch):
    check(project)
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_key_home.parent / "another-user"))
    reads.clear()

    check(project)
    check(project)

    assert sorted(reads) == ["a.yaml", "b.yaml", "c.yaml"]  # once: then signed with this user's key


def test_the_key_is_made_once_outside_the_project_readable_by_its_user_alone(project, cache_key_home):
    check(project)
    key = cache_key_home / "deckgen" / "cache-key"
    made = key.read_bytes()

    check(project)

    assert len(made) == secret.KEY_BYTES and key.read_bytes() == made
    assert key.stat().st_mode & 0o777 == 0o600
    assert not list(project.rglob("cache-key"))


def test_on_a_disk_without_links_the_key_is_made_in_place(project, reads, cache_key_home, monkeypatch):
    def no_links(source, target):
        raise PermissionError("this file system has no hard links")

    monkeypatch.setattr(os, "link", no_links)
    check(project)
    reads.clear()

    check(project)

    assert reads == []
    key = cache_key_home / "deckgen" / "cache-key"
    assert key.stat().st_mode & 0o777 == 0o600 and len(key.read_bytes()) == secret.KEY_BYTES
    assert [path.name for path in key.parent.iterdir()] == ["cache-key"]  # no temporary file left


@pytest.mark.parametrize("problem", ["the cache folder is a file", "the key is a folder", "the key is short",
                                     "no home"])
def test_without_a_key_the_build_goes_on_without_its_cache(problem, project, reads, tmp_path, cache_key_home,
                                                           monkeypatch):
    if problem == "the cache folder is a file":
        cache_key_home.write_text("not a folder")
    elif problem == "the key is a folder":
        (cache_key_home / "deckgen" / "cache-key").mkdir(parents=True)
    elif problem == "the key is short":
        (cache_key_home / "deckgen").mkdir(parents=True)
        (cache_key_home / "deckgen" / "cache-key").write_bytes(b"short")
    else:
        monkeypatch.delenv("XDG_CACHE_HOME")
        monkeypatch.setenv("HOME", "")
        monkeypatch.setattr(Path, "home", lambda: (_ for _ in ()).throw(RuntimeError("no home")))
    clean = _clean_package(project, tmp_path)
    reads.clear()

    assert _package(project) == clean
    assert _package(project) == clean
    assert sorted(reads) == ["a.yaml", "a.yaml", "b.yaml", "b.yaml", "c.yaml", "c.yaml"]  # nothing kept
    assert not (project / "build" / incremental.CACHE_DIR).exists()


def test_an_entry_that_is_not_a_regular_file_of_a_bounded_size_is_not_read(project, reads, tmp_path, monkeypatch):
    clean = _package(project)
    cache = project / "build" / incremental.CACHE_DIR
    entries = sorted((path for path in cache.iterdir() if path.name != "media-digests"),
                     key=lambda path: path.stat().st_size)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.move(entries[0], elsewhere / "kept")
    entries[0].symlink_to(elsewhere / "kept")  # an entry this user signed, but reached through a link
    entries[1].unlink()
    os.mkfifo(entries[1])  # opening a named pipe to read it waits for a writer
    monkeypatch.setattr(store, "MAX_ENTRY_BYTES", entries[2].stat().st_size - 1)  # the largest: the others fit
    reads.clear()

    assert _package(project) == clean
    assert len(reads) == 3


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="an address-space limit (RLIMIT_AS) is Linux's")
def test_an_entry_linked_to_an_endless_device_is_not_read(project, cache_key_home):
    """An entry committed as a link to /dev/zero: read whole, it would take all the memory there is.
    In a process of its own, whose memory is bounded: a MemoryError there is this bug."""
    cache = project / "build" / incremental.CACHE_DIR
    cache.mkdir(parents=True)
    (cache / "media-digests").symlink_to("/dev/zero")
    (cache / ("0" * 64)).symlink_to("/dev/zero")

    def bounded() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "deckgen", "check"], cwd=project, capture_output=True, text=True,
                            timeout=300, preexec_fn=bounded, env={**os.environ, "XDG_CACHE_HOME": str(cache_key_home)})

    assert result.returncode == 0, result.stderr[-500:]
    assert time.monotonic() - started < 60


def test_every_kind_of_card_is_kept_by_the_cache(project, reads):
    """Each class a card or its rendering holds must be one the store may unpickle: one it may not
    would make every entry holding it a miss, and this test red."""
    add_picture_card(project)
    add_occlusion_card(project)
    (project / "cards" / "table.csv").write_text("id,kind,subdeck,question,answer,source\n"
                                                 "t1,basic,first,A table's question?,Its answer,weissman2017\n")
    check(project)
    reads.clear()

    assert len(check(project).project.cards) == 9
    assert reads == []
