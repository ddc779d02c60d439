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
known until the release is planned (the lock records when each card last changed), so a rendered note
carries its link as a `ReportLink` beside its fields, split where the version goes, and the link
joins its field when the package (or preview) is written: nothing reads rendered HTML back to put
the version in. The lock's fingerprint of a note covers the link with `VERSION_MARK` where the
version goes, so it changes only with the card.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import quote

from deckgen.source.reporturl import ReportUrl
from deckgen.text.sanitise import inert, sanitise

# Stands for {version} until each note's version is known: '%' not followed by two hex digits is
# refused in a report_url, and quote() writes '%' as '%25', so nothing else in a link reads so.
VERSION_MARK = "%version%"
REPORT_CLASS = "deckgen-report"
LINK_TEXT = "Report a problem with this card"


@dataclass(frozen=True, slots=True)  # one per card: no __dict__ each
class ReportLink:
    """A card's report link, carried beside the note's fields until its version is known."""

    field: int  # the index of the field it ends (Extra)
    pieces: tuple[str, ...]  # its HTML, split where the version goes
    address_pieces: tuple[str, ...]  # the address it leads to, split where the version goes
    version: str | None = None  # the release that last changed the card; None until the plan gives it

    def html(self, versioned: bool = True) -> str:
        """The link as the field ends with it: the version URL-encoded and escaped for the attribute
        (it comes from the lock, after the sanitiser), or `VERSION_MARK` while it is not known (or
        not `versioned`: as the lock's fingerprint covers it)."""
        if self.version is None or not versioned:
            return VERSION_MARK.join(self.pieces)
        return html.escape(quote(self.version, safe=""), quote=True).join(self.pieces)

    @property
    def address(self) -> str:
        """Where the link leads (for release notes and the preview)."""
        return (VERSION_MARK if self.version is None else quote(self.version, safe="")).join(self.address_pieces)


def report_link(url: ReportUrl, deck: str, card_id: str, field: int) -> ReportLink:
    """The link for one card at the end of field number `field`, its values URL-encoded. It passes
    the sanitiser as every field does, and Anki's brackets and braces in it are entities."""
    address = url.fill(card=quote(card_id, safe=""), deck=quote(deck, safe=""), version=VERSION_MARK)
    link = sanitise(f'<a href="{html.escape(address)}">{LINK_TEXT}</a>')
    shown = inert(f'<div class="{REPORT_CLASS}"><small>{link}</small></div>')
    return ReportLink(field, tuple(shown.split(VERSION_MARK)), tuple(address.split(VERSION_MARK)))


_REPORT_ELEMENT = re.compile(f'<div class="{REPORT_CLASS}">.*?</div>', re.DOTALL)


_HREF = re.compile(r'<a href="([^"]*)"')


def report_address(field: str) -> str | None:
    """The address the field's report link leads to, or None when it has none (for release notes
    of a package read back: a rendered note carries its `ReportLink`)."""
    element = _REPORT_ELEMENT.search(field) if REPORT_CLASS in field else None
    href = _HREF.search(element.group()) if element else None
    return html.unescape(href.group(1)) if href else None


def without_report_link(field: str) -> str:
    """A field as the card's content has it, without the report link (for release notes)."""
    return _REPORT_ELEMENT.sub("", field) if REPORT_CLASS in field else field
