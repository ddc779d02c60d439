"""Property-based: whatever text or YAML an educator writes, deckgen answers with success or its
own error, never another exception, and quickly (hypothesis fails any example over its deadline)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import make_project
from helpers import unsafe_parts
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from deckgen import ids
from deckgen.commands.pipeline import check
from deckgen.errors import DeckError, Location, Problem
from deckgen.source.load import read_yaml
from deckgen.text.markup import to_html

PROPERTY = settings(max_examples=150, deadline=2000,
                    suppress_health_check=[HealthCheck.too_slow])
YAML_CHARACTERS = st.sampled_from(list(":-[]{}&*!|>'\"#%@`?,\\ \n\t\r") + list("abcxyz019") + ["é", "\x00", "\ufeff"])

@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """One folder for the module's examples, made once (hypothesis runs each test many times) and
    removed with pytest's other temporary folders."""
    folder = tmp_path_factory.mktemp("properties")
    make_project(folder / "project")
    return folder


def _read(workspace: Path, data: bytes):
    path = workspace / "document.yaml"
    path.write_bytes(data)
    try:
        return read_yaml(path, "document.yaml")
    except DeckError as error:
        assert error.problems and all(p.location.path == "document.yaml" for p in error.problems)
        return error


@PROPERTY
@given(st.binary(max_size=3000))
def test_any_bytes_give_a_tree_or_our_error(workspace, data):
    _read(workspace, data)


@PROPERTY
@given(st.text(YAML_CHARACTERS, max_size=400))
def test_yaml_like_text_gives_a_tree_or_our_error(workspace, text):
    _read(workspace, text.encode("utf-8"))


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=40))
DOCUMENTS = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=25,
)
FIELD_TEXT = st.text(max_size=200)
CARDS = st.fixed_dictionaries(
    {"id": st.text(max_size=20), "kind": st.sampled_from(["basic", "reverse", "cloze", "list", "typed", "bogus"])},
    optional={
        "question": FIELD_TEXT, "answer": FIELD_TEXT, "text": FIELD_TEXT, "extra": FIELD_TEXT,
        "items": st.lists(FIELD_TEXT, max_size=4), "topic": st.text(max_size=50),
        "source": st.sampled_from(["weissman2017", "nobody"]), "tags": st.lists(st.text(max_size=15), max_size=3),
        "ordered": st.booleans(), "media": st.lists(st.text(max_size=12), max_size=2),
        "subdeck": st.sampled_from(["first", "second", "third"]),
    },
)
CARD_FILES = st.fixed_dictionaries(
    {"subdeck": st.sampled_from(["first", "nowhere"]), "cards": st.lists(CARDS, max_size=4)})


def _check(workspace: Path, document) -> None:
    project = workspace / "project"
    (project / "cards" / "generated.yaml").write_text(yaml.safe_dump(document, allow_unicode=True))
    try:
        check(project)
    except DeckError as error:
        assert error.problems


@PROPERTY
@given(DOCUMENTS)
def test_any_yaml_document_as_a_card_file_gives_success_or_our_error(workspace, document):
    _check(workspace, document)


@PROPERTY
@given(CARD_FILES)
def test_card_shaped_documents_give_success_or_our_error(workspace, document):
    _check(workspace, document)


@PROPERTY
@given(st.text(max_size=300))
def test_any_field_text_renders_to_safe_html_or_our_problem(text):
    result = to_html(text, Location("x.yaml", 1, 1), "answer", media_names={})

    if isinstance(result, Problem):  # a media file the card does not list: said at the field
        assert result.location == Location("x.yaml", 1, 1) and result.message.startswith("'answer' ")
    else:
        assert unsafe_parts(result.html) == []


# Pieces of the markup that holds other text (maths, code blocks, tables), of payloads and of lines.
RICH_PIECES = st.sampled_from([
    "\\(", "\\)", "\\[", "\\]", "\\\\", "```", "```python", "```html", "~~~", "    ", "| a ", "|", "|---",
    "|:-:", "\n", "\n\n", "x_1", "*", "{", "}", "[sound:a.mp3]", "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>", '<span class="k">', "<td>", "[x](javascript:alert(1))", "&#92;(",
])


@PROPERTY
@given(st.lists(RICH_PIECES, max_size=30).map("".join))
def test_maths_code_blocks_and_tables_in_any_mixture_render_to_safe_html(text):
    result = to_html(text, Location("x.yaml", 1, 1), "answer", media_names={"a.mp3": "a-0123456789abcdef.mp3"})

    assert not isinstance(result, Problem), result
    assert unsafe_parts(result.html) == []  # a style= attribute among them


PLAIN_ALPHABET = st.sampled_from(list("abcXYZ 019.,;?'\"()/%+=-é—") + ["\u00a0"])


@PROPERTY
@given(st.text(PLAIN_ALPHABET, max_size=80))
def test_the_plain_text_shortcut_renders_exactly_like_the_full_markdown_pipeline(text):
    import re

    from deckgen.text import markup

    where = Location("x.yaml", 1, 1)
    shortcut = to_html(text, where, "answer", media_names={})
    saved = markup._PLAIN, markup._NEEDS_TOKENS
    markup._PLAIN, markup._NEEDS_TOKENS = re.compile(r"(?!)"), re.compile(r"")  # always the full parser
    try:
        full = to_html(text, where, "answer", media_names={})
    finally:
        markup._PLAIN, markup._NEEDS_TOKENS = saved

    assert shortcut == full


MARKDOWN_ALPHABET = st.sampled_from(list("abc XY 09.,;?'\"()[]/%+=-*_`~#>&\\!|{}:") + ["é", "\u00a0", "\t"])


@settings(max_examples=600, deadline=2000)
@example("a \\(x_1 * y_2 *\\) b")  # maths must not take the fast path
@example("x\\]")
@example("x \\\\(y")
@given(st.one_of(
    st.text(MARKDOWN_ALPHABET, max_size=80),
    st.builds(str.__add__, st.sampled_from(list("aXé")), st.text(MARKDOWN_ALPHABET, max_size=80)),
))
def test_the_fast_renderer_agrees_with_the_full_markdown_pipeline(text):
    import re

    from deckgen.text import markup

    where = Location("x.yaml", 1, 1)
    fast = to_html(text, where, "answer", media_names={})
    never = re.compile(r"(?!)")
    saved = markup._PLAIN, markup._NEEDS_TOKENS
    markup._PLAIN, markup._NEEDS_TOKENS = never, re.compile(r"")
    try:
        full = to_html(text, where, "answer", media_names={})
    finally:
        markup._PLAIN, markup._NEEDS_TOKENS = saved

    assert fast == full


@PROPERTY
@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_a_guid_is_its_number_in_base_91_most_significant_digit_first(number):
    """GUIDs are written two digits at a time for speed; students' notes are matched by them, so
    they must stay exactly the number's base-91 digits."""
    digits, rest = [], number
    while rest:
        rest, digit = divmod(rest, 91)
        digits.append(ids._BASE91[digit])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ids, "_digest", lambda *parts: number)
        assert ids.note_guid(1, "card") == ("".join(reversed(digits)) or "a")
