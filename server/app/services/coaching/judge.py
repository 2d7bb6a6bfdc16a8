"""One answer judged from its evidence: units labelled, coverage, relevance, advice, the rewrite."""

from __future__ import annotations

from collections.abc import Sequence

from app.services.coaching import delivery_metrics
from app.services.coaching.coverage import coverages_of
from app.services.coaching.evidence import (
    COMPONENTS,
    DEFAULT_WEIGHTS,
    Weights,
    evidence_by_component,
    label_units,
    star_bank,
)
from app.services.coaching.improved_answer import improved_answer
from app.services.coaching.reading import AnswerReading, model_labels, model_says_yes
from app.services.coaching.recommendations import Search, find_findings, measured_facts, recommendations
from app.services.coaching.relevance import judge_relevance, named_event, question_bank, read_themes
from app.services.coaching.report import Judgement, relevance_explanation
from app.services.coaching.transcript import Unit
from app.services.embedding import EmbeddingService, unit_rows


async def judge_answer(
    question: str,
    transcript: str,
    units: Sequence[Unit],
    metrics: delivery_metrics.RawDeliveryMetrics,
    embeddings: EmbeddingService,
    search: Search,
    reading: AnswerReading | None = None,
    resume_text: str | None = None,
    weights: Weights = DEFAULT_WEIGHTS,
) -> Judgement:
    bank = await star_bank(embeddings)
    vectors = unit_rows(await embeddings.embed_texts([question, transcript, *(unit.text for unit in units)]))
    labelled = label_units(units, vectors[2:], bank, model_labels(reading, units), weights)
    evidence = evidence_by_component(labelled)
    coverages = coverages_of({component: evidence[component] for component in COMPONENTS}, units)
    similarity = float(max(vectors[1:] @ vectors[0]))
    themes = read_themes(vectors[0], vectors[1], await question_bank(embeddings))
    event = named_event(question, transcript)
    verdict = judge_relevance(similarity, model_says_yes(reading), themes, event)
    found = find_findings(question, transcript, units, evidence, coverages, verdict.answers_question, metrics)
    sources = [transcript, question, resume_text or "", measured_facts(transcript, metrics)]
    return Judgement(
        transcript=transcript,
        evidence=evidence,
        coverages=coverages,
        relevance=verdict,
        relevance_explanation=relevance_explanation(verdict, question),
        recommendations=await recommendations(found, search, embeddings, sources),
        improved_answer=improved_answer(evidence, coverages, transcript, resume_text),
    )
