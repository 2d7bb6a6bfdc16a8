"""Whether an answer addresses its question: the embedding similarity of the two decides where it is
clear, the language model's yes/no where it is not (thresholds from the labelled set's dev part)."""

from __future__ import annotations

from dataclasses import dataclass

# Cosine similarity (all-mpnet-base-v2) of a question and a whole answer.
CLEARLY_OFF = 0.25
CLEARLY_ON = 0.45
UNDECIDED = 0.35


@dataclass(frozen=True, slots=True)
class RelevanceVerdict:
    answers_question: bool
    similarity: float
    decided_by: str  # "similarity" or "model"


def judge_relevance(similarity: float, model_says_yes: bool | None) -> RelevanceVerdict:
    if similarity >= CLEARLY_ON:
        return RelevanceVerdict(True, similarity, "similarity")
    if similarity < CLEARLY_OFF:
        return RelevanceVerdict(False, similarity, "similarity")
    if model_says_yes is not None:
        return RelevanceVerdict(model_says_yes, similarity, "model")
    return RelevanceVerdict(similarity >= UNDECIDED, similarity, "similarity")
