"""Gap analysis: each requirement of a job description judged against the resume.

Built to hold up on a weak local model: three signals are combined per requirement, so no single
one decides alone — embedding similarity between the requirement and the best resume line, the
requirement's key terms found verbatim in the resume, and the model's judgement of the candidates.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, Field

from app.schemas.gap_analysis import GapAnalysis, RequirementAssessment, RequirementStatus
from app.services.embedding import EmbeddingService, unit_rows
from app.services.knowledge_base import excerpt
from app.services.llm import LLMOutputError, LLMProvider
from app.services.sentences import finished_sentence, one_sentence

logger = logging.getLogger(__name__)

MAX_REQUIREMENTS = 20
MAX_RESUME_LINES = 200
MIN_WORDS = 1
MAX_TITLE_WORDS = 10
# Whole sentences of the best passage: whole 512-token chunks would double the suggestions' prompt,
# and a second excerpt (some 160 tokens, 2 s on 2 cores) is mostly from a guide about something else.
ADVICE_PASSAGES = 1
ADVICE_EXCERPT_CHARS = 700
STATUS_WEIGHT: dict[RequirementStatus, float] = {"met": 1.0, "partial": 0.5, "missing": 0.0}
# Cosine similarities of all-mpnet-base-v2 between a requirement and an unrelated line sit near
# 0.1-0.2, a clear match above 0.55: the similarity signal is scaled over that band.
SIMILARITY_FLOOR = 0.2
SIMILARITY_CEILING = 0.6
MET_THRESHOLD = 0.62
PARTIAL_THRESHOLD = 0.35

_SPLIT_SENTENCES = re.compile(r"(?<=[.;!?])\s+|\n+")
_BULLET = re.compile(r"^\s*(?:[-*•·▪◦]|\d+[.)])\s*")
_LEAD_IN = re.compile(
    r"^(?:requirements?|qualifications?|must[- ]haves?|nice to have|you have|you will|what you(?:'ll)? bring|"
    r"responsibilities|skills)\s*:\s*",
    re.IGNORECASE,
)
_EMPLOYER_PITCH = re.compile(
    r"^(?:we(?:'re| are)\s+(?:looking|hiring|seeking|a|an|the)|about\s+(?:us|the\s+(?:role|company))"
    r"|join\s+us|our\s+(?:company|mission|team\s+is))\b",
    re.IGNORECASE,
)
# A line break inside a sentence: the line before doesn't end one, the line after isn't a bullet.
_WRAPPED = re.compile(r"(?<=[^\s.;:!?])[ \t]*\n(?![ \t]*(?:\n|[-*•·▪◦]|\d+[.)]))[ \t]*")
_VERB_FRAGMENT = re.compile(r"^[A-Za-z]+(?:ing|ed)$")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9+#.\-]*[A-Za-z0-9+#]|[A-Za-z]|\d+\+?")
_STOPWORDS = frozenset(
    {
        "a", "an", "and", "the", "of", "to", "in", "on", "for", "with", "our", "your", "we", "you", "will",
        "be", "is", "are", "as", "at", "by", "or", "from", "this", "that", "their", "who", "what", "have",
        "has", "experience", "years", "year", "strong", "excellent", "ability", "able", "work", "working",
        "team", "teams",
    }
)  # fmt: skip


class ExtractedRequirements(BaseModel):
    requirements: list[str] = Field(min_length=1, max_length=MAX_REQUIREMENTS)


# The resume lines shown to the model for each requirement, by their labels (the best two by similarity).
LINE_LABELS = ("a", "b")


class RequirementJudgement(BaseModel):
    index: int
    status: Literal["met", "partial", "missing"]
    # Which line shown proves it, by its label: copying the line out would be some 25 tokens of
    # writing per requirement judged (2-3 s each on a slow 2-core machine), and a small model garbles
    # what it copies.
    line: Literal["a", "b", "none"]


class Judgements(BaseModel):
    judgements: list[RequirementJudgement]


SUGGESTIONS = 3
# Asked for as one sentence each, which the 1.5B model stretched to two or three (40 tokens apiece).
SUGGESTION_CHARS = 160


class ResumeSuggestions(BaseModel):
    # Bounded as asked: the 1.5B model wrote five where the prompt asked for three.
    suggestions: list[Annotated[str, one_sentence(SUGGESTION_CHARS)]] = Field(
        min_length=1, max_length=SUGGESTIONS
    )


def _clean(fragment: str) -> str:
    fragment = _BULLET.sub("", fragment.strip())
    fragment = _LEAD_IN.sub("", fragment)
    return " ".join(fragment.split()).strip(" ,;:.-")


def job_title(job_description: str) -> str | None:
    """The heading line a job description often starts with ("Senior Engineer, Payments Platform")."""
    lines = job_description.strip().splitlines()
    if len(lines) < 2 or lines[1].strip():
        return None
    first = lines[0].strip()
    if not first or first[-1] in ".;:!?" or len(first.split()) > MAX_TITLE_WORDS:
        return None
    return first


def _split_list(sentence: str) -> list[str]:
    """A sentence's comma list, then its "X and Y" pairs, where both sides stand on their own.

    "Designing and operating distributed systems" is one requirement (two verbs sharing an object),
    "Leading incidents and writing postmortems" two.
    """
    parts: list[str] = []
    for piece in re.split(r",\s*(?:and\s+)?", sentence):
        halves = re.split(r"\s+and\s+(?=[a-z]+\s)", piece)
        if len(halves) > 1 and all(len(half.split()) >= 2 for half in halves):
            parts.extend(halves)
        else:
            parts.append(piece)
    return [part for part in (_clean(part) for part in parts) if part]


def requirement_candidates(job_description: str) -> list[str]:
    """Requirements read off the job description's own sentences, bullets and comma lists.

    Its title and the employer's introduction of itself ("We are looking for…") are not requirements.
    """
    found: list[str] = []
    title = job_title(job_description)
    body = job_description.strip()[len(title) :] if title else job_description
    for sentence in _SPLIT_SENTENCES.split(_WRAPPED.sub(" ", body)):
        cleaned = _clean(sentence)
        if not cleaned or _EMPLOYER_PITCH.match(cleaned):
            continue
        parts = _split_list(cleaned)
        # A comma list of short items ("Go, Terraform, incident leadership") is several requirements.
        items = parts if len(parts) > 1 and all(len(part.split()) <= 8 for part in parts) else [cleaned]
        found.extend(item for item in items if len(_WORD.findall(item)) >= MIN_WORDS)
    return _dedupe(found)[:MAX_REQUIREMENTS]


def resume_lines(resume_text: str) -> list[str]:
    lines = [_clean(part) for part in _SPLIT_SENTENCES.split(resume_text)]
    return _dedupe([line for line in lines if len(line.split()) >= 2])[:MAX_RESUME_LINES]


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    unique = []
    for item in items:
        key = item.lower()
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def key_terms(requirement: str) -> list[str]:
    """Words that carry the requirement: names of technologies, numbers, uncommon words."""
    return [word for word in _WORD.findall(requirement) if word.lower() not in _STOPWORDS and len(word) > 1]


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


def grounded(requirement: str, job_description: str) -> bool:
    """Whether a requirement the model extracted really comes from the job description."""
    terms = key_terms(requirement)
    if not terms:
        return False
    lowered = job_description.lower()
    return sum(term.lower() in lowered for term in terms) / len(terms) >= 0.6


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


def summarise(assessments: list[RequirementAssessment]) -> str:
    met = [item for item in assessments if item.status == "met"]
    partial = [item for item in assessments if item.status == "partial"]
    missing = [item for item in assessments if item.status == "missing"]
    summary = (
        f"Your resume clearly covers {len(met)} of the {len(assessments)} requirements"
        f"{f' and partly covers {len(partial)} more' if partial else ''}."
    )
    if missing:
        summary += " Not shown yet: " + "; ".join(item.requirement for item in missing[:6]) + "."
    return summary


def fallback_suggestions(assessments: list[RequirementAssessment]) -> list[str]:
    suggestions = []
    for item in assessments:
        if item.status == "missing":
            suggestions.append(
                f'If you have done it, add a bullet that shows "{item.requirement}" with a measurable result '
                "(scale, time saved, latency, cost or revenue)."
            )
        elif item.status == "partial" and item.evidence:
            suggestions.append(
                f'Strengthen "{item.evidence}" so it plainly demonstrates "{item.requirement}", '
                "and quantify its impact."
            )
    suggestions.append(
        "Lead each bullet with a strong verb and follow the pattern: "
        "accomplished X, as measured by Y, by doing Z."
    )
    return suggestions[:6]


class GapAnalyzer:
    def __init__(self, provider: LLMProvider, embeddings: EmbeddingService) -> None:
        self._provider = provider
        self._embeddings = embeddings

    async def analyze(self, resume_text: str, job_description: str, knowledge: list[str]) -> GapAnalysis:
        requirements = await self._requirements(job_description)
        lines = resume_lines(resume_text)
        similarities, best_lines = await self._similarities(requirements, lines)
        model_view = await self._judgements(requirements, best_lines)
        assessments = []
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
        match_score = 100 * sum(STATUS_WEIGHT[item.status] for item in assessments) / max(1, len(assessments))
        return GapAnalysis(
            match_score=round(match_score, 1),
            summary=summarise(assessments),
            requirements=assessments,
            resume_suggestions=await self._suggestions(assessments, knowledge),
        )

    async def _requirements(self, job_description: str) -> list[str]:
        heuristic = requirement_candidates(job_description)
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
        from_model = _dedupe(
            [
                _clean(item)
                for item in extracted.requirements
                if grounded(item, job_description) and not self._noise(item, job_description)
            ]
        )
        # A weak model may skip half the list or invent items; the JD's own sentences cover for it.
        return from_model[:MAX_REQUIREMENTS] if len(from_model) >= max(3, len(heuristic) // 2) else heuristic

    @staticmethod
    def _noise(item: str, job_description: str) -> bool:
        """What a weak model copies out that is no requirement: the title, a lone verb ("Designing")."""
        cleaned = _clean(item)
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

    async def _suggestions(self, assessments: list[RequirementAssessment], knowledge: list[str]) -> list[str]:
        gaps = [item for item in assessments if item.status != "met"]
        if not gaps:
            return [
                "Every requirement is covered: make sure each bullet carries a number (scale, time, money, "
                "quality) so the impact is as visible as the skill."
            ]
        advice = "\n\n".join(
            excerpt(passage, ADVICE_EXCERPT_CHARS) for passage in knowledge[:ADVICE_PASSAGES]
        )
        listing = "\n".join(f"- {item.requirement} ({item.status})" for item in gaps)
        try:
            answer = await self._provider.generate_structured_response(
                f"Write {SUGGESTIONS} concrete suggestions to improve this resume for the job, one "
                "sentence each. Each names the requirement it addresses and the fact or number to add "
                "that would show it; never invent a result.\n\n"
                f"Requirements not yet shown or only partly shown:\n{listing}\n\n"
                f"Best practices:\n{advice}\n\n"
                'Answer with a JSON object: {"suggestions": ["...", "..."]}.',
                ResumeSuggestions,
                temperature=0.3,
            )
        except LLMOutputError:
            return fallback_suggestions(assessments)
        suggestions = _dedupe(
            [
                finished_sentence(item, SUGGESTION_CHARS)
                for item in answer.suggestions
                if len(item.split()) >= 5
            ]
        )
        return suggestions or fallback_suggestions(assessments)
