"""The "Report a problem with this card" address: `report_url` in deck.yaml, read and checked.

`report_url` is a URL template with `{card}` (the card's id), `{version}` and `{deck}` (the deck
name), such as a GitHub "new issue" link with the card's id in its title. It is checked like any
value an educator writes: an http(s) address, only those three placeholders, only characters a
web address holds; anything else is a problem at its `file:line:col`, saying how to fix it.
render/reportlink.py puts the link on every card.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from deckgen.errors import shortened
from deckgen.source.keys import Key, TextKey, closest, complain

PLACEHOLDERS = ("card", "version", "deck")
MAX_URL_CHARS = 2_000
_EXAMPLE = "https://github.com/OWNER/REPO/issues/new?title=Card+{card}+(v{version})"
# What a web address may hold as it is (RFC 3986: unreserved, reserved, and '%' escapes).
_URL_CHARACTER = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]")
_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


@dataclass(frozen=True)
class ReportUrl:
    """A checked `report_url`: its literal parts and placeholders, in order."""

    parts: tuple[tuple[str, str | None], ...]  # (literal text, placeholder that follows or None)

    def fill(self, **values: str) -> str:
        return "".join(literal + (values[name] if name else "") for literal, name in self.parts)


_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def parse_report_url(template: str) -> ReportUrl | str:
    """The template's parts, or what is wrong with it, as a message naming the key."""
    parts, position = [], 0
    for placeholder in _PLACEHOLDER.finditer(template):
        parts.append((template[position:placeholder.start()], placeholder.group(1)))
        position = placeholder.end()
    parts.append((template[position:], None))
    if any("{" in literal or "}" in literal for literal, _ in parts):
        return ("'report_url' has a brace that opens or closes no placeholder: write placeholders as {card}, "
                "{version} or {deck}, and a brace that belongs in the address as %7B or %7D")
    for _, name in parts:
        if name is not None and name not in PLACEHOLDERS:
            close = closest(name, PLACEHOLDERS)
            hint = f" (did you mean {{{close}}}?)" if close else ""
            return (f"'report_url' has the placeholder {{{name}}}, which deckgen does not fill{hint}: "
                    "use {card}, {version} or {deck}")
    return _address_problem(template, tuple(parts)) or ReportUrl(tuple(parts))


# A host name (or an IPv6 address, without its brackets): what nh3 keeps in a link.
_HOST = re.compile(r"(?=.*[a-z0-9])[a-z0-9.-]+|[0-9a-f:.]+")


def _address_problem(template: str, parts: tuple[tuple[str, str | None], ...]) -> str | None:
    """What makes the template no web address students can open safely, or None."""
    sample = "".join(literal + ("placeholder-0" if name else "") for literal, name in parts)
    try:
        address = urlsplit(sample)
        address.port  # a port that is no number, or past 65535, is refused here  # noqa: B018
    except ValueError:
        return (f"'report_url' is not a web address a browser can open ('{shortened(template, 40)}'): "
                f"check its host and its port (a number up to 65535), or write it as {_EXAMPLE}")
    if address.scheme.lower() not in ("http", "https") or not address.netloc:
        return (f"'report_url' must be a web address starting with https:// or http://, got "
                f"'{shortened(template, 40)}': a student's Anki opens anything else as it is; write the address "
                f"of the page where students report a problem, such as {_EXAMPLE}")
    if "placeholder-0" in address.netloc:
        return "'report_url' has a placeholder in its host name: keep the host fixed, and put placeholders after it"
    if "@" in address.netloc:
        return ("'report_url' has an '@' before its host: a browser goes to what follows the '@' "
                "(https://github.com@example.org is example.org); write the address without it")
    if not _HOST.fullmatch(address.hostname or ""):
        return (f"'report_url' has the host '{address.hostname or ''}', which is not a host name: write one such as "
                "github.com (letters, digits, '-' and '.')")
    literal = "".join(text for text, _ in parts)
    odd = next((character for character in literal if not _URL_CHARACTER.match(character)), None)
    if odd is not None:
        shown = "a space" if odd == " " else repr(odd)
        return (f"'report_url' contains {shown}, which a web address cannot hold as it is: write it "
                f"percent-encoded ({quote(odd, safe='')})")
    if _PERCENT.search(literal):
        return "'report_url' has a '%' not followed by two hex digits: write a % that belongs in the address as %25"
    if "card" not in {name for _, name in parts}:
        return ("'report_url' has no {card}: put {card} where the card's id goes (in the issue title, say), so that "
                "every report names its card")
    return None


class ReportUrlKey(TextKey):
    """deck.yaml's `report_url`: read as a checked `ReportUrl`."""

    def __init__(self) -> None:
        super().__init__("report_url", "Address of the page where students report a problem with a card, with "
                         "{card}, {version} and {deck} filled in.", expected="a web address", limit=MAX_URL_CHARS)

    def rules(self, text: str, context: Any) -> Any:
        parsed = parse_report_url(text.strip())
        return complain(parsed) if isinstance(parsed, str) else parsed

    made = Key.made  # the checked ReportUrl

    def json_schema(self, context: Any) -> dict[str, Any]:
        return {"type": "string", "pattern": "^[hH][tT][tT][pP][sS]?://", "maxLength": MAX_URL_CHARS}
