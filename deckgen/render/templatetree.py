"""Anki's template language, parsed once into a small tree: text, fields, and sections.

A card template as Anki reads it (rslib `template.rs`): `{{Field}}`, `{{filter:…:Field}}`,
`{{#Field}}…{{/Field}}` (shown when the field has content) and `{{^Field}}…{{/Field}}` (shown when it
is empty). A section left open, or closed under another name, makes Anki show "Front/Back template
has a problem" on every card of the note type (and genanki fails on a front template), so it is a
problem here, at the offset of the tag in the template's text. Everything that asks about a
template's Anki syntax (which cards a note makes, where fields stand) asks this tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Anki's tags: {{Field}}, {{#Field}}, {{^Field}}, {{/Field}}, {{filter:...:Field}}.
ANKI_TAG = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)


@dataclass(frozen=True)
class Text:
    text: str
    offset: int


@dataclass(frozen=True)
class Field:
    """`{{filters:Name}}`: `name` is the field (or FrontSide, Tags …), `filters` in the order written."""

    name: str
    filters: tuple[str, ...]
    offset: int
    tag: str  # as written, for finding it in the template's source


@dataclass(frozen=True)
class Section:
    """`{{#Name}}…{{/Name}}`, or with `inverted` `{{^Name}}…{{/Name}}`."""

    name: str
    inverted: bool
    children: tuple[Node, ...]
    offset: int
    tag: str  # the opening tag as written


Node = Text | Field | Section


@dataclass(frozen=True)
class AnkiTemplate:
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class SyntaxProblem:
    """Where the template's sections do not nest, and what to write instead."""

    offset: int
    tag: str  # the tag as written, for finding it in the template's source
    message: str


def parse(text: str) -> AnkiTemplate | SyntaxProblem:
    """The template's tree, or the first place where its sections do not nest."""
    # Each open section: its name, whether inverted, its tag's offset and text, and its children so far.
    stack: list[tuple[str, bool, int, str, list[Node]]] = [("", False, 0, "", [])]
    position = 0
    for match in ANKI_TAG.finditer(text):
        if match.start() > position:
            stack[-1][4].append(Text(text[position:match.start()], position))
        position = match.end()
        body = match.group(1).strip()
        sigil = body[:1]
        if sigil in ("#", "^"):
            stack.append((body[1:].strip(), sigil == "^", match.start(), match.group(), []))
        elif sigil == "/":
            name = body[1:].strip()
            if len(stack) == 1:
                return SyntaxProblem(match.start(), match.group(),
                                     f"'{match.group()}' closes a section that was never opened: remove it, or open "
                                     f"the section with {{{{#{name}}}}} before it")
            opened, inverted, offset, tag, children = stack.pop()
            if name != opened:
                return SyntaxProblem(match.start(), match.group(),
                                     f"'{match.group()}' closes '{tag}', which must be closed with "
                                     f"{{{{/{opened}}}}} first (sections nest: the last opened closes first)")
            stack[-1][4].append(Section(opened, inverted, tuple(children), offset, tag))
        else:
            filters, _, name = body.rpartition(":")
            stack[-1][4].append(Field(name.strip(), tuple(part.strip() for part in filters.split(":")) if filters
                                      else (), match.start(), match.group()))
    if position < len(text):
        stack[-1][4].append(Text(text[position:], position))
    if len(stack) > 1:
        opened, _, offset, tag, _ = stack[-1]
        return SyntaxProblem(offset, tag, f"section '{tag}' is never closed: Anki would show \"template has a "
                                          f"problem\" on every card; close it with {{{{/{opened}}}}}")
    return AnkiTemplate(tuple(stack[0][4]))


def makes_card(template: AnkiTemplate, filled: frozenset[str] | set[str]) -> bool:
    """Whether Anki makes a card of this front template for a note whose non-empty fields are
    `filled`: it does when the template shows one of them outside a section that stays hidden
    ({{#Empty}}…{{/Empty}}, {{^Filled}}…{{/Filled}}). Text alone makes no card."""

    def shows(nodes: tuple[Node, ...]) -> bool:
        for node in nodes:
            if isinstance(node, Field) and node.name != "FrontSide" and node.name in filled:
                return True
            if isinstance(node, Section) and (node.name in filled) != node.inverted and shows(node.children):
                return True
        return False

    return shows(template.nodes)
