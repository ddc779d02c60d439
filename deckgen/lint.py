"""Card quality: the rules of formulating knowledge for spaced repetition, checked per card.

`deckgen check` says whether a deck can be built; `deckgen lint` says whether its cards can be
learnt. Each rule has a code, a level and a one-line fix. The rules follow Wozniak's "20 rules"
and the minimum-information principle: one fact per card, no sets in basic cards, no give-away
questions, every card cited.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from deckgen.errors import Location, printable
from deckgen.markup import dropped_markup, to_text
from deckgen import cloze
from deckgen.model import Card, Project

ERROR = "error"
WARNING = "warning"

NEAR_DUPLICATE_RATIO = 0.9
RAREST_WORDS = 3
CLOZE_MAX_HIDDEN_SHARE = 0.5
LIST_MAX_ITEMS = 9

_NUMBER_WORDS = r"(?:three|four|five|six|seven|eight|nine|ten|\d+)"
_ENUMERATION = re.compile(
    rf"\b(?:list|enumerate|name (?:all|every|each|the {_NUMBER_WORDS})|"
    rf"(?:what|which) (?:are|were) (?:the|all)\b.*\b{_NUMBER_WORDS}\b|"
    rf"(?:what|which) {_NUMBER_WORDS}\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True, order=True)
class Finding:
    location: Location
    level: str
    code: str
    rule: str
    message: str

    def __str__(self) -> str:
        return printable(f"{self.location}: {self.level} {self.code} {self.rule}: {self.message}")


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    level: str
    summary: str


RULES = (
    Rule("L001", "long-answer", ERROR, "an answer longer than lint.max_answer_words"),
    Rule("L002", "enumeration-in-basic", ERROR, "a basic or reverse card that asks for a set"),
    Rule("L003", "duplicate-question", ERROR, "two cards with the same or near-same question"),
    Rule("L004", "missing-source", ERROR, "a card without a source"),
    Rule("L005", "answer-in-question", ERROR, "a question that contains its own answer"),
    Rule("L006", "cloze-hides-most", ERROR, "cloze deletions that cover most of the text"),
    Rule("L007", "dropped-markup", ERROR, "HTML or markup that the renderer would drop"),
    Rule("L008", "long-list", WARNING, f"a list card with more than {LIST_MAX_ITEMS} items"),
)
_RULES = {rule.code: rule for rule in RULES}


def _finding(location: Location, code: str, message: str) -> Finding:
    rule = _RULES[code]
    return Finding(location, rule.level, rule.code, rule.name, message)


def _words(text: str) -> list[str]:
    return re.findall(r"[\w'’-]+", to_text(text))


def _normalised(text: str) -> str:
    return " ".join(word.lower() for word in _words(text))


def lint_card(card: Card, max_answer_words: int) -> list[Finding]:
    findings = []
    if card.answer is not None:
        count = len(_words(card.answer.value))
        if count > max_answer_words:
            findings.append(_finding(
                card.answer.location, "L001",
                f"answer has {count} words (limit {max_answer_words}): keep the fact, "
                "move the explanation into 'extra'",
            ))
    for item in card.items:
        count = len(_words(item.value))
        if count > max_answer_words:
            findings.append(_finding(
                item.location, "L001",
                f"list item has {count} words (limit {max_answer_words}): shorten it, "
                "move the explanation into 'extra'",
            ))
    if card.kind in ("basic", "reverse") and card.question and card.answer:
        if _ENUMERATION.search(to_text(card.question.value)) or _is_enumeration(card.answer.value):
            findings.append(_finding(
                card.question.location, "L002",
                "the card asks for a set of things: make it a 'list' card, one item per entry",
            ))
        answer = _normalised(card.answer.value)
        if len(answer) >= 3 and re.search(rf"\b{re.escape(answer)}\b", _normalised(card.question.value)):
            findings.append(_finding(
                card.question.location, "L005",
                f"the question gives away its answer '{to_text(card.answer.value)}': reword the question",
            ))
    if card.source is None:
        findings.append(_finding(
            card.location, "L004",
            "the card has no source: add 'source:' with a key of cards/references.yaml",
        ))
    if card.kind == "cloze" and card.text is not None:
        parsed = cloze.parse(to_text(card.text.value))
        parts = parsed.parts if isinstance(parsed, cloze.ClozeText) else ()
        hidden = sum(len(part.hidden) for part in parts if isinstance(part, cloze.Deletion))
        visible = sum(len(part) for part in parts if isinstance(part, str))
        if hidden > CLOZE_MAX_HIDDEN_SHARE * (hidden + visible):
            findings.append(_finding(
                card.text.location, "L006",
                f"the deletions hide {round(100 * hidden / (hidden + visible))}% of the text: "
                "hide only the key term and keep the rest as context",
            ))
    for key, text in card.markup_fields():
        dropped = dropped_markup(text.value)
        if dropped:
            findings.append(_finding(
                text.location, "L007",
                f"'{key}' has markup the renderer drops ({dropped}): remove it or use the "
                "documented markup",
            ))
    if len(card.items) > LIST_MAX_ITEMS:
        findings.append(_finding(
            card.location, "L008",
            f"the list has {len(card.items)} items: split it into smaller lists of related items",
        ))
    return findings


def _is_enumeration(answer: str) -> bool:
    """An answer that is itself a list: Markdown list lines, or three or more parts in a series."""
    if re.search(r"^\s*(?:[-*+]|\d+[.)])\s", answer, re.MULTILINE):
        return True
    parts = [part for part in re.split(r"[,;]", to_text(answer)) if part.strip()]
    if len(parts) >= 3:  # "A, B, C" and "A, B, and C"
        return True
    # "A, B and C" is a series; "A, and B" and "A, or B" are one fact in two halves.
    return len(parts) == 2 and re.match(r"\s*(?:and|or)\b", parts[1]) is None and re.search(
        r"\b(?:and|or)\b", parts[1]
    ) is not None


def _duplicate_questions(cards: tuple[Card, ...]) -> list[Finding]:
    """Same or near-same questions. Comparing every pair is quadratic (minutes for a few thousand
    cards), so each question is compared only with earlier ones that share one of its rarest
    words: near-same questions share almost all their words."""
    findings = []
    questions = [(card, _normalised(card.question.value)) for card in cards if card.question is not None]
    words = [set(question.split()) for _, question in questions]
    frequency = Counter(word for question_words in words for word in question_words)
    first_with: dict[str, Card] = {}
    index: dict[str, list[int]] = defaultdict(list)
    for position, ((card, question), question_words) in enumerate(zip(questions, words)):
        earlier = first_with.get(question)
        if earlier is None:
            rarest = sorted(question_words, key=lambda word: (frequency[word], word))[:RAREST_WORDS]
            candidates = sorted({other for word in rarest for other in index[word]})
            earlier = next(
                (questions[other][0] for other in candidates
                 if _near(question, questions[other][1])), None,
            )
            same = "nearly the same question"
        else:
            same = "the same question"
        if earlier is not None:
            findings.append(_finding(
                card.question.location, "L003",
                f"{same} as card '{earlier.id}' ({earlier.question.location}): "
                "merge the cards or make each question ask for one distinct fact",
            ))
            continue
        first_with[question] = card
        for word in question_words:
            index[word].append(position)
    return findings


def _near(one: str, other: str) -> bool:
    matcher = difflib.SequenceMatcher(None, one, other)
    return (
        matcher.real_quick_ratio() >= NEAR_DUPLICATE_RATIO
        and matcher.quick_ratio() >= NEAR_DUPLICATE_RATIO
        and matcher.ratio() >= NEAR_DUPLICATE_RATIO
    )


def lint_project(project: Project) -> list[Finding]:
    """Every finding for every card, in file order."""
    limit = project.settings.lint.max_answer_words
    findings = [finding for card in project.cards for finding in lint_card(card, limit)]
    findings += _duplicate_questions(project.cards)
    return sorted(findings)
