"""Realistic server responses, built with the server's own schemas, for rendering screens in tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from app.schemas.feedback import DeliveryMetrics, FeedbackReport, STARAnalysis
from app.schemas.gap_analysis import GapAnalysis, GapAnalysisStatus, RequirementAssessment
from app.schemas.history import AnswerSummary, SessionSummary
from app.schemas.recording import RecordingDetail
from app.schemas.session import RecordingResult, SessionState, SessionStatus

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
SESSION_ID = uuid.UUID("6f1c2a50-6d7e-4b39-9f0e-3c1d2a4b5c6d")
RESUME_ID = uuid.UUID("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")

JOB_DESCRIPTION = (
    "Staff Software Engineer, Platform\n\nWe are hiring a Staff Software Engineer to lead our platform team. "
    "You will design distributed systems in Python and Go, own our Kubernetes infrastructure, mentor "
    "engineers, and partner with product managers.\n\nRequirements: 8+ years of backend experience, Go, "
    "Terraform, incident leadership."
)

TRANSCRIPT = (
    "So, um, at my last company our payments API was, like, really slow at peak. I was asked to own "
    "the migration to microservices. I, you know, profiled the monolith first, split out the ledger "
    "service, and sort of rolled it out behind a feature flag. In the end p99 latency dropped from 900 "
    "to 180 milliseconds and we handled two million requests a day without incidents."
)


def feedback_report() -> FeedbackReport:
    return FeedbackReport(
        star_analysis=STARAnalysis(
            situation="Clear: a slow payments API at peak load at your last company.",
            task="Present but brief: you owned the migration. Say what success meant before you started.",
            action="Strong: profiling first, extracting the ledger service, and a feature-flagged rollout.",
            result="Excellent: p99 latency from 900 ms to 180 ms at two million requests a day.",
            overall_assessment=(
                "A well-structured answer with a measurable result. Tighten the opening and state the goal "
                "explicitly to make the Task as strong as the Result."
            ),
        ),
        delivery_metrics=DeliveryMetrics(
            filler_word_count=4, words_per_minute=171.0, pace_rating=8.9, confidence_score=7.6
        ),
        recommendations=[
            "Open with one sentence of context, then say what you were responsible for.",
            "Replace fillers such as “um” and “you know” with a short pause.",
            "Slow down slightly in the Action part so each step lands.",
            "End by naming what you learned or would repeat next time.",
        ],
        overall_score=78.4,
        star_quality=85.0,
        delivery_quality=72.7,
    )


def recording_detail(*, complete: bool = True) -> RecordingDetail:
    return RecordingDetail(
        id=uuid.UUID("9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"),
        session_id=SESSION_ID,
        question_text="Tell me about a time you improved the performance of a system under pressure.",
        transcript=TRANSCRIPT,
        feedback_status="complete" if complete else "processing",
        feedback=feedback_report() if complete else None,
        created_at=NOW,
        audio_duration_seconds=27.5,
    )


def gap_analysis() -> GapAnalysis:
    return GapAnalysis(
        match_score=64.0,
        summary=(
            "Strong backend and Python experience with measurable impact. Go, Terraform and leading "
            "incidents are not shown yet."
        ),
        requirements=[
            RequirementAssessment(
                requirement="Design distributed systems in Python",
                status="met",
                evidence="Led the migration of a payments API from a monolith to Python microservices",
                similarity=0.82,
            ),
            RequirementAssessment(
                requirement="Mentor engineers",
                status="met",
                evidence="Mentored four engineers; introduced code review guidelines",
                similarity=0.77,
            ),
            RequirementAssessment(
                requirement="Own Kubernetes infrastructure",
                status="partial",
                evidence="Skills: Python, FastAPI, PostgreSQL, Redis, Docker, Kubernetes, AWS.",
                similarity=0.51,
            ),
            RequirementAssessment(
                requirement="8+ years of backend experience",
                status="partial",
                evidence="Senior Backend Engineer",
                similarity=0.45,
            ),
            RequirementAssessment(requirement="Go", status="missing", similarity=0.12),
            RequirementAssessment(requirement="Terraform", status="missing", similarity=0.08),
            RequirementAssessment(requirement="Incident leadership", status="missing", similarity=0.21),
        ],
        resume_suggestions=[
            "Add the on-call incidents you led and how quickly they were resolved.",
            "Name the Kubernetes work you owned (clusters, scale, tooling), not just the keyword.",
            "Mention any Go or infrastructure-as-code experience, even from side projects.",
        ],
    )


def practice_session(
    status: SessionState, gap: GapAnalysis | None = None, failure_reason: str | None = None
) -> SessionStatus:
    """A practice's session right after it was started: no questions nor answers yet."""
    return SessionStatus(
        session_id=SESSION_ID,
        status=status,
        results=[],
        job_description=JOB_DESCRIPTION,
        resume_id=RESUME_ID,
        created_at=NOW,
        gap_analysis=gap,
        failure_reason=failure_reason,
    )


def standalone_gap_analysis(status: SessionState, failure_reason: str | None = None) -> GapAnalysisStatus:
    """A gap analysis asked for on its own (`POST /gap-analysis`)."""
    return GapAnalysisStatus(
        analysis_id=uuid.UUID("3e2d1c0b-9a8f-4e7d-8c6b-5a4f3e2d1c0b"),
        status=status,
        resume_id=RESUME_ID,
        created_at=NOW,
        result=gap_analysis() if status == "complete" else None,
        failure_reason=failure_reason,
    )


def history() -> tuple[list[SessionSummary], list[AnswerSummary]]:
    sessions = [
        SessionSummary(
            session_id=uuid.uuid4(),
            status="complete",
            created_at=NOW - timedelta(days=days),
            resume_id=RESUME_ID,
            title=title,
            question_count=6,
            answer_count=answers,
        )
        for days, title, answers in (
            (0, "Staff Software Engineer, Platform", 3),
            (3, "Senior Backend Engineer, Payments", 4),
            (9, "Engineering Manager, Infrastructure", 2),
        )
    ]
    scores = [
        (52, 48, 9.1, 182),
        (58, 60, 7.4, 176),
        (61, 65, 6.0, 168),
        (66, 70, 5.2, 163),
        (70, 75, 4.1, 158),
        (69, 72, 4.4, 151),
        (74, 80, 3.0, 149),
        (78, 85, 2.6, 154),
    ]
    answers = [
        AnswerSummary(
            recording_id=uuid.uuid4(),
            session_id=sessions[0].session_id,
            question=question,
            created_at=NOW - timedelta(days=12 - index * 1.5),
            feedback_status="complete",
            audio_duration_seconds=95.0,
            overall_score=overall,
            star_quality=star,
            filler_word_count=int(fillers * 1.5),
            fillers_per_minute=fillers,
            words_per_minute=wpm,
            confidence_score=overall / 10,
        )
        for index, (question, (overall, star, fillers, wpm)) in enumerate(
            zip(
                [
                    "Tell me about a conflict with a colleague and how you resolved it.",
                    "Describe a project that failed. What did you learn?",
                    "How do you prioritise when everything is urgent?",
                    "Tell me about a time you influenced without authority.",
                    "Walk me through a technical decision you regret.",
                    "Describe how you mentored a struggling engineer.",
                    "Tell me about a time you improved a system's performance.",
                    "Tell me about a time you improved the performance of a system under pressure.",
                ],
                scores,
                strict=True,
            )
        )
    ]
    return sessions, list(reversed(answers))


def session_status(questions: list[str]) -> SessionStatus:
    scored = recording_detail()
    return SessionStatus(
        session_id=SESSION_ID,
        status="complete",
        generated_questions=questions,
        job_description=JOB_DESCRIPTION,
        resume_id=RESUME_ID,
        created_at=NOW,
        results=[
            RecordingResult(
                recording_id=scored.id,
                question=questions[0],
                transcript=scored.transcript,
                feedback=scored.feedback,
                feedback_status="complete",
            ),
            RecordingResult(
                recording_id=uuid.uuid4(),
                question=questions[1],
                transcript="I was on call when the payments queue backed up...",
                feedback_status="processing",
            ),
        ],
    )
