"""Card quality: the rules of formulating knowledge for spaced repetition, checked per card.

`deckgen check` says whether a deck can be built; `deckgen lint` says whether its cards can be
learnt. Each rule has a code, a level and a one-line fix. The rules follow Wozniak's "20 rules"
and the minimum-information principle: one fact per card, no sets in basic cards, no give-away
questions, every card cited.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections import Counter, defaultdict
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import cast

from deckgen.authoring.wording import citation_only_cue, common_word, hard_to_type
from deckgen.errors import Location, printable
from deckgen.source.deck import Card, LintSettings, Project
from deckgen.source.masks import Mask, Picture
from deckgen.text import cloze
from deckgen.text.markup import dropped_markup, to_text

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
    Rule("L009", "topic-gives-answer", ERROR, "a topic that shares a content word with what the card hides"),
    Rule("L010", "typed-answer-case", WARNING, "a typed answer with a capital letter: Anki compares case"),
    Rule("L011", "typed-answer-characters", WARNING,
         "a typed answer with a character a keyboard does not type, or a closing full stop"),
    Rule("L012", "long-extra", WARNING, "an extra longer than lint.max_extra_words"),
    Rule("L013", "citation-only-cue", WARNING, "a question whose only cue is an author-year citation"),
    Rule("L014", "common-word-deletion", WARNING, "a cloze deletion that hides one common word"),
    Rule("L015", "mask-outside-picture", ERROR, "an occlusion mask that reaches outside its picture"),
    Rule("L016", "duplicate-mask-label", ERROR, "two masks of one occlusion card with the same label"),
)
_RULES = {rule.code: rule for rule in RULES}


def _finding(location: Location, code: str, message: str) -> Finding:
    rule = _RULES[code]
    return Finding(location, rule.level, rule.code, rule.name, message)


@functools.lru_cache(maxsize=16_384)
def _text(markup: str, code_blocks: bool = True) -> str:
    """What a student reads of a markup text (markup.to_text), converted once however many rules
    ask: a card's answer is read for its words, its stems, its likeness to the question."""
    return to_text(markup, code_blocks)


def _words(text: str) -> list[str]:
    return re.findall(r"[\w'’-]+", _text(text))


def _prose_words(text: str) -> list[str]:
    """The words an answer's length is measured in: not a code block's, since code cannot be cut
    down to one fact the way a sentence can."""
    return re.findall(r"[\w'’-]+", _text(text, code_blocks=False))


def _normalised(text: str) -> str:
    return " ".join(word.lower() for word in _words(text))


# Words that say nothing of an answer: a topic may share them with it.
_STOP_WORDS = frozenset(
    "a an and are as at be by for from has have in into is it its of on or the their to was were what when "
    "which who with how why does do can".split()
)


def _stems(text: str) -> set[str]:
    """The content words of a text, cut to their first six letters: "disputes" meets "dispute"."""
    return {word[:6] for word in re.findall(r"[a-z0-9]+", _text(text).lower())
            if word not in _STOP_WORDS and len(word) > 2}


def _hidden_texts(card: Card) -> list[str]:
    """What the card asks a student to recall: the answer (and, on a reverse card, the question),
    each hidden cloze text, each list item."""
    hidden = [card.answer.value] if card.answer else []
    if card.kind == "reverse" and card.question:
        hidden.append(card.question.value)
    if card.parsed_cloze is not None:
        hidden += [part.hidden for part in card.parsed_cloze.deletions]
    return hidden + [item.value for item in card.items]


def _topic_gives_answer(card: Card, context_words: AbstractSet[str]) -> list[Finding]:
    """The topic is printed above the question: a word it shares with the answer gives the answer away.
    Words of the deck and subdeck names are shown on every card anyway, so they do not count."""
    if card.topic is None:
        return []
    topic = _stems(card.topic.value) - context_words
    shared = sorted({word for hidden in _hidden_texts(card) for word in _stems(hidden) & topic})
    if not shared:
        return []
    words = [word for word in re.findall(r"[A-Za-z0-9]+", card.topic.value) if word.lower()[:6] in shared]
    return [_finding(
        card.topic.location, "L009",
        f"the topic '{card.topic.value}' gives the answer away ({', '.join(dict.fromkeys(words))}): name the "
        "subject the card belongs to, not what it asks for",
    )]


def lint_card(card: Card, limits: LintSettings, context_words: AbstractSet[str] = frozenset(),
              cites: bool = True, shown_everywhere: AbstractSet[str] = frozenset()) -> list[Finding]:
    """Every rule for one card; `cites` when its kind has a source to cite (a declared note type has
    none); `context_words` (stems) and `shown_everywhere` (words) are of the names every card shows."""
    max_answer_words = limits.max_answer_words
    findings = []
    if card.answer is not None:
        count = len(_prose_words(card.answer.value))
        if count > max_answer_words:
            findings.append(_finding(
                card.answer.location, "L001",
                f"answer has {count} words (limit {max_answer_words}): keep the fact, "
                "move the explanation into 'extra'",
            ))
    for item in card.items:
        count = len(_prose_words(item.value))
        if count > max_answer_words:
            findings.append(_finding(
                item.location, "L001",
                f"list item has {count} words (limit {max_answer_words}): shorten it, "
                "move the explanation into 'extra'",
            ))
    if card.kind in ("basic", "reverse") and card.question and card.answer:
        if _ENUMERATION.search(_text(card.question.value)) or _is_enumeration(card.answer.value):
            findings.append(_finding(
                card.question.location, "L002",
                "the card asks for a set of things: make it a 'list' card, one item per entry",
            ))
        answer = _normalised(card.answer.value)
        if len(answer) >= 3 and re.search(rf"\b{re.escape(answer)}\b", _normalised(card.question.value)):
            findings.append(_finding(
                card.question.location, "L005",
                f"the question gives away its answer '{_text(card.answer.value)}': reword the question",
            ))
    if cites and card.source is None:  # a declared note type has no Source field to cite in
        findings.append(_finding(
            card.location, "L004",
            "the card has no source: add 'source:' with a key of cards/references.yaml",
        ))
    findings += _cloze_hides_too_much(card)
    for key, text in card.markup_fields():
        dropped = dropped_markup(text.value, {media.name for media in card.media})
        if dropped:
            findings.append(_finding(
                text.location, "L007",
                f"'{key}' has markup the renderer drops ({dropped}): remove it or use the "
                "documented markup",
            ))
    findings += _topic_gives_answer(card, context_words)
    if len(card.items) > LIST_MAX_ITEMS:
        findings.append(_finding(
            card.location, "L008",
            f"the list has {len(card.items)} items: split it into smaller lists of related items",
        ))
    return findings + _wording(card, limits, shown_everywhere)


def _wording(card: Card, limits: LintSettings, shown_everywhere: AbstractSet[str]) -> list[Finding]:
    """The rules for cards that test their wording rather than knowledge (wording.py has their heuristics)."""
    return (_typed_answer(card) + _long_extra(card, limits.max_extra_words)
            + _citation_only_cue(card, shown_everywhere) + _common_word_deletions(card) + _masks(card))


def _masks(card: Card) -> list[Finding]:
    """An occlusion card's masks: each inside its picture (Anki draws none of it outside, and the card
    would ask for nothing the student sees), each with a label of its own (a student asked for one of
    two "Aorta" masks cannot tell which)."""
    picture = card.value("image")
    if not isinstance(picture, Picture):
        return []
    masks = cast(tuple[Mask, ...], card.value("masks"))
    findings = []
    labels: dict[str, Mask] = {}
    for mask in masks:
        for shape in mask.shapes:
            left, top, right, bottom = shape.bounds()
            if left < 0 or top < 0 or right > picture.width or bottom > picture.height:
                findings.append(_finding(
                    shape.where or card.location, "L015",
                    f"mask '{mask.id}' reaches outside the picture ({picture.width} x {picture.height} pixels; its "
                    f"{shape.kind} spans x {left:g} to {right:g}, y {top:g} to {bottom:g}): Anki does not draw it "
                    "there; move it inside the picture",
                ))
        first = labels.setdefault(mask.label.casefold(), mask)
        if first is not mask:
            findings.append(_finding(
                mask.where or card.location, "L016",
                f"masks '{first.id}' and '{mask.id}' have the same label '{mask.label}': a student cannot tell "
                "which one a card asks; give each its own label, or make them one mask with 'shapes:'",
            ))
    return findings


def _typed_answer(card: Card) -> list[Finding]:
    """Anki compares what a student types with the answer character for character, case included
    (its rslib typeanswer.rs; measured with anki 26.9.3): a student who knows the answer and types
    it the way anyone would is marked wrong."""
    if card.kind != "typed" or card.answer is None:
        return []
    answer = _text(card.answer.value)
    findings = []
    if answer != answer.lower():
        findings.append(_finding(
            card.answer.location, "L010",
            f"the typed answer '{answer}' has capitals, and Anki compares case: a student who types "
            f"'{answer.lower()}' is marked wrong; write the answer in lower case, or make the card 'kind: basic' "
            "when the capitals are what is learnt",
        ))
    found, typed = hard_to_type(answer)
    if found:
        listing = ", ".join(found[:-1]) + " and " + found[-1] if len(found) > 1 else found[0]
        student = (f"a student who types '{typed}' is marked wrong" if typed != answer
                   else "a student's keyboard may not have it")
        findings.append(_finding(
            card.answer.location, "L011",
            f"the typed answer '{answer}' has {listing}, and Anki compares every character: {student}; write the "
            "answer as a student types it",
        ))
    return findings


def _long_extra(card: Card, limit: int) -> list[Finding]:
    if card.extra is None:
        return []
    count = len(_prose_words(card.extra.value))
    if count <= limit:
        return []
    return [_finding(
        card.extra.location, "L012",
        f"extra has {count} words (limit {limit}): keep what explains the answer, leave the rest to the source "
        "or to cards of its own",
    )]


def _citation_only_cue(card: Card, shown_everywhere: AbstractSet[str]) -> list[Finding]:
    # No citation without a bracket and a year: most questions are not read any further.
    if card.question is None or "(" not in card.question.value or not re.search(r"\d\d\d\d", card.question.value):
        return []
    cited = citation_only_cue(_text(card.question.value), shown_everywhere)
    if cited is None:
        return []
    return [_finding(
        card.question.location, "L013",
        f"the question's only cue is '{cited}': besides it, it has only question words, words about studies and "
        "the deck's own names, so a student answers by remembering who wrote what; name what the study was "
        "about (its population, condition or treatment) in the question",
    )]


def _common_word_deletions(card: Card) -> list[Finding]:
    if card.parsed_cloze is None:
        return []
    findings = []
    for deletion in card.parsed_cloze.deletions:
        # Markdown is parsed only for a short deletion that may be one word once read: a large deck has
        # many, and words apart stay apart (unless a tag holds the space).
        hidden = deletion.hidden.strip()
        maybe_one = len(hidden) <= 40 and ("<" in hidden or len(hidden.split()) == 1)
        word = common_word(hidden if hidden.isalpha() else _text(hidden) if maybe_one else "")
        if word is not None:
            findings.append(_finding(
                card.text.location if card.text is not None else card.location, "L014",
                f"'{{{{c{deletion.number}::{deletion.hidden}}}}}' hides only '{word}', one of the most common "
                "English words: a student guesses it from the sentence instead of recalling anything; hide the "
                "term the card is about",
            ))
    return findings


def _cloze_hides_too_much(card: Card) -> list[Finding]:
    if card.text is None:  # only a cloze card has a text
        return []
    # The share a student reads: the text as shown (markup gone), parsed as such.
    parsed = cloze.parse(_text(card.text.value))
    parts = parsed.parts if isinstance(parsed, cloze.ClozeText) else ()
    hidden = sum(len(part.hidden) for part in parts if isinstance(part, cloze.Deletion))
    visible = sum(len(part) for part in parts if isinstance(part, str))
    if hidden <= CLOZE_MAX_HIDDEN_SHARE * (hidden + visible):
        return []
    return [_finding(
        card.text.location, "L006",
        f"the deletions hide {round(100 * hidden / (hidden + visible))}% of the text: "
        "hide only the key term and keep the rest as context",
    )]


def _is_enumeration(answer: str) -> bool:
    """An answer that is itself a list: Markdown list lines, or three or more parts in a series."""
    if re.search(r"^\s*(?:[-*+]|\d+[.)])\s", answer, re.MULTILINE):
        return True
    parts = [part for part in re.split(r"[,;]", _text(answer)) if part.strip()]
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
    for position, ((card, question), question_words) in enumerate(zip(questions, words, strict=True)):
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
            assert card.question is not None and earlier.question is not None  # only cards with one are here
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
    """Every finding for every card students study, in file order. A retired card is left out: it
    is withdrawn, and its text stays as students received it."""
    settings = project.settings
    studied = tuple(card for card in project.cards if not card.retired)
    findings = []
    # Worked out once per subdeck: the stems of the deck's and subdeck's names, and the words of the
    # names every card of a subdeck shows (the deck's name and title, the subdeck's name).
    contexts = {key: _stems(f"{settings.name} {name}") for key, name in settings.subdecks.items()}
    shown = {key: {word.lower() for word in _words(f"{settings.name} {settings.title} {name}")}
             for key, name in settings.subdecks.items()}
    for card in studied:
        findings += lint_card(card, settings.lint, contexts[card.subdeck],
                              cites="source" in settings.kinds[card.kind].citation_keys,
                              shown_everywhere=shown[card.subdeck])
    findings += _duplicate_questions(studied)
    return sorted(findings)
