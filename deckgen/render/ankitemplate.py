"""An Anki card template turned into a deckgen Jinja template that renders back to it.

The first step of `deckgen import`: an imported note type keeps its card templates, written as
Jinja files with the `anki` helpers (notetypes.AnkiSyntax), so that they are checked like the
project's own (a field the note type lacks is an error) and render to the template Anki had. Text
between Anki's tags is kept as written; what Jinja would read as its own syntax is written as a
Jinja string, so that it comes out unchanged.
"""

from __future__ import annotations

import json
import re

from deckgen.render.templatetree import ANKI_TAG as _ANKI_TAG

# What Jinja would take as the start of its own syntax in literal text.
_JINJA_START = re.compile(r"(\{[{%#])")
_HELPER = {"#": "if_field", "^": "if_empty", "/": "end_if"}


def _string(text: str) -> str:
    """A Jinja string literal holding `text` (JSON's double-quoted strings are valid Jinja ones)."""
    return json.dumps(text, ensure_ascii=False)


def _literal(text: str) -> str:
    # Jinja's lstrip_blocks and trim_blocks touch only block tags; expressions keep the text around them.
    return _JINJA_START.sub(lambda match: "{{ %s }}" % _string(match.group(1)), text)


def _tag(inner: str) -> str:
    body = inner.strip()
    if body == "FrontSide":
        return "{{ anki.front_side() }}"
    if body[:1] in _HELPER:
        return "{{ anki.%s(%s) }}" % (_HELPER[body[:1]], _string(body[1:].strip()))
    if ":" in body:
        filters, _, field = body.rpartition(":")
        if filters == "cloze":
            return "{{ anki.cloze(%s) }}" % _string(field)
        if filters == "type":
            return "{{ anki.type_answer(%s) }}" % _string(field)
        return "{{ anki.filtered(%s, %s) }}" % (_string(filters), _string(field))
    return "{{ anki.field(%s) }}" % _string(body)


def to_jinja(template: str) -> str:
    """The Jinja text of an Anki card template side. Anki ignores spaces inside a tag's braces, so
    `{{ Front }}` comes back as `{{Front}}`, which Anki reads the same."""
    parts, position = [], 0
    for match in _ANKI_TAG.finditer(template):
        parts.append(_literal(template[position:match.start()]))
        parts.append(_tag(match.group(1)))
        position = match.end()
    parts.append(_literal(template[position:]))
    return "".join(parts)


def literal(text: str) -> str:
    """Jinja text that renders to `text` as it is (a stylesheet: no Anki tags to turn into helpers)."""
    return _literal(text)
