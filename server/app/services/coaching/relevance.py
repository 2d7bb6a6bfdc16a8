"""Whether an answer addresses its question: the embedding similarity of the two decides where it is
clear, the language model's yes/no where it is not (thresholds from the labelled set's dev part).

The similarity is the higher of the question's with the whole answer and with its closest sentence: a
long story that answers the question in one sentence ("... and that's how I handled the conflict")
reads as far from it as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass

# Cosine similarity (all-mpnet-base-v2). Without the model's word, an unclear answer is taken as
# answering: telling a candidate they missed the question when they did not is the worse error.
CLEARLY_OFF = 0.20
CLEARLY_ON = 0.30
UNDECIDED = CLEARLY_OFF


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
