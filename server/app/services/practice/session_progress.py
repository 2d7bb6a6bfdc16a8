"""Status bookkeeping shared by the jobs: failures, and a session's completion."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import InterviewSession, Recording
from app.services.resources import Resources

TERMINAL_STATES = ("complete", "failed")


async def complete_session_if_done(db: AsyncSession, session_id: uuid.UUID) -> None:
    """Mark the session complete once none of its answers is still being worked on.

    The session row is locked first so that two answers finishing at once cannot both miss the
    other's update and leave the session `processing` forever.
    """
    session = await db.scalar(
        select(InterviewSession).where(InterviewSession.id == session_id).with_for_update()
    )
    if session is None:
        return
    unfinished = await db.scalar(
        select(func.count())
        .select_from(Recording)
        .where(Recording.session_id == session_id, Recording.feedback_status.not_in(TERMINAL_STATES))
    )
    if unfinished != 0:
        return
    if session.generated_questions:
        session.status = "complete"
        session.failure_reason = None
    elif session.failure_reason is not None:
        # Its questions failed and the candidate answered one of their own: failed again, not
        # `processing` for good (a retry of the questions clears the reason and takes it from there).
        session.status = "failed"


async def mark_recording_failed(context: Resources, recording_id: uuid.UUID, reason: str) -> None:
    async with context.session_factory() as db:
        session_id = await db.scalar(
            update(Recording)
            .where(Recording.id == recording_id, Recording.feedback_status != "complete")
            .values(feedback_status="failed", failure_reason=reason)
            .returning(Recording.session_id)
        )
        if session_id is not None:
            await complete_session_if_done(db, session_id)
        await db.commit()


async def mark_session_failed(context: Resources, session_id: uuid.UUID, reason: str) -> None:
    async with context.session_factory() as db:
        await db.execute(
            update(InterviewSession)
            .where(InterviewSession.id == session_id, InterviewSession.status != "complete")
            .values(status="failed", failure_reason=reason)
        )
        await db.commit()
