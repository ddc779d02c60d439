"""The preview page: one self-contained HTML file of a PreviewContent (cards.py says what it shows).

Contents by subdeck, a search box and filters, a day/night switch, a phone view (with the deck's
phone rules: phonecss.py), a compact view of many notes a screen and, when
served, a reload on change: the page's own script (preview.js) and style (preview.css) do that
around the cards. Each card's HTML is put in the page as rendered for Anki, its maths typeset as
MathML (typeset.py) where the reviewer's MathJax typesets it, inside a `.card` element as Anki's
reviewer puts it, and styled by the deck's CSS alone.

The page loads nothing: a Content-Security-Policy lets only its own script and style run (by
hash), and images and sounds come only from where the page itself is (the server's media).
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections import Counter
from importlib.resources import files

from deckgen.changes import notes as diff
from deckgen.preview.cards import PreviewCard, PreviewContent, PreviewNote
from deckgen.preview.phonecss import with_phone_view
from deckgen.preview.typeset import typeset

VERSION_PATH = "/_version"  # where a served page asks for the build it shows (serve.py)

# The page's own elements have ids that start with "_": a card id never does (model.CARD_ID), so
# an anchor #<card id> always finds the card.
_CHANGE_LABELS = {diff.ADDED: "new", diff.CHANGED: "changed", diff.RETIRED: "retired"}


def asset(name: str) -> str:
    """One of this room's own files (a page's script or style), as the browser reads its text."""
    # The HTML parser reads CR LF as LF: the hash must be of the text as the browser reads it.
    return files("deckgen.preview").joinpath(name).read_text(encoding="utf-8").replace("\r\n", "\n").replace("\r", "\n")


def csp_hash(text: str) -> str:
    """The Content-Security-Policy source that lets exactly `text` run (as a script) or apply (as a style)."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def page_html(content: PreviewContent, version: str | None = None) -> str:
    """The page; `version` names the build when served, and the page reloads when it changes."""
    script = asset("preview.js")
    style = (with_phone_view(content.css) + "\n" + asset("preview.css")).replace("\r\n", "\n").replace("\r", "\n")
    policy = (f"default-src 'none'; script-src {csp_hash(script)}; style-src {csp_hash(style)}; img-src 'self'; "
              "media-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'")
    live = f' data-version="{_e(version)}" data-version-url="{VERSION_PATH}"' if version is not None else ""
    groups = {key: [note for note in content.notes if note.subdeck == key] for key, _ in content.subdecks}
    sections = [_subdeck(key, name, groups[key]) for key, name in content.subdecks if groups[key]]
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(content.title)} · preview</title>\n<style>{style}</style>\n</head>\n"
        f'<body data-cards="{content.cards}"{live}>\n<div class="preview-layout">\n'
        f"{_sidebar(content, groups)}"
        f'<main class="preview-main">\n{_problems(content)}' + "".join(sections) + "</main>\n</div>\n"
        f"<script>{script}</script>\n</body>\n</html>\n"
    )


def _summary(content: PreviewContent) -> str:
    parts = [_count(len(content.notes), "note"), _count(content.cards, "card")]
    if content.since is not None:
        changes = Counter(note.change for note in content.notes if note.change)
        marked = ", ".join(f"{changes[change]} {label}" for change, label in _CHANGE_LABELS.items() if changes[change])
        parts.append(f"since {content.since}: {marked or 'no change'}")
    if content.template_script:
        parts.append("templates may run script (allow_template_script; not run in this preview)")
    return " · ".join(_e(part) for part in parts)


def _options(name: str, label: str, values: list[tuple[str, str]]) -> str:
    options = "".join(f'<option value="{_e(value)}">{_e(text)}</option>' for value, text in values)
    return (f'<label class="preview-filter">{label} <select id="_{name}">'
            f'<option value="">all</option>{options}</select></label>\n')


def _sidebar(content: PreviewContent, groups: dict[str, list[PreviewNote]]) -> str:
    tags = sorted({tag for note in content.notes for tag in note.tags})
    kinds = sorted({note.kind for note in content.notes})
    changed = ('<label class="preview-filter preview-check"><input type="checkbox" id="_changed"> only cards '
               f"new or changed since {_e(content.since)}</label>\n") if content.since is not None else ""
    contents = "".join(
        f'<li><a href="#_subdeck-{_e(key)}">{_e(name)}</a> <span class="preview-count">'
        f"{_count(len(groups[key]), 'note')} · {_count(sum(len(note.cards) for note in groups[key]), 'card')}"
        f"{_changed_count(groups[key])}</span></li>\n"
        for key, name in content.subdecks
    )
    return (
        '<aside class="preview-side">\n'
        f"<h1>{_e(content.title)}</h1>\n<p class=\"preview-summary\">{_summary(content)}</p>\n"
        '<div class="preview-controls" role="search">\n'
        '<label class="preview-filter preview-search">Search <input type="search" id="_search" '
        'placeholder="words, a card id or a file" autocomplete="off"></label>\n'
        + _options("subdeck", "Subdeck", list(content.subdecks))
        + _options("tag", "Tag", [(tag, tag) for tag in tags])
        + _options("kind", "Kind", [(kind, kind) for kind in kinds])
        + changed
        + "</div>\n"
        '<div class="preview-switches">'
        '<button type="button" id="_night" aria-pressed="false">Night</button> '
        '<button type="button" id="_phone" aria-pressed="false">Phone width</button> '
        '<button type="button" id="_compact" aria-pressed="false">Compact</button></div>\n'
        f'<p class="preview-status"><span id="_status" role="status">{_count(content.cards, "card")}</span>'
        ' <span id="_live"></span></p>\n'
        + (f'<p class="preview-alert"><a href="#_problems">{_count(len(content.problems), "problem")}</a></p>\n'
           if content.problems else "")
        + f'<nav class="preview-contents" aria-label="Contents"><h2>Contents</h2>\n<ol>\n{contents}</ol>\n</nav>\n'
        "</aside>\n"
    )


def _changed_count(notes: list[PreviewNote]) -> str:
    marked = sum(1 for note in notes if note.change)
    return f" · {marked} marked" if marked else ""


def _problems(content: PreviewContent) -> str:
    if not content.problems:
        return ""
    placed = {problem: note.card_id for note in content.notes for problem in note.problems}
    items = "".join(
        f"<li><code>{_e(str(problem))}</code>"
        + (f' <a href="#{_e(placed[problem])}">card {_e(placed[problem])}</a>' if problem in placed else "")
        + "</li>\n"
        for problem in content.problems
    )
    shown = ("the cards below are the last ones built without problems" if content.notes
             else "no cards can be shown until they are fixed")
    return (f'<section class="preview-problems" id="_problems" role="alert">\n'
            f"<h2>{_count(len(content.problems), 'problem')}: {shown}</h2>\n<ul>\n{items}</ul>\n</section>\n")


def _subdeck(key: str, name: str, notes: list[PreviewNote]) -> str:
    cards = sum(len(note.cards) for note in notes)
    return (
        f'<section class="preview-subdeck" id="_subdeck-{_e(key)}" data-subdeck="{_e(key)}">\n'
        f"<h2>{_e(name)} <span class=\"preview-count\">{_count(len(notes), 'note')} · {_count(cards, 'card')}"
        "</span></h2>\n" + "".join(_note(note) for note in notes) + "</section>\n"
    )


def _note(note: PreviewNote) -> str:
    location = f"{note.location.path}:{note.location.line}"
    change = (f' <span class="preview-change preview-change-{note.change}">{_CHANGE_LABELS[note.change]}</span>'
              if note.change else "")
    problems = ("".join(f"<li><code>{_e(str(problem))}</code></li>" for problem in note.problems)
                if note.problems else "")
    return (
        f'<article class="preview-note{" preview-has-problems" if note.problems else ""}" id="{_e(note.card_id)}" '
        f'data-subdeck="{_e(note.subdeck)}" data-kind="{_e(note.kind)}" data-tags="{_e(" ".join(note.tags))}" '
        f'data-change="{_e(note.change or "")}" data-cards="{len(note.cards)}">\n'
        f'<header class="preview-note-head"><a class="preview-anchor" href="#{_e(note.card_id)}">{_e(note.card_id)}</a>'
        f' <span class="preview-kind">{_e(note.kind)}{" · retired" if note.retired else ""}</span>'
        f' <code class="preview-location">{_e(location)}</code>{change}'
        + (f' <span class="preview-tags">{_e(" ".join(note.tags))}</span>' if note.tags else "")
        + (f' <a class="preview-edit-masks" href="{_e(note.editor)}">edit masks</a>' if note.editor else "")
        + "</header>\n"
        + (f'<ul class="preview-card-problems">{problems}</ul>\n' if problems else "")
        + "".join(_card(card) for card in note.cards)
        + "</article>\n"
    )


def _card(card: PreviewCard) -> str:
    label = card.template + (f" {card.ordinal + 1}" if card.numbered else "")
    # The front and back go in as Anki renders them, with their maths typeset as the reviewer's
    # MathJax would (typeset.py): nothing else of a card's HTML changes.
    return (
        f'<div class="preview-card"><div class="preview-card-name">{_e(label)}</div>'
        f'<div class="preview-sides"><div class="card">{typeset(card.front)}</div>'
        f'<div class="card">{typeset(card.back)}</div></div></div>\n'
    )
