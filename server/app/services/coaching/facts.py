"""Facts a text asserts (numbers, named systems, people and tools) and whether each was given by the
candidate: anything the coach writes about them may repeat their facts, never add one.

Bracketed prompts ("[the result, as a number]") are requests for a fact, not facts, and are skipped.
Number words and digits are compared by value ("nine hundred" is 900), names case-insensitively.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_NUMBER_WORDS = set(_UNITS) | set(_TENS) | set(_SCALES)
# "one" is as often a pronoun ("the one that failed") as a count: alone it is no fact.
_WEAK_NUMBERS = {"one", "zero"}
_BRACKETED = re.compile(r"\[[^\]]*\]")
_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9+#.'\-]*[A-Za-z0-9+#]|[A-Za-z]|\d[\d,]*(?:\.\d+)?")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"(]\s*|\n\s*)$")
# Capitalised words that open clauses or name nothing in particular.
_COMMON_CAPITALS = frozenset(
    [
        "i",
        "i'm",
        "i've",
        "i'd",
        "i'll",
        "a",
        "an",
        "the",
        "in",
        "on",
        "at",
        "as",
        "and",
        "but",
        "so",
        "then",
        "when",
        "after",
        "before",
        "during",
        "while",
        "my",
        "our",
        "we",
        "it",
        "this",
        "that",
        "these",
        "those",
        "there",
        "they",
        "he",
        "she",
        "his",
        "her",
        "its",
        "their",
        "if",
        "for",
        "with",
        "without",
        "by",
        "from",
        "to",
        "of",
        "first",
        "second",
        "third",
        "next",
        "finally",
        "also",
        "however",
        "overall",
        "because",
        "since",
        "until",
        "once",
        "each",
        "every",
        "some",
        "any",
        "no",
        "not",
        "yes",
        "one",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "star",
        "situation",
        "task",
        "action",
        "result",
    ]
)


@dataclass(frozen=True, slots=True)
class Facts:
    numbers: frozenset[float]
    names: frozenset[str]


def _number_words_value(words: list[str]) -> float | None:
    total = 0
    current = 0
    for word in words:
        if word == "and":
            continue
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word in _SCALES:
            current = max(current, 1) * _SCALES[word]
            if _SCALES[word] >= 1_000:
                total += current
                current = 0
        else:
            return None
    return float(total + current)


def _numbers(text: str) -> set[float]:
    found: set[float] = set()
    for digits in re.findall(r"\d[\d,]*(?:\.\d+)?", text):
        try:
            found.add(float(digits.replace(",", "")))
        except ValueError:
            continue
    run: list[str] = []
    for word in [*re.findall(r"[a-z]+", text.lower()), ""]:
        if word in _NUMBER_WORDS or (word == "and" and run and run[-1] in _SCALES):
            run.append(word)
            continue
        while run and run[-1] == "and":
            run.pop()
        if run and not (len(run) == 1 and run[0] in _WEAK_NUMBERS):
            value = _number_words_value(run)
            if value is not None:
                found.add(value)
        run = []
    return found


def _names(text: str) -> set[str]:
    names: set[str] = set()
    for match in _TOKEN.finditer(text):
        token = match.group().rstrip(".'")
        if not token or token[0].isdigit():
            continue
        lowered = token.lower()
        has_capital = any(char.isupper() for char in token)
        technical = any(char.isdigit() or char in "+#" for char in token) or any(
            char.isupper() for char in token[1:]
        )
        at_start = _SENTENCE_START.search(text[: match.start()]) is not None
        if lowered in _COMMON_CAPITALS:  # "STAR" names the method, not a fact
            continue
        if technical or (has_capital and not at_start):
            names.add(lowered)
    return names


def facts_of(text: str) -> Facts:
    """The numbers and names `text` states outside bracketed prompts."""
    plain = _BRACKETED.sub(" ", text)
    return Facts(numbers=frozenset(_numbers(plain)), names=frozenset(_names(plain)))


def invented_facts(text: str, sources: Iterable[str]) -> list[str]:
    """The numbers and names in `text` that none of `sources` gives (sorted; empty when none)."""
    given = [source for source in sources if source]
    source_numbers: set[float] = set()
    for source in given:
        source_numbers |= _numbers(source)
    source_words = {word.rstrip(".'") for source in given for word in re.findall(_TOKEN, source.lower())}
    joined = " ".join(source.lower() for source in given)
    claimed = facts_of(text)
    invented = [f"{number:g}" for number in claimed.numbers if number not in source_numbers]
    invented += [name for name in claimed.names if name not in source_words and name not in joined]
    return sorted(invented)
