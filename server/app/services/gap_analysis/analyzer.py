"""Gap analysis: each requirement of a job description judged against the resume.

Built to hold up on a weak local model: three signals are combined per requirement, so no single
one decides alone — embedding similarity between the requirement and the best resume line, the
requirement's key terms found verbatim in the resume, and the model's judgement of the candidates.
`GapAnalyzer` gathers the signals from the embeddings and the model; the texts are read in
`requirements`, the signals combined in `judging`, the summary and resume suggestions written in
`suggestions`.
"""

from __future__ import annotations

import logging
import re

import numpy as np
from pydantic import BaseModel, Field

from app.schemas.gap_analysis import GapAnalysis, RequirementAssessment, RequirementStatus
from app.services.embedding import EmbeddingService, unit_rows
from app.services.gap_analysis.judging import (
    STATUS_WEIGHT,
    Judgements,
    Signals,
    combine,
    line_named,
    resume_lines_shown,
    term_coverage,
)
from app.services.gap_analysis.requirements import (
    MAX_REQUIREMENTS,
    clean,
    dedupe,
    grounded,
    job_title,
    nice_to_have_candidates,
    requirement_candidates,
    resume_lines,
    split_nice_to_have,
)
from app.services.gap_analysis.suggestions import resume_suggestions, summarise
from app.services.llm import LLMOutputError, LLMProvider

logger = logging.getLogger(__name__)

# Fewer items than this read off the structure, and the job description is prose the model reads.
MIN_STRUCTURED_REQUIREMENTS = 4
# Two requirements this close in meaning are one said twice.
DUPLICATE_SIMILARITY = 0.75
# A resume line this close to a requirement is the one a suggestion asks the candidate to build on.
RELATED_SIMILARITY = 0.35
_VERB_FRAGMENT = re.compile(r"^[A-Za-z]+(?:ing|ed)$")


class ExtractedRequirements(BaseModel):
    requirements: list[str] = Field(min_length=1, max_length=MAX_REQUIREMENTS)


class GapAnalyzer:
    def __init__(self, provider: LLMProvider, embeddings: EmbeddingService) -> None:
        self._provider = provider
        self._embeddings = embeddings

    async def analyze(self, resume_text: str, job_description: str) -> GapAnalysis:
        requirements = await self._distinct(await self._requirements(job_description))
        nice = nice_to_have_candidates(job_description)
        lines = resume_lines(resume_text)
        assessments, closest = await self._assess(requirements, lines, resume_text)
        nice_assessments, _ = await self._assess(nice, lines, resume_text, ask_model=False)
        match_score = 100 * sum(STATUS_WEIGHT[item.status] for item in assessments) / max(1, len(assessments))
        return GapAnalysis(
            match_score=round(match_score, 1),
            summary=summarise(assessments),
            requirements=assessments,
            resume_suggestions=resume_suggestions(assessments, closest, resume_text),
            nice_to_have=nice_assessments,
        )

    async def _distinct(self, requirements: list[str]) -> list[str]:
        """One of each requirement: a job description often says the same thing in its introduction
        and again in its list ("lead incident response", "Leading production incidents"); the later,
        listed wording is kept."""
        if len(requirements) < 2:
            return requirements
        vectors = unit_rows(await self._embeddings.embed_texts(requirements))
        similarity = vectors @ vectors.T
        kept = [
            index
            for index in range(len(requirements))
            if not any(
                similarity[index, later] >= DUPLICATE_SIMILARITY
                for later in range(index + 1, len(requirements))
            )
        ]
        return [requirements[index] for index in kept]

    async def _assess(
        self, requirements: list[str], lines: list[str], resume_text: str, *, ask_model: bool = True
    ) -> tuple[list[RequirementAssessment], list[str | None]]:
        """Each requirement's assessment, and the resume line closest to it when one is related."""
        if not requirements:
            return [], []
        similarities, best_lines = await self._similarities(requirements, lines)
        model_view = await self._judgements(requirements, best_lines) if ask_model else {}
        assessments: list[RequirementAssessment] = []
        closest: list[str | None] = []
        for index, requirement in enumerate(requirements):
            model_status, model_evidence = model_view.get(index, (None, None))
            signals = Signals(
                similarity=similarities[index],
                best_line=best_lines[index][0] if best_lines[index] else None,
                coverage=term_coverage(requirement, resume_text),
                model_status=model_status,
                model_evidence=model_evidence,
            )
            status = combine(signals)
            evidence = None
            if status != "missing":
                evidence = signals.model_evidence or signals.best_line
            assessments.append(
                RequirementAssessment(
                    requirement=requirement,
                    status=status,
                    evidence=evidence,
                    similarity=round(min(1.0, max(0.0, signals.similarity)), 3),
                )
            )
            closest.append(signals.best_line if signals.similarity >= RELATED_SIMILARITY else None)
        return assessments, closest

    async def _requirements(self, job_description: str) -> list[str]:
        """The job description's own items when its structure gives them (a small model skips and
        splits them); the model's list only for a job description written as one paragraph."""
        heuristic = requirement_candidates(job_description)
        if len(heuristic) >= MIN_STRUCTURED_REQUIREMENTS:
            return heuristic
        try:
            extracted = await self._provider.generate_structured_response(
                "List every distinct requirement of this job description (skills, experience, "
                "responsibilities) as short phrases copied from it.\n\n"
                f"{job_description}\n\n"
                'Answer with a JSON object: {"requirements": ["...", "..."]}.',
                ExtractedRequirements,
                temperature=0.0,
            )
        except LLMOutputError:
            return heuristic
        required, _ = split_nice_to_have(job_description)
        from_model = dedupe(
            [
                clean(item)
                for item in extracted.requirements
                if grounded(item, required) and not self._noise(item, job_description)
            ]
        )
        # A weak model may skip half the list or invent items; the JD's own sentences cover for it.
        return from_model[:MAX_REQUIREMENTS] if len(from_model) >= max(3, len(heuristic) // 2) else heuristic

    @staticmethod
    def _noise(item: str, job_description: str) -> bool:
        """What a weak model copies out that is no requirement: the title, a lone verb ("Designing")."""
        cleaned = clean(item)
        title = job_title(job_description)
        if title is not None and cleaned.lower() in title.lower():
            return True
        return bool(_VERB_FRAGMENT.match(cleaned))

    async def _similarities(
        self, requirements: list[str], lines: list[str]
    ) -> tuple[list[float], list[list[str]]]:
        if not requirements or not lines:
            return [0.0] * len(requirements), [[] for _ in requirements]
        vectors = unit_rows(await self._embeddings.embed_texts(requirements + lines))
        scores = vectors[: len(requirements)] @ vectors[len(requirements) :].T
        best = np.argsort(-scores, axis=1)[:, :2]
        return (
            [float(scores[row, best[row, 0]]) for row in range(len(requirements))],
            [[lines[column] for column in best[row]] for row in range(len(requirements))],
        )

    async def _judgements(
        self, requirements: list[str], candidates: list[list[str]]
    ) -> dict[int, tuple[RequirementStatus, str | None]]:
        listing = "\n".join(
            f"{index}. {requirement}\n" + resume_lines_shown(candidates[index])
            for index, requirement in enumerate(requirements)
        )
        try:
            answer = await self._provider.generate_structured_response(
                "For each numbered job requirement, judge from the resume lines shown whether the "
                "candidate meets it: met, partial or missing, and which line proves it (a or b; none "
                "when missing).\n\n"
                f"{listing}\n\n"
                "Answer with a JSON object: "
                '{"judgements": [{"index": 0, "status": "met", "line": "a"}]}.',
                Judgements,
                temperature=0.0,
            )
        except LLMOutputError:
            logger.warning("gap analysis: the model's judgements were unusable; using similarity alone")
            return {}
        view: dict[int, tuple[RequirementStatus, str | None]] = {}
        for judgement in answer.judgements:
            if 0 <= judgement.index < len(requirements):
                shown = candidates[judgement.index]
                view[judgement.index] = (judgement.status, line_named(judgement.line, shown))
        return view
