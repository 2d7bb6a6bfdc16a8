"""A transcript cut into units of speech (sentences, and clauses of long run-on sentences), each a
verbatim span of the transcript so that anything quoted from it is the candidate's own words."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.schemas.delivery import FILLER_WORDS

# A spoken run-on sentence carries several STAR parts joined by "and then", "so" or ", and I": past
# this many words it is cut at those joints, so a quote is one part of the story and not all of it
# (20 and the ", and I" joints were chosen on the labelled set's dev transcripts, docs/coaching.md).
LONG_UNIT_WORDS = 20
MIN_CLAUSE_WORDS = 5
# A sentence ends at . ! or ? before a space or the end: "3.40 in the morning" and "v2.1" stay whole.
_SENTENCE = re.compile(r"(?:[^.!?]|[.!?](?=\S))+(?:[.!?]+|$)")
_JOINT = re.compile(
    r",\s+(?=(?:and then|and so|so|but|which meant|and in the end|and eventually|and (?:i|my|we|our))\b)"
    r"|;\s+",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z0-9]+(?:['.][A-Za-z0-9]+)*")
_SPOKEN_FILLERS = "|".join(re.escape(filler) for filler in sorted(FILLER_WORDS, key=len, reverse=True))
# "like" is a filler only set off by commas or opening a sentence: "I'd like to" is not one.
_FILLER = re.compile(
    rf"(?P<before>,\s*)?\b(?:(?!like\b)(?:{_SPOKEN_FILLERS})\b|like\b(?=\s*,))(?P<after>\s*,)?|^\s*like\b,?",
    re.IGNORECASE,
)
_LEAD = re.compile(r"^(?:(?:so|and|well|yeah|okay|basically|anyway)\b[,]?\s*)+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Unit:
    """One unit of speech: its text, verbatim, and where it starts in the transcript."""

    index: int
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def _clauses(sentence: str, start: int) -> list[tuple[str, int]]:
    if word_count(sentence) <= LONG_UNIT_WORDS:
        return [(sentence, start)]
    pieces: list[tuple[str, int]] = []
    cursor = 0
    for joint in _JOINT.finditer(sentence):
        head = sentence[cursor : joint.start()]
        if word_count(head) >= MIN_CLAUSE_WORDS and word_count(sentence[joint.end() :]) >= MIN_CLAUSE_WORDS:
            pieces.append((head, start + cursor))
            cursor = joint.end()
    pieces.append((sentence[cursor:], start + cursor))
    return pieces


def split_units(transcript: str) -> list[Unit]:
    """The transcript's sentences in order, long run-on ones cut into clauses; spans hold no
    leading or trailing space and nothing that is only fillers or punctuation."""
    units: list[Unit] = []
    for match in _SENTENCE.finditer(transcript):
        for text, start in _clauses(match.group(), match.start()):
            stripped = text.strip()
            if not stripped:
                continue
            offset = start + text.index(stripped)
            if word_count(without_fillers(stripped)) == 0:
                continue
            units.append(Unit(index=len(units), text=stripped, start=offset))
    return units


def without_fillers(text: str) -> str:
    """The words as said, without the spec's fillers (and a leading "so,", "and", "basically"):
    what a candidate's sentence reads like written down. Facts and names are kept as they were."""
    cleaned = text
    while (stripped := _FILLER.sub(" ", cleaned)) != cleaned:
        cleaned = stripped
    cleaned = _LEAD.sub("", cleaned.strip())
    cleaned = re.sub(r"\s+([,.!?])", r"\1", re.sub(r"\s{2,}", " ", cleaned))
    cleaned = re.sub(r",\s*([,.!?])", r"\1", cleaned).strip(" ,")
    return cleaned[:1].upper() + cleaned[1:] if cleaned else cleaned
