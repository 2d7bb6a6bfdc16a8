"""Gap analysis: each requirement of a job description judged against the resume.

Built to hold up on a weak local model: three signals are combined per requirement, so no single
one decides alone — embedding similarity between the requirement and the best resume line, the
requirement's key terms found verbatim in the resume, and the model's judgement of the candidates.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from app.schemas.gap_analysis import GapAnalysis, RequirementAssessment, RequirementStatus
from app.services.coaching.facts import invented_facts
from app.services.embedding import EmbeddingService, unit_rows
from app.services.llm import LLMOutputError, LLMProvider

logger = logging.getLogger(__name__)

MAX_REQUIREMENTS = 20
# Fewer items than this read off the structure, and the job description is prose the model reads.
MIN_STRUCTURED_REQUIREMENTS = 4
MIN_LIST_ITEMS = 3
SHORT_ITEM_WORDS = 5
MAX_RESUME_LINES = 200
MIN_WORDS = 1
MAX_TITLE_WORDS = 10
STATUS_WEIGHT: dict[RequirementStatus, float] = {"met": 1.0, "partial": 0.5, "missing": 0.0}
# Cosine similarities of all-mpnet-base-v2 between a requirement and an unrelated line sit near
# 0.1-0.2, a clear match above 0.55: the similarity signal is scaled over that band.
SIMILARITY_FLOOR = 0.2
SIMILARITY_CEILING = 0.6
MET_THRESHOLD = 0.62
# Two requirements this close in meaning are one said twice.
DUPLICATE_SIMILARITY = 0.75
PARTIAL_THRESHOLD = 0.35

_SPLIT_SENTENCES = re.compile(r"(?<=[.;!?])\s+|\n+")
_BULLET = re.compile(r"^\s*(?:[-*•·▪◦]|\d+[.)])\s*")
_LEAD_IN = re.compile(
    r"^(?:requirements?|qualifications?|must[- ]haves?|nice to have|you have|you will|what you(?:'ll)? bring|"
    r"responsibilities|skills)\s*:\s*",
    re.IGNORECASE,
)
# Where a job description turns from what it requires to what it would merely like.
_NICE_HEADING = re.compile(
    r"^\s*(?:nice[- ]to[- ]haves?|bonus(?: points)?|preferred(?: qualifications)?|pluses|extra credit|"
    r"good to have|it would be (?:great|nice)|we'd love|would be a plus)\b.*$",
    re.IGNORECASE | re.MULTILINE,
)
_NICE_SENTENCE = re.compile(
    r"\b(?:is|are|would be) (?:a )?(?:plus|bonus|nice to have)\b|\bnice[- ]to[- ]have\b|\bbonus points?\b|"
    r"\bit would be (?:great|nice)\b|\bpreferred\b",
    re.IGNORECASE,
)
_HEADING = re.compile(r"^\s*[A-Z][^.!?\n]{0,60}:\s*$", re.MULTILINE)
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
# A resume line this close to a requirement is the one a suggestion asks the candidate to build on.
RELATED_SIMILARITY = 0.35


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


def split_nice_to_have(job_description: str) -> tuple[str, str]:
    """The job description's requirements part and its nice-to-have part: a "Nice to have" (bonus,
    preferred) heading starts the latter, which runs to the next heading; a sentence saying an item
    "is a plus" belongs to it wherever it stands."""
    required: list[str] = []
    nice: list[str] = []
    in_nice = False
    # A nice-to-have sentence wrapped onto the next line takes that line's text up to its full stop.
    continued = False
    for line in job_description.splitlines():
        if _NICE_HEADING.match(line):
            in_nice = True
        elif _HEADING.match(line) or (in_nice and not line.strip() and nice and not nice[-1].strip()):
            in_nice = False
        if in_nice:
            nice.append(line)
            continue
        kept: list[str] = []
        for position, sentence in enumerate(re.split(r"(?<=[.!?])\s+", line)):
            nice_sentence = _NICE_SENTENCE.search(sentence) is not None or (continued and position == 0)
            (nice if nice_sentence else kept).append(sentence)
            continued = nice_sentence and not sentence.rstrip().endswith((".", "!", "?"))
        required.append(" ".join(kept))
    return "\n".join(required), "\n".join(nice)


def nice_to_have_candidates(job_description: str) -> list[str]:
    """The nice-to-have items, one per listed tool or skill."""
    _, nice = split_nice_to_have(job_description)
    items: list[str] = []
    for sentence in _SPLIT_SENTENCES.split(_WRAPPED.sub(" ", nice)):
        cleaned = _NICE_LEAD.sub("", _clean(_NICE_HEADING_WORDS.sub("", _clean(sentence))))
        cleaned = _NICE_TAIL.sub("", cleaned).strip(" ,;:.")
        # "Dagster, Apache Iceberg or Great Expectations" is three tools; "Next.js or other
        # server-side rendering experience" is one item, and so is anything in brackets.
        parts = [part for part in re.split(r",\s*(?:or\s+|and\s+)?|\s+or\s+", cleaned) if part.strip()]
        if "(" not in cleaned and all(len(part.split()) <= 2 for part in parts):
            items.extend(parts)
        elif cleaned:
            items.append(cleaned)
    return _dedupe([_clean(item) for item in items if _clean(item)])[:MAX_REQUIREMENTS]


_NICE_HEADING_WORDS = re.compile(
    r"^(?:nice[- ]to[- ]haves?|bonus(?: points)?|preferred(?: qualifications)?|pluses|good to have)\s*:?\s*",
    re.IGNORECASE,
)
_NICE_LEAD = re.compile(
    r"^(?:it would be (?:great|nice) if you (?:have|had)|we'd love|(?:experience|familiarity) (?:with|in)|"
    r"knowledge of)\s*:?\s*",
    re.IGNORECASE,
)
_NICE_TAIL = re.compile(r"\s*(?:is|are|would be) (?:a )?(?:plus|bonus|nice to have).*$", re.IGNORECASE)


_REQUIREMENT_HEADING = re.compile(
    r"\b(?:requirements?|qualifications?|you have|you bring|bring|you(?:'ll| will) need|need|"
    r"look(?:ing)? for|must[- ]haves?|about you|who you are|you are|skills|experience|what we expect)\b",
    re.IGNORECASE,
)
# Prose under a requirements heading often holds two in one sentence: "..., and you write tests ...".
_PROSE_JOINT = re.compile(r",?\s+and (?=(?:you|we)\s)|;\s+")


def _is_heading(lines: list[str], index: int) -> bool:
    line = lines[index].strip()
    if not line or _BULLET.match(line):
        return False
    if line.endswith(":") and len(line.split()) <= 8:
        return True
    before = lines[index - 1].strip() if index > 0 else ""
    after = lines[index + 1].strip() if index + 1 < len(lines) else ""
    return not before and bool(after) and len(line.split()) <= 6 and line[-1] not in ".;,!?"


def _sections(body: str) -> list[tuple[str | None, list[str], str]]:
    """(heading, bullet items, prose) per section of a job description, each bullet whole (a bullet
    wrapped over two lines is one item)."""
    lines = body.splitlines()
    sections: list[tuple[str | None, list[str], str]] = []
    heading: str | None = None
    bullets: list[str] = []
    prose: list[str] = []
    in_bullet = False

    def close() -> None:
        if bullets or prose or heading:
            sections.append((heading, list(bullets), " ".join(prose)))

    for index, raw in enumerate(lines):
        line = raw.strip()
        if _is_heading(lines, index):
            close()
            heading, bullets, prose, in_bullet = line.rstrip(":"), [], [], False
        elif _BULLET.match(line):
            bullets.append(_BULLET.sub("", line))
            in_bullet = True
        elif not line:
            in_bullet = False
        elif in_bullet and bullets:
            bullets[-1] = f"{bullets[-1]} {line}"
        else:
            prose.append(line)
    close()
    return sections


def _prose_items(prose: str) -> list[str]:
    items: list[str] = []
    for sentence in _SPLIT_SENTENCES.split(prose):
        for part in _PROSE_JOINT.split(sentence):
            cleaned = _clean(part)
            if not cleaned or _EMPLOYER_PITCH.match(cleaned):
                continue
            # An inline list of short items ("Go, Terraform, incident leadership") is several; a
            # sentence that names two skills ("... Python and know PyTorch well") stays one.
            pieces = [_clean(piece) for piece in re.split(r",\s+(?:and\s+|or\s+)?", cleaned)]
            short = len(pieces) >= MIN_LIST_ITEMS and all(
                len(piece.split()) <= SHORT_ITEM_WORDS for piece in pieces
            )
            items.extend(pieces if short else [cleaned])
    return items


def requirement_candidates(job_description: str) -> list[str]:
    """Requirements read off the job description's structure: every bullet, whole, and the sentences
    under a requirements heading ("Requirements:", "You have", "About you"). The introduction (the
    employer's pitch, the role's duties) counts only when no section names requirements; the title
    and the nice-to-have items never do.
    """
    title = job_title(job_description)
    body = job_description.strip()[len(title) :] if title else job_description
    body, _ = split_nice_to_have(body)
    sections = _sections(body)
    named = any(heading and _REQUIREMENT_HEADING.search(heading) for heading, _, _ in sections)
    found: list[str] = []
    for heading, bullets, prose in sections:
        found.extend(bullets)
        if not named or (heading and _REQUIREMENT_HEADING.search(heading)):
            found.extend(_prose_items(prose))
    cleaned = [_clean(item) for item in found]
    return _dedupe([item for item in cleaned if len(_WORD.findall(item)) >= MIN_WORDS])[:MAX_REQUIREMENTS]


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


def _line_quote(line: str) -> str:
    words = line.split()
    return " ".join(words[:14]) + ("..." if len(words) > 14 else "")


def resume_suggestions(
    assessments: list[RequirementAssessment], closest: list[str | None], resume_text: str
) -> list[str]:
    """Up to three suggestions for the requirements the resume does not yet show, partial ones first.

    Each names the requirement, quotes the resume line it would improve, and asks in brackets for the
    candidate's own fact: written by code, it can state no achievement the candidate never claimed,
    and `invented_facts` refuses one that names a number or tool outside the resume and requirement.
    """
    order = [index for index, item in enumerate(assessments) if item.status == "partial"]
    order += [index for index, item in enumerate(assessments) if item.status == "missing"]
    suggestions: list[str] = []
    for index in order:
        item = assessments[index]
        line = item.evidence or closest[index]
        if line:
            text = (
                f"For '{item.requirement}', build on '{_line_quote(line)}': add [what you did yourself] "
                "and [the result, as a number]."
            )
        else:
            text = (
                f"For '{item.requirement}', if you have done it, add a line saying [where you did it] "
                "and [what came of it, as a number]; if not, be ready to say how you would learn it."
            )
        if not invented_facts(text, [resume_text, item.requirement]):
            suggestions.append(text)
        if len(suggestions) == SUGGESTIONS:
            break
    if not suggestions:
        unmeasured = [line for line in resume_lines(resume_text) if not re.search(r"\d", line)][:1]
        suggestions = [
            f"Every requirement is covered; put a number on '{_line_quote(line)}': "
            "[how much, how many or how fast]."
            for line in unmeasured
        ]
    return suggestions


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
        from_model = _dedupe(
            [
                _clean(item)
                for item in extracted.requirements
                if grounded(item, required) and not self._noise(item, job_description)
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
