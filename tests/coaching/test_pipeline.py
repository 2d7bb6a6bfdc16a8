"""The coaching jobs end to end on the real small model: gap analysis, questions, feedback."""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.models import Feedback, InterviewSession, Recording
from app.schemas.feedback import FeedbackReport
from app.schemas.gap_analysis import GapAnalysis
from app.services.coaching import delivery_metrics
from app.services.coaching.facts import invented_facts
from app.services.coaching.feedback_generation import generate_feedback
from app.services.coaching.recommendations import measured_facts
from app.services.practice.question_generation import generate_questions
from app.services.resources import Resources
from tests.conftest import Account
from tests.files import JOB_DESCRIPTION, make_pdf, make_wav

TRANSCRIPT = (
    "Um, so last year our checkout API was, like, really slow, around 900 milliseconds at p99. "
    "I was the tech lead and my task was to get it under 200 milliseconds before the holiday sale. "
    "I profiled the service, found two N plus one queries, uh, rewrote them and added a Redis cache "
    "for the product catalogue. I also set up a load test in CI so it would not regress, you know. "
    "In the end p99 latency dropped to 180 milliseconds and conversion went up about four percent."
)
ANSWER_SECONDS = 38.0
QUESTION = "Tell me about a time you improved the performance of a system."
# A handful of generations on a 2-core CPU: minutes, not the suite's default five.
pytestmark = pytest.mark.timeout(900)


async def create_session(api: httpx.AsyncClient, account: Account) -> uuid.UUID:
    resume = await api.post(
        "/api/v1/resumes", headers=account.headers, files={"file": ("cv.pdf", make_pdf(), "application/pdf")}
    )
    created = await api.post(
        "/api/v1/sessions",
        headers=account.headers,
        json={"resume_id": resume.json()["resume_id"], "job_description": JOB_DESCRIPTION},
    )
    return uuid.UUID(created.json()["session_id"])


async def transcribed_answer(
    api: httpx.AsyncClient, account: Account, session_id: uuid.UUID, factory: async_sessionmaker[AsyncSession]
) -> uuid.UUID:
    submitted = await api.post(
        f"/api/v1/sessions/{session_id}/recordings",
        headers=account.headers,
        data={"question": QUESTION},
        files={"audio": ("a.wav", make_wav(ANSWER_SECONDS), "audio/wav")},
    )
    recording_id = uuid.UUID(submitted.json()["recording_id"])
    # What the transcription job leaves behind (the speech service has tests of its own).
    async with factory() as db:
        recording = await db.get(Recording, recording_id)
        assert recording is not None
        recording.transcript = TRANSCRIPT
        recording.feedback_status = "processing"
        await db.commit()
    return recording_id


async def resume_of(factory: async_sessionmaker[AsyncSession], session_id: uuid.UUID) -> uuid.UUID:
    async with factory() as db:
        session = await db.get(InterviewSession, session_id)
    assert session is not None
    assert session.resume_id is not None
    return session.resume_id


def expected_numbers(report: FeedbackReport) -> None:
    metrics = delivery_metrics.analyze(TRANSCRIPT, ANSWER_SECONDS)
    assert report.delivery_metrics.filler_word_count == metrics.filler_word_count == 4
    assert report.delivery_metrics.words_per_minute == pytest.approx(metrics.words_per_minute, abs=0.01)
    assert report.delivery_metrics.pace_rating == pytest.approx(metrics.pace_rating, abs=0.01)
    confidence = delivery_metrics.confidence_score(
        metrics.filler_word_count, metrics.total_words, metrics.pace_rating
    )
    assert report.delivery_metrics.confidence_score == pytest.approx(confidence, abs=0.01)
    assert report.star_quality is not None
    assert report.star_quality in {a + b + c + d for a in (0, 5, 15, 25) for b in (0, 5, 15, 25)
                                   for c in (0, 5, 15, 25) for d in (0, 5, 15, 25)}  # fmt: skip
    delivery = delivery_metrics.delivery_quality(metrics.pace_rating, metrics.filler_word_count)
    overall = delivery_metrics.overall_score(report.star_quality, delivery, confidence)
    assert report.overall_score == pytest.approx(overall, abs=0.01)
    assert 3 <= len(report.recommendations) <= 5


def evidence_is_the_candidates(report: FeedbackReport, resume_text: str) -> None:
    """What the report shows as the candidate's words is theirs, and nothing it advises adds a fact."""
    components = report.star_analysis.components
    assert components is not None
    for name in ("situation", "task", "action", "result"):
        part = getattr(components, name)
        assert (
            part.points == {"specific": 25, "vague": 15, "barely mentioned": 5, "missing": 0}[part.coverage]
        )
        assert (part.coverage == "missing") == (not part.evidence), (name, part)
        for sentence in part.evidence:
            assert sentence in TRANSCRIPT, sentence
    # This answer tells all four parts; labelled by hand, each has a sentence of its own.
    assert all(getattr(components, name).evidence for name in ("situation", "task", "action", "result"))
    assert report.improved_answer is not None
    sources = [TRANSCRIPT, resume_text]
    assert invented_facts(report.improved_answer, sources) == []
    # Advice may state what the coach measured: pace, length, how often each filler was said.
    measured = measured_facts(TRANSCRIPT, delivery_metrics.analyze(TRANSCRIPT, ANSWER_SECONDS))
    for recommendation in report.recommendations:
        assert invented_facts(recommendation, [*sources, QUESTION, measured]) == [], recommendation
        assert recommendation.endswith((".", "?", "!")), recommendation


async def test_a_session_gets_a_gap_analysis_and_questions(
    live_api: httpx.AsyncClient,
    casey: Account,
    job_context: Resources,
    committing_factory: async_sessionmaker[AsyncSession],
    seeded_knowledge_base: int,
) -> None:
    session_id = await create_session(live_api, casey)
    await generate_questions(job_context, session_id)

    async with committing_factory() as db:
        session = await db.get(InterviewSession, session_id)
        assert session is not None
        assert session.status == "complete"
        analysis = GapAnalysis.model_validate(session.gap_analysis)
        questions = session.generated_questions
    assert 5 <= len(questions) <= 8
    assert len({question.lower() for question in questions}) == len(questions)
    assert all(question.endswith(("?", ".")) for question in questions)

    status_of = {item.requirement.lower(): item.status for item in analysis.requirements}
    missing = {name for name, status in status_of.items() if status == "missing"}
    assert any("terraform" in name for name in missing), status_of
    assert any(name == "go" or name.endswith(" go") for name in missing), status_of
    assert 0 <= analysis.match_score < 100
    assert analysis.resume_suggestions
    resume = await live_api.get(f"/api/v1/resumes/{session.resume_id}", headers=casey.headers)
    resume_words = " ".join(re.findall(r"[a-z0-9+#]+", resume.json()["parsed_text"].lower()))
    for item in analysis.requirements:
        if item.evidence:
            assert " ".join(re.findall(r"[a-z0-9+#]+", item.evidence.lower())) in resume_words

    shown = (await live_api.get(f"/api/v1/sessions/{session_id}", headers=casey.headers)).json()
    assert shown["generated_questions"] == questions
    assert shown["gap_analysis"]["match_score"] == analysis.match_score


async def test_feedback_fallback_path_follows_the_formulas(
    live_api: httpx.AsyncClient,
    casey: Account,
    job_context: Resources,
    committing_factory: async_sessionmaker[AsyncSession],
    seeded_knowledge_base: int,
) -> None:
    session_id = await create_session(live_api, casey)
    recording_id = await transcribed_answer(live_api, casey, session_id, committing_factory)
    # An agent given no time gives no reading: the evidence alone decides.
    starved = replace(
        job_context, settings=job_context.settings.model_copy(update={"AGENT_TIMEOUT_SECONDS": 0.01})
    )
    await generate_feedback(starved, recording_id)

    async with committing_factory() as db:
        feedback = await db.scalar(select(Feedback).where(Feedback.recording_id == recording_id))
        recording = await db.get(Recording, recording_id)
    assert feedback is not None
    assert recording is not None
    assert feedback.generated_by == "fallback"
    assert recording.feedback_status == "complete"
    report = FeedbackReport.model_validate(feedback.report)
    expected_numbers(report)
    resume = await live_api.get(
        f"/api/v1/resumes/{await resume_of(committing_factory, session_id)}", headers=casey.headers
    )
    evidence_is_the_candidates(report, resume.json()["parsed_text"])

    shown = (await live_api.get(f"/api/v1/recordings/{recording_id}", headers=casey.headers)).json()
    assert shown["feedback"]["overall_score"] == report.overall_score


async def test_feedback_agent_path_runs_the_tools(
    live_api: httpx.AsyncClient,
    casey: Account,
    job_context: Resources,
    committing_factory: async_sessionmaker[AsyncSession],
    seeded_knowledge_base: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    session_id = await create_session(live_api, casey)
    recording_id = await transcribed_answer(live_api, casey, session_id, committing_factory)
    patient = replace(
        job_context, settings=job_context.settings.model_copy(update={"AGENT_TIMEOUT_SECONDS": 600.0})
    )
    with caplog.at_level(logging.INFO, logger="app.services.coaching.feedback_generation"):
        await generate_feedback(patient, recording_id)

    [line] = [
        record.getMessage() for record in caplog.records if "the agent's reading" in record.getMessage()
    ]
    assert "'analyze_delivery_metrics'" in line
    # Every recommendation's guide tip is searched with the spec's tool.
    assert "'rag_knowledge_search'" in line
    async with committing_factory() as db:
        feedback = await db.scalar(select(Feedback).where(Feedback.recording_id == recording_id))
    assert feedback is not None
    report = FeedbackReport.model_validate(feedback.report)
    expected_numbers(report)
    resume = await live_api.get(
        f"/api/v1/resumes/{await resume_of(committing_factory, session_id)}", headers=casey.headers
    )
    evidence_is_the_candidates(report, resume.json()["parsed_text"])
