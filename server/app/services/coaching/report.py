"""The feedback report composed from evidence: every sentence in it is built by code from what was
labelled, measured or quoted, so it cannot say what the answer does not support."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.schemas.feedback import (
    DeliveryMetrics,
    FeedbackReport,
    Relevance,
    STARAnalysis,
    StarComponentEvidence,
    StarEvidence,
)
from app.services.coaching import delivery_metrics
from app.services.coaching.coverage import COVERAGE_POINTS, Coverage, star_quality
from app.services.coaching.evidence import COMPONENTS
from app.services.coaching.relevance import RelevanceVerdict
from app.services.coaching.transcript import Unit

_JUDGED = {
    "situation": {
        "specific": "You set the scene with specifics",
        "vague": "You set the scene, but in general terms",
        "barely mentioned": "The situation is only touched on",
        "missing": "You did not describe the situation: where and when it happened and what was wrong",
    },
    "task": {
        "specific": "You said clearly what you were responsible for",
        "vague": "Your responsibility comes across, but vaguely",
        "barely mentioned": "Your own responsibility is only hinted at",
        "missing": "You did not say what your own task or goal was",
    },
    "action": {
        "specific": "You described concrete steps you took",
        "vague": "Your actions are there, but in general terms",
        "barely mentioned": "What you did is only hinted at",
        "missing": "You did not describe any step you took",
    },
    "result": {
        "specific": "You gave a concrete result",
        "vague": "You gave a result, but not a concrete one",
        "barely mentioned": "The result is only hinted at",
        "missing": "You did not say what the result was",
    },
}
QUOTE_CHARS = 160


@dataclass(frozen=True, slots=True)
class Judgement:
    """Everything the report says about the content, decided before it is written."""

    transcript: str
    evidence: Mapping[str, Sequence[Unit]]
    coverages: Mapping[str, Coverage]
    relevance: RelevanceVerdict
    relevance_explanation: str
    recommendations: list[str]
    improved_answer: str | None


def _quoted(units: Sequence[Unit], transcript: str) -> str:
    """The units as said: neighbouring units as one span of the transcript (with the comma between
    them), others joined by "..."."""
    runs: list[list[Unit]] = []
    for unit in units:
        if runs and runs[-1][-1].index + 1 == unit.index:
            runs[-1].append(unit)
        else:
            runs.append([unit])
    text = " ... ".join(transcript[run[0].start : run[-1].end] for run in runs)
    if len(text) > QUOTE_CHARS:
        text = text[:QUOTE_CHARS].rsplit(" ", 1)[0] + "..."
    return text


def component_text(component: str, coverage: Coverage, units: Sequence[Unit], transcript: str) -> str:
    judged = _JUDGED[component][coverage] + "."
    return f'{judged} You said: "{_quoted(units, transcript)}"' if units and coverage != "missing" else judged


def _listing(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"


def overall_assessment(coverages: Mapping[str, Coverage], answers_question: bool) -> str:
    groups: dict[str, list[str]] = {}
    for component in COMPONENTS:
        groups.setdefault(coverages[component], []).append(component)
    parts = []
    if groups.get("specific"):
        parts.append(f"tells the {_listing(groups['specific'])} specifically")
    thin = groups.get("vague", []) + groups.get("barely mentioned", [])
    if thin:
        parts.append(f"the {_listing(thin)} only in general terms")
    if groups.get("missing"):
        parts.append(f"leaves out the {_listing(groups['missing'])}")
    story = "The answer " + (_listing(parts) if parts else "tells no story") + "."
    if not answers_question:
        return "This answer does not address the question asked. " + story
    return story


def relevance_explanation(verdict: RelevanceVerdict, question: str) -> str:
    if verdict.answers_question:
        return f"The answer speaks to the question '{question.rstrip('?.')}'."
    if verdict.unmet_demand is not None:
        return (
            f"The question asked '{question.rstrip('?.')}', and the answer never speaks of "
            f"{verdict.unmet_demand}; open with the part of your experience that answers it."
        )
    elsewhere = (
        f" (it reads closer to a question about {verdict.answer_theme.replace('-', ' ')})"
        if verdict.answer_theme is not None
        else ""
    )
    return (
        f"The question asked '{question.rstrip('?.')}', and the answer tells about something "
        f"else{elsewhere}; open with the part of your experience that answers it."
    )


def build_report(judgement: Judgement, metrics: delivery_metrics.RawDeliveryMetrics) -> FeedbackReport:
    coverages = judgement.coverages
    answers = judgement.relevance.answers_question
    quality = star_quality(dict(coverages), answers)
    confidence = delivery_metrics.confidence_score(
        metrics.filler_word_count, metrics.total_words, metrics.pace_rating
    )
    delivery = delivery_metrics.delivery_quality(metrics.pace_rating, metrics.filler_word_count)
    overall = delivery_metrics.overall_score(quality, delivery, confidence)
    components = {
        component: StarComponentEvidence(
            coverage=coverages[component],
            points=COVERAGE_POINTS[coverages[component]],
            evidence=[unit.text for unit in judgement.evidence[component]]
            if coverages[component] != "missing"
            else [],
        )
        for component in COMPONENTS
    }
    return FeedbackReport(
        star_analysis=STARAnalysis(
            situation=component_text(
                "situation", coverages["situation"], judgement.evidence["situation"], judgement.transcript
            ),
            task=component_text("task", coverages["task"], judgement.evidence["task"], judgement.transcript),
            action=component_text(
                "action", coverages["action"], judgement.evidence["action"], judgement.transcript
            ),
            result=component_text(
                "result", coverages["result"], judgement.evidence["result"], judgement.transcript
            ),
            overall_assessment=overall_assessment(coverages, answers),
            components=StarEvidence(**components),
        ),
        delivery_metrics=DeliveryMetrics(
            filler_word_count=metrics.filler_word_count,
            words_per_minute=round(metrics.words_per_minute, 2),
            pace_rating=round(metrics.pace_rating, 2),
            confidence_score=round(min(10.0, max(0.0, confidence)), 2),
        ),
        recommendations=judgement.recommendations,
        overall_score=round(min(100.0, max(0.0, overall)), 2),
        star_quality=quality,
        delivery_quality=round(delivery, 2),
        relevance=Relevance(answers_question=answers, explanation=judgement.relevance_explanation),
        improved_answer=judgement.improved_answer,
    )
