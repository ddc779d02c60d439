"""What `deckgen import` writes as an educator would: ids and file names made from text, unique, and
YAML with text of several lines as a block and keys in their order.
"""

from __future__ import annotations

import re
import unicodedata

import yaml

MAX_SLUG = 48


def slug(text: str, limit: int = MAX_SLUG) -> str:
    """Lower-case ASCII letters and digits joined by '-', at most `limit` characters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(words) > limit:
        words = words[:limit].rsplit("-", 1)[0] if "-" in words[:limit] else words[:limit]
    return words.strip("-")


def unique(name: str, taken: set[str]) -> str:
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name}-{number}", number + 1
    taken.add(candidate)
    return candidate


def unique_file(name: str, taken: set[str]) -> str:
    """A file name no other takes, ignoring case (macOS and Windows do): 'a.png', 'a-2.png'."""
    stem, dot, extension = name.rpartition(".")
    candidate, number = name, 2
    while candidate.casefold() in taken:
        candidate, number = f"{stem}-{number}{dot}{extension}", number + 1
    taken.add(candidate.casefold())
    return candidate


class _LiteralDumper(yaml.SafeDumper):
    """YAML as an educator would write it: text of several lines as a block, keys in order."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_LiteralDumper.add_representer(str, _text)


def yaml_bytes(value: object) -> bytes:
    return yaml.dump(value, Dumper=_LiteralDumper, sort_keys=False, allow_unicode=True, width=100).encode()
