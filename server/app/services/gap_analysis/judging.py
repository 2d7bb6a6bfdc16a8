"""Judging one requirement: the signals about it, and how they combine into met, partial or missing.

Three signals per requirement, so no single one decides alone on a weak local model: the embedding
similarity between the requirement and its best resume line (scaled over the band this embedding
model's scores span), the share of its key terms found verbatim in the resume, and the model's verdict
on the two closest lines, which it names by label rather than copies. `GapAnalyzer` gathers them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from app.schemas.gap_analysis import RequirementStatus
from app.services.gap_analysis.requirements import key_terms

STATUS_WEIGHT: dict[RequirementStatus, float] = {"met": 1.0, "partial": 0.5, "missing": 0.0}
# Cosine similarities of all-mpnet-base-v2 between a requirement and an unrelated line sit near
# 0.1-0.2, a clear match above 0.55: the similarity signal is scaled over that band.
SIMILARITY_FLOOR = 0.2
SIMILARITY_CEILING = 0.6
MET_THRESHOLD = 0.62
PARTIAL_THRESHOLD = 0.35

# The resume lines shown to the model for each requirement, by their labels (the best two by similarity).
LINE_LABELS = ("a", "b")


class RequirementJudgement(BaseModel):
    index: int
    status: Literal["met", "partial", "missing"]
    # The proving line by its label: copying it out costs writing time and a small model garbles it
    # (docs/embedded-stack.md#why-these-limits).
    line: Literal["a", "b", "none"]


class Judgements(BaseModel):
    judgements: list[RequirementJudgement]


def term_coverage(requirement: str, resume_text: str) -> float | None:
    terms = key_terms(requirement)
    if not terms:
        return None
    lowered = resume_text.lower()

    def present(term: str) -> bool:
        # Short capitalised names ("Go", "R", "C#") only count with their case: "go" is a verb.
        if len(term) <= 3 and term[:1].isupper():
            return re.search(rf"(?<![A-Za-z]){re.escape(term)}(?![A-Za-z])", resume_text) is not None
        return re.search(rf"(?<![a-z]){re.escape(term.lower())}(?![a-z])", lowered) is not None

    return sum(present(term) for term in terms) / len(terms)


def resume_lines_shown(lines: list[str]) -> str:
    if not lines:
        return "   (no resume lines)"
    return "\n".join(f"   {label}) {line}" for label, line in zip(LINE_LABELS, lines, strict=False))


def line_named(label: str, lines: list[str]) -> str | None:
    """The resume line a judgement names by its label; None for "none" or a label not shown."""
    if label not in LINE_LABELS:
        return None
    position = LINE_LABELS.index(label)
    return lines[position] if position < len(lines) else None


@dataclass(frozen=True, slots=True)
class Signals:
    similarity: float
    best_line: str | None
    coverage: float | None
    model_status: RequirementStatus | None
    model_evidence: str | None


def combine(signals: Signals) -> RequirementStatus:
    similarity = min(
        1.0, max(0.0, (signals.similarity - SIMILARITY_FLOOR) / (SIMILARITY_CEILING - SIMILARITY_FLOOR))
    )
    coverage = signals.coverage if signals.coverage is not None else similarity
    if signals.model_status is None:
        score = 0.6 * similarity + 0.4 * coverage
    else:
        score = 0.45 * similarity + 0.25 * coverage + 0.3 * STATUS_WEIGHT[signals.model_status]
    if score >= MET_THRESHOLD:
        return "met"
    if score >= PARTIAL_THRESHOLD:
        return "partial"
    return "missing"
