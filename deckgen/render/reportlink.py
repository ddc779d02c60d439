"""The "Report a problem with this card" link on every card, from the checked `report_url` (source/reporturl.py).

`report_url` is a URL template with `{card}` (the card's id), `{version}` and `{deck}` (the deck
name), such as a GitHub "new issue" link with the card's id in its title. It is checked like any
value an educator writes: an http(s) address, only those three placeholders, only characters a
web address holds; anything else is a problem at its `file:line:col`, saying how to fix it.

Where the link lives, and why: at the end of each note's Extra field, which every back shows (the
templates show Extra when it is not empty). Anki fills a template per note only from the note's
fields, so a link in the templates would need the card's id in a new field, and a new field is a
note-type change: students who miss "Merge note types" silently stop receiving updates. In a field,
the link is content: adding, changing or removing `report_url` changes every note, so the next
release updates every note once (as any change to a card does), and changes no note type.

`{version}` is the release that last changed the card, which with the card's id names exactly the
text the student sees; the deck's own version would change every note at every release. It is not
known until the release is planned (the lock records when each card last changed), so the renderer
writes `VERSION_MARK` and `with_versions` puts each note's version in before packaging; the lock's
fingerprint of a note covers the mark, not the version, so it changes only with the card.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from deckgen.source.reporturl import ReportUrl
from deckgen.text.sanitise import inert, sanitise

# Stands for {version} until each note's version is known: '%' not followed by two hex digits is
# refused in a report_url, and quote() writes '%' as '%25', so nothing else in a link reads so.
VERSION_MARK = "%version%"
REPORT_CLASS = "deckgen-report"
LINK_TEXT = "Report a problem with this card"


def report_link(url: ReportUrl, deck: str, card_id: str) -> str:
    """The link for one card, its values URL-encoded and `{version}` left as `VERSION_MARK`. It passes
    the sanitiser as every field does, and Anki's brackets and braces in it are entities."""
    address = url.fill(card=quote(card_id, safe=""), deck=quote(deck, safe=""), version=VERSION_MARK)
    link = sanitise(f'<a href="{html.escape(address)}">{LINK_TEXT}</a>')
    return inert(f'<div class="{REPORT_CLASS}"><small>{link}</small></div>')


_LINK_START = f'<div class="{REPORT_CLASS}">'


def with_versions(notes: tuple[Any, ...], version_of: Callable[[str], str]) -> tuple[Any, ...]:
    """The notes with each report link naming its note's version (`version_of` a card id). Only the
    link changes: a card's own text may say %version% too. (The link ends the field it is in, and
    no card text can hold its <div>, which the sanitiser leaves out of every field.) The version
    comes from the lock, after the sanitiser: it is written URL-encoded and escaped for the attribute,
    whatever it holds."""
    def filled(field: str, version: str) -> str:
        start = field.rfind(_LINK_START)
        written = html.escape(quote(version, safe=""), quote=True)
        return field if start < 0 else field[:start] + field[start:].replace(VERSION_MARK, written)

    return tuple(
        replace(note, fields=tuple(filled(field, version_of(note.card_id)) for field in note.fields))
        if any(_LINK_START in field for field in note.fields) else note
        for note in notes
    )


_REPORT_ELEMENT = re.compile(f'<div class="{REPORT_CLASS}">.*?</div>', re.DOTALL)


_HREF = re.compile(r'<a href="([^"]*)"')


def report_address(field: str) -> str | None:
    """The address the field's report link leads to, or None when it has none (for release notes)."""
    element = _REPORT_ELEMENT.search(field) if REPORT_CLASS in field else None
    href = _HREF.search(element.group()) if element else None
    return html.unescape(href.group(1)) if href else None


def without_report_link(field: str) -> str:
    """A field as the card's content has it, without the report link (for release notes)."""
    return _REPORT_ELEMENT.sub("", field) if REPORT_CLASS in field else field
