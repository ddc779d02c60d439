"""The allow-list for a note type's CSS, and the record of what the template policy finds.

CSS may load nothing from elsewhere (`@import`, a remote `url()`, `@font-face` from the web) and
may not hold `</` or `<!`: Anki wraps it in a `<style>` element, which `</style>` would end; nor
any other `<` (Anki's media-name escaping runs over the stylesheet too). CSS is read with tinycss2
(a CSS Syntax Level 3 tokenizer, which decodes escapes as browsers do: `u\\72l(` is `url(`).
templatepolicy.py checks templates, and `style=` attributes here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import tinycss2
import tinycss2.ast

from deckgen.errors import shortened

LOCAL_FILE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*\Z")
FRAGMENT = re.compile(r"#[A-Za-z0-9_-]+\Z")
# `</style`, however the CSS hides it: Anki puts the CSS in a <style> element, which the first `</`
# of `</style` ends (a comment or a string does not stop it); `<!--` starts HTML's own escapes.
END_OF_STYLE = re.compile(r"<[\s\\]*[/!]")
# Any other '<': Anki rewrites `<img … src=…` wherever it stands in a card's HTML (its media-name
# escaping, which eats a quote), the <style> element with the CSS included, so CSS holds no '<' at all.
OTHER_LESS_THAN = re.compile(r"<(?![\s\\]*[/!])")
FORBIDDEN_CSS_FUNCTIONS = {
    "expression": "runs script in old browsers",
    "image-set": "loads images by address: use url(file)",
    "-webkit-image-set": "loads images by address: use url(file)",
}
FORBIDDEN_CSS_NAMES = {"-moz-binding": "loads script in old browsers", "behavior": "loads script in old browsers"}
# Every token the CSS rules look for is spelt with one of these (or with an escape, a backslash):
# CSS without any is not tokenized at all, which is most stylesheets, and saves most of the time.
CSS_WORTH_READING = re.compile(r"\\|url|src|@import|@namespace|expression|image-set|binding|behavior", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Finding:
    """One thing the policy forbids: its 0-based offset in the checked text, the text at fault as
    written there (to find it in the template's source), and the message."""

    offset: int
    snippet: str
    message: str
    removed: str  # what an import removes, in a few words ("<script>", "url(https://…)")


def _url_problem(address: str, function: str) -> str | None:
    if LOCAL_FILE.match(address) or FRAGMENT.match(address):
        return None
    shown = shortened(address, 60)
    if re.match(r"\s*data:", address, re.IGNORECASE):
        where = f"a data: address ({shortened(address, 30)})"
    elif re.match(r"\s*[a-z][a-z0-9+.-]*:|\s*//", address, re.IGNORECASE):
        where = f"a remote host ({shown})"
    else:
        where = f"'{shown}', which is not a plain file name"
    return (f"{function} to {where}: a card may load only the deck's own files; write the plain name of a file in "
            "the students' Anki media (url(_font.woff2): a name starting with '_' stays in their media folder)")


def _tokens(values: list[Any]) -> Iterator[Any]:
    for value in values:
        yield value
        if isinstance(value, (tinycss2.ast.FunctionBlock, tinycss2.ast.SquareBracketsBlock,
                              tinycss2.ast.ParenthesesBlock, tinycss2.ast.CurlyBracketsBlock)):
            yield from _tokens(value.arguments if isinstance(value, tinycss2.ast.FunctionBlock) else value.content)


def css_findings(css: str, declarations: bool = False) -> list[tuple[int, int, str, str, str]]:
    """(line, column, snippet, message, removed) of each thing the policy forbids in the CSS."""
    found = []
    values = tinycss2.parse_component_value_list(css, skip_comments=False) if CSS_WORTH_READING.search(css) else []
    for token in _tokens(values):
        line, column = token.source_line, token.source_column
        if isinstance(token, tinycss2.ast.AtKeywordToken) and token.lower_value in ("import", "namespace"):
            found.append((line, column, "@", f"@{token.lower_value} loads another stylesheet: put its rules in "
                                             "this one", f"@{token.lower_value}"))
        elif isinstance(token, tinycss2.ast.URLToken):
            problem = _url_problem(token.value, "url()")
            if problem:
                found.append((line, column, "url", problem, f"url({shortened(token.value, 40)})"))
        elif isinstance(token, tinycss2.ast.FunctionBlock):
            name = token.lower_name
            if name in ("url", "src"):
                address = next((arg.value for arg in token.arguments if isinstance(arg, tinycss2.ast.StringToken)), "")
                problem = _url_problem(address, f"{name}()")
                if problem:
                    found.append((line, column, name, problem, f"{name}({shortened(address, 40)})"))
            elif name in FORBIDDEN_CSS_FUNCTIONS:
                found.append((line, column, name, f"{name}() {FORBIDDEN_CSS_FUNCTIONS[name]}", f"{name}()"))
        elif isinstance(token, tinycss2.ast.IdentToken) and token.lower_value in FORBIDDEN_CSS_NAMES:
            found.append((line, column, token.value, f"{token.value} {FORBIDDEN_CSS_NAMES[token.lower_value]}",
                          token.value))
        elif isinstance(token, tinycss2.ast.ParseError) and token.kind == "bad-url":
            found.append((line, column, "url", "a url() browsers cannot read: write url(\"file\")", "a broken url()"))
    if not declarations:
        for match in END_OF_STYLE.finditer(css):
            line = css.count("\n", 0, match.start()) + 1
            column = match.start() - (css.rfind("\n", 0, match.start()) + 1) + 1
            found.append((line, column, match.group(),
                          f"'{match.group()}' in CSS: Anki puts the CSS in a <style> element, which '</style' ends (in "
                          "a comment or a string too), and what follows would be HTML; write '<' in a string as \\3c",
                          f"'{match.group()}'"))
        for match in OTHER_LESS_THAN.finditer(css):
            line = css.count("\n", 0, match.start()) + 1
            column = match.start() - (css.rfind("\n", 0, match.start()) + 1) + 1
            found.append((line, column, "<",
                          "'<' in CSS: Anki rewrites '<img … src=' wherever it stands in a card, the stylesheet "
                          "too, which can turn a string into a rule that loads from elsewhere; write '<' in a string "
                          "as \\3c",
                          "'<'"))
    return found


def stylesheet_findings(css: str) -> list[Finding]:
    """What the policy forbids in a note type's CSS, in the order it stands."""
    line_starts = [0] + [match.end() for match in re.finditer("\n", css)]
    return sorted(Finding(line_starts[line - 1] + column - 1, snippet, message, removed)
                  for line, column, snippet, message, removed in css_findings(css))


# --- removing what the policy forbids (deckgen import) ------------------------------------------


def cleaned_stylesheet(css: str) -> tuple[str, tuple[str, ...]]:
    """The CSS without what the policy forbids, and what was removed. A `<` that could end the style
    element becomes the escape \\3c (the same character in a string, plain text in a comment), and
    a rule whose selector holds HTML is left out (browsers drop it too); a
    forbidden address or function becomes `none`, an `@import` is left out; the rest is kept as written."""
    findings = stylesheet_findings(css)
    if not findings:
        return css, ()
    removed = tuple(dict.fromkeys(finding.removed for finding in findings))
    rules = tinycss2.parse_stylesheet(css, skip_comments=False, skip_whitespace=False)
    kept = [rule for rule in rules if not isinstance(rule, tinycss2.ast.ParseError) and not (
        isinstance(rule, tinycss2.ast.AtRule) and rule.lower_at_keyword in ("import", "namespace")) and not (
        # HTML in the CSS (`</style><script>…`) is a selector no browser takes: the rule goes whole
        isinstance(rule, tinycss2.ast.QualifiedRule) and any(getattr(token, "value", None) == "<"
                                                             for token in rule.prelude))]
    for rule in kept:
        for attribute in ("prelude", "content"):
            if getattr(rule, attribute, None) is not None:
                setattr(rule, attribute, _without_forbidden(getattr(rule, attribute)))
    # The serialiser writes a string as its value reads ("<\\/style" as "</style"): escaped after it.
    cleaned = END_OF_STYLE.sub(lambda match: "\\3c " + match.group()[1:], tinycss2.serialize(kept))
    cleaned = OTHER_LESS_THAN.sub(lambda _: "\\3c ", cleaned)
    if stylesheet_findings(cleaned):  # what the serialiser wrote must pass as it is
        cleaned = ""
    return cleaned, removed


def _without_forbidden(values: list[Any]) -> list[Any]:
    kept = []
    for value in values:
        if isinstance(value, tinycss2.ast.ParseError):
            continue
        if css_findings(tinycss2.serialize([value]), declarations=True):
            if isinstance(value, (tinycss2.ast.CurlyBracketsBlock, tinycss2.ast.ParenthesesBlock,
                                  tinycss2.ast.SquareBracketsBlock)):
                value.content = _without_forbidden(value.content)
            else:
                value = tinycss2.ast.IdentToken(value.source_line, value.source_column, "none")
        kept.append(value)
    return kept
