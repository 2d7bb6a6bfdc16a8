"""Interview sessions: creation (the questions come from a background job) and status."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import not_found
from app.db.models import Feedback, InterviewSession, Recording, User
from app.schemas.feedback import FeedbackReport
from app.schemas.gap_analysis import GapAnalysis
from app.schemas.session import RecordingResult, SessionCreateRequest, SessionStatus, as_state
from app.services.jobs.dispatch import JobDispatcher, TaskName, enqueue_or_fail
from app.services.resumes.service import get_owned_resume


async def create_session(
    session: AsyncSession, jobs: JobDispatcher, user: User, request: SessionCreateRequest
) -> InterviewSession:
    resume = await get_owned_resume(session, user, request.resume_id)
    interview = InterviewSession(
        user_id=user.id,
        resume_id=resume.id,
        job_description=request.job_description,
        generated_questions=[],
        status="processing",
    )
    session.add(interview)
    await session.commit()

    async def fail(reason: str) -> None:
        interview.status, interview.failure_reason = "failed", reason
        await session.commit()

    await enqueue_or_fail(jobs, TaskName.GENERATE_INTERVIEW_QUESTIONS, str(interview.id), fail)
    return interview


async def get_owned_session(session: AsyncSession, user: User, session_id: uuid.UUID) -> InterviewSession:
    interview = await session.scalar(
        select(InterviewSession).where(InterviewSession.id == session_id, InterviewSession.user_id == user.id)
    )
    if interview is None:
        raise not_found("Session not found")
    return interview


async def get_session_status(session: AsyncSession, user: User, session_id: uuid.UUID) -> SessionStatus:
    interview = await get_owned_session(session, user, session_id)
    rows = await session.execute(
        select(Recording, Feedback)
        .outerjoin(Feedback, Feedback.recording_id == Recording.id)
        .where(Recording.session_id == interview.id)
        .order_by(Recording.created_at, Recording.id)
    )
    results = [
        RecordingResult(
            recording_id=recording.id,
            question=recording.question_text,
            transcript=recording.transcript,
            feedback=FeedbackReport.model_validate(feedback.report) if feedback is not None else None,
            feedback_status=as_state(recording.feedback_status),
            failure_reason=recording.failure_reason,
        )
        for recording, feedback in rows.tuples()
    ]
    return SessionStatus(
        session_id=interview.id,
        status=as_state(interview.status),
        results=results,
        generated_questions=[str(question) for question in interview.generated_questions],
        failure_reason=interview.failure_reason,
        job_description=interview.job_description,
        resume_id=interview.resume_id,
        created_at=interview.created_at,
        gap_analysis=GapAnalysis.model_validate(interview.gap_analysis) if interview.gap_analysis else None,
    )
