"""Word error rate and filler recall of a transcript against a scripted answer."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.whisper.answers import Answer

# Spellings Whisper uses for the same hesitation sounds.
_VARIANTS = {"umm": "um", "ummm": "um", "uhm": "um", "erm": "um", "uhh": "uh", "er": "uh"}
_CONTRACTIONS = {
    "i'm": "i am",
    "it's": "it is",
    "i've": "i have",
    "i'd": "i would",
    "don't": "do not",
    "that's": "that is",
    "we're": "we are",
    "didn't": "did not",
}


def normalize(text: str) -> list[str]:
    text = text.lower().replace("-", " ").replace("\u2019", "'")
    text = re.sub(r"[^a-z' ]+", " ", text)
    words: list[str] = []
    for raw in text.split():
        word = raw.strip("'")
        if word:
            words.extend(_CONTRACTIONS.get(word, _VARIANTS.get(word, word)).split())
    return words


def _alignment(ref: list[str], hyp: list[str]) -> tuple[int, set[int]]:
    """Levenshtein distance between word lists and the reference positions matched exactly."""
    rows, cols = len(ref) + 1, len(hyp) + 1
    cost = [[0] * cols for _ in range(rows)]
    for i in range(rows):
        cost[i][0] = i
    for j in range(cols):
        cost[0][j] = j
    for i in range(1, rows):
        for j in range(1, cols):
            cost[i][j] = min(
                cost[i - 1][j] + 1,
                cost[i][j - 1] + 1,
                cost[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1]),
            )
    matched: set[int] = set()
    i, j = len(ref), len(hyp)
    while i > 0 and j > 0:
        if ref[i - 1] == hyp[j - 1] and cost[i][j] == cost[i - 1][j - 1]:
            matched.add(i - 1)
            i, j = i - 1, j - 1
        elif cost[i][j] == cost[i - 1][j - 1] + 1:
            i, j = i - 1, j - 1
        elif cost[i][j] == cost[i - 1][j] + 1:
            i -= 1
        else:
            j -= 1
    return cost[-1][-1], matched


def _filler_spans(answer: Answer) -> list[range]:
    """Reference word positions of each marked filler."""
    spans: list[range] = []
    position = 0
    for piece in re.split(r"(\{[^}]+\})", answer.markup):
        words = normalize(piece.strip("{}"))
        if piece.startswith("{"):
            spans.append(range(position, position + len(words)))
        position += len(words)
    return spans


@dataclass(frozen=True)
class Score:
    wer: float
    fillers_kept: int
    fillers_total: int

    @property
    def filler_recall(self) -> float:
        return self.fillers_kept / self.fillers_total if self.fillers_total else 1.0


def score(answer: Answer, transcript: str) -> Score:
    """A filler counts as kept when every word of it aligns with the same word in the transcript."""
    ref = normalize(answer.reference)
    distance, matched = _alignment(ref, normalize(transcript))
    spans = _filler_spans(answer)
    kept = sum(1 for span in spans if all(i in matched for i in span))
    return Score(wer=distance / len(ref), fillers_kept=kept, fillers_total=len(spans))
