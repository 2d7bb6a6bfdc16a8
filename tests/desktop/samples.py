"""Realistic server responses, built with the server's own schemas, for rendering screens in tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from app.schemas.feedback import (
    Coverage,
    DeliveryMetrics,
    FeedbackReport,
    Relevance,
    STARAnalysis,
    StarComponentEvidence,
    StarEvidence,
)
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


QUESTION = "Tell me about a time you improved the performance of a system under pressure."
EVIDENCE: dict[str, tuple[Coverage, list[str]]] = {
    "situation": (
        "specific",
        ["So, um, at my last company our payments API was, like, really slow at peak."],
    ),
    "task": ("vague", ["I was asked to own the migration to microservices."]),
    "action": (
        "specific",
        [
            "I, you know, profiled the monolith first, split out the ledger service, and sort of rolled it "
            "out behind a feature flag."
        ],
    ),
    "result": (
        "specific",
        [
            "In the end p99 latency dropped from 900 to 180 milliseconds and we handled two million requests "
            "a day without incidents."
        ],
    ),
}


def feedback_report(*, answers_question: bool = True) -> FeedbackReport:
    points: dict[Coverage, int] = {"specific": 25, "vague": 15}
    components = {
        part: StarComponentEvidence(coverage=coverage, points=points[coverage], evidence=evidence)
        for part, (coverage, evidence) in EVIDENCE.items()
    }
    relevance = (
        Relevance(answers_question=True, explanation=f"The answer speaks to the question '{QUESTION[:-1]}'.")
        if answers_question
        else Relevance(
            answers_question=False,
            explanation=f"The question asked '{QUESTION[:-1]}', and the answer tells about something else; "
            "open with the part of your experience that answers it.",
        )
    )
    return FeedbackReport(
        star_analysis=STARAnalysis(
            situation=f'You set the scene with specifics. You said: "{EVIDENCE["situation"][1][0]}"',
            task=f'Your responsibility comes across, but vaguely. You said: "{EVIDENCE["task"][1][0]}"',
            action=f'You described concrete steps you took. You said: "{EVIDENCE["action"][1][0]}"',
            result=f'You gave a concrete result. You said: "{EVIDENCE["result"][1][0]}"',
            overall_assessment="The answer tells the situation, action and result specifically and the task "
            "only in general terms.",
            components=StarEvidence(**components),
        ),
        delivery_metrics=DeliveryMetrics(
            filler_word_count=4, words_per_minute=171.0, pace_rating=8.9, confidence_score=7.6
        ),
        recommendations=[
            "Make the task concrete: 'I was asked to own the migration to microservices' names nothing "
            "specific; say what you personally owned and the target or deadline.",
            "Cut the fillers: you said 'um' 1 times and 'like' 1 times; a short silent pause sounds more "
            "confident.",
            "Keep the result as you told it: 'In the end p99 latency dropped from 900 to 180 milliseconds "
            "and we...' is specific, which makes the story believable.",
        ],
        overall_score=78.4,
        star_quality=90.0 if answers_question else 45.0,
        delivery_quality=72.7,
        relevance=relevance,
        improved_answer=(
            "At my last company our payments API was really slow at peak. I was asked to own the migration "
            "to microservices. [Your own part in it, and the target or deadline.] I profiled the monolith "
            "first, split out the ledger service, and rolled it out behind a feature flag. In the end p99 "
            "latency dropped from 900 to 180 milliseconds and we handled two million requests a day without "
            "incidents."
        ),
    )


def recording_detail(*, complete: bool = True) -> RecordingDetail:
    return RecordingDetail(
        id=uuid.UUID("9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"),
        session_id=SESSION_ID,
        question_text=QUESTION,
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
            "For 'Own Kubernetes infrastructure', build on 'Skills: Python, FastAPI, PostgreSQL, Redis, "
            "Docker, Kubernetes, AWS.': add [what you did yourself] and [the result, as a number].",
            "For 'Go', if you have done it, add a line saying [where you did it] and [what came of it, as a "
            "number]; if not, be ready to say how you would learn it.",
        ],
        nice_to_have=[
            RequirementAssessment(requirement="PCI DSS compliance", status="missing", similarity=0.1)
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
