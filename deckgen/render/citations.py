"""Citations: the short form on a card's back and the full APA 7 reference, from structured data."""

from __future__ import annotations

from html import escape

from deckgen.source.deck import Reference


def _family_name(author: str) -> str:
    return author.split(",")[0].strip()


def short_citation(reference: Reference) -> str:
    """APA in-text form: Weissman, 2017 · Bleiberg & Markowitz, 2019 · Cuijpers et al., 2016."""
    names = [_family_name(author) for author in reference.authors]
    if len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} & {names[1]}"
    else:
        who = f"{names[0]} et al."
    return f"{who}, {reference.year}"


def _author_list(authors: tuple[str, ...]) -> str:
    if len(authors) == 1:
        return authors[0]
    if len(authors) <= 20:
        return ", ".join(authors[:-1]) + ", & " + authors[-1]
    return ", ".join(authors[:19]) + ", … " + authors[-1]


def _end_with_period(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else text + "."


def apa_html(reference: Reference) -> str:
    """The full APA reference as HTML (italics where APA wants them); every part escaped."""
    parts = [escape(_end_with_period(_author_list(reference.authors))), f"({reference.year})."]
    if reference.journal:
        parts.append(escape(_end_with_period(reference.title)))
        source = f"<i>{escape(reference.journal)}</i>"
        if reference.volume:
            source += f", <i>{escape(reference.volume)}</i>"
            if reference.issue:
                source += f"({escape(reference.issue)})"
        if reference.pages:
            source += f", {escape(reference.pages)}"
        parts.append(source + ".")
    else:
        title = escape(reference.title)
        parts.append(f"<i>{title}</i>" if title.endswith((".", "?", "!")) else f"<i>{title}</i>.")
        if reference.publisher:
            parts.append(escape(_end_with_period(reference.publisher)))
    if reference.doi:
        parts.append(escape(f"https://doi.org/{reference.doi}"))
    return " ".join(parts)
