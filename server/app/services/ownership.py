"""Whose rows a caller may see, decided in one place for every table a user owns.

Each owned table has a base query of one user's rows (`resumes_of`, `sessions_of`, ...); listings
narrow it further, and the `owned_*` lookups return one row of it or raise `NotFoundError`. Another
user's id reads exactly like an id that does not exist, so an id never tells anyone that it is taken.
The endpoints, the job bodies and the agent's tools all read owned rows through here.
"""

from __future__ import annotations

import uuid
from typing import TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import ApiError, ErrorCode
from app.db.models import GapAnalysisRecord, InterviewSession, Recording, Resume

RowT = TypeVar("RowT")


class NotFoundError(ApiError):
    """No such row among the user's own; an ApiError, so the API answers it with the spec's 404."""

    def __init__(self, what: str) -> None:
        super().__init__(404, f"{what} not found", ErrorCode.NOT_FOUND)


def resumes_of(user_id: uuid.UUID) -> Select[tuple[Resume]]:
    return select(Resume).where(Resume.user_id == user_id)


def sessions_of(user_id: uuid.UUID) -> Select[tuple[InterviewSession]]:
    return select(InterviewSession).where(InterviewSession.user_id == user_id)


def recordings_of(user_id: uuid.UUID) -> Select[tuple[Recording]]:
    # A recording has no user column: it belongs to whoever owns its session.
    return (
        select(Recording)
        .join(InterviewSession, InterviewSession.id == Recording.session_id)
        .where(InterviewSession.user_id == user_id)
    )


def gap_analyses_of(user_id: uuid.UUID) -> Select[tuple[GapAnalysisRecord]]:
    return select(GapAnalysisRecord).where(GapAnalysisRecord.user_id == user_id)


async def _one(db: AsyncSession, statement: Select[tuple[RowT]], what: str) -> RowT:
    row = await db.scalar(statement)
    if row is None:
        raise NotFoundError(what)
    return row


async def owned_resume(db: AsyncSession, user_id: uuid.UUID, resume_id: uuid.UUID) -> Resume:
    return await _one(db, resumes_of(user_id).where(Resume.id == resume_id), "Resume")


async def owned_session(db: AsyncSession, user_id: uuid.UUID, session_id: uuid.UUID) -> InterviewSession:
    return await _one(db, sessions_of(user_id).where(InterviewSession.id == session_id), "Session")


async def owned_recording(db: AsyncSession, user_id: uuid.UUID, recording_id: uuid.UUID) -> Recording:
    return await _one(db, recordings_of(user_id).where(Recording.id == recording_id), "Recording")


async def owned_gap_analysis(
    db: AsyncSession, user_id: uuid.UUID, analysis_id: uuid.UUID
) -> GapAnalysisRecord:
    return await _one(db, gap_analyses_of(user_id).where(GapAnalysisRecord.id == analysis_id), "Gap analysis")


async def owned_resume_text(db: AsyncSession, user_id: uuid.UUID, resume_id: uuid.UUID | None) -> str | None:
    """A job's or a tool's reading of a resume: its text, or None when it is gone, empty or not the user's."""
    if resume_id is None:
        return None
    try:
        resume = await owned_resume(db, user_id, resume_id)
    except NotFoundError:
        return None
    return resume.parsed_text or None
