"""Interview sessions: creation (the questions come from a background job) and status."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Feedback, InterviewSession, Recording, User
from app.schemas.feedback import FeedbackReport
from app.schemas.gap_analysis import GapAnalysis
from app.schemas.session import RecordingResult, SessionCreateRequest, SessionStatus, as_state
from app.services.jobs.dispatch import JobDispatcher, TaskName, enqueue_or_fail
from app.services.ownership import owned_resume, owned_session


async def create_session(
    db: AsyncSession, jobs: JobDispatcher, user: User, request: SessionCreateRequest
) -> InterviewSession:
    resume = await owned_resume(db, user.id, request.resume_id)
    session = InterviewSession(
        user_id=user.id,
        resume_id=resume.id,
        job_description=request.job_description,
        generated_questions=[],
        status="processing",
    )
    db.add(session)
    await db.commit()

    async def fail(reason: str) -> None:
        session.status, session.failure_reason = "failed", reason
        await db.commit()

    await enqueue_or_fail(jobs, TaskName.GENERATE_INTERVIEW_QUESTIONS, str(session.id), fail)
    return session


async def get_session_status(db: AsyncSession, user: User, session_id: uuid.UUID) -> SessionStatus:
    session = await owned_session(db, user.id, session_id)
    rows = await db.execute(
        select(Recording, Feedback)
        .outerjoin(Feedback, Feedback.recording_id == Recording.id)
        .where(Recording.session_id == session.id)
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
        session_id=session.id,
        status=as_state(session.status),
        results=results,
        generated_questions=[str(question) for question in session.generated_questions],
        failure_reason=session.failure_reason,
        job_description=session.job_description,
        resume_id=session.resume_id,
        created_at=session.created_at,
        gap_analysis=GapAnalysis.model_validate(session.gap_analysis) if session.gap_analysis else None,
    )
