"""A user's history: listings for a client's home screen, and deleting everything on request."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Feedback, InterviewSession, Recording, Resume, User
from app.schemas.history import AnswerSummary, ResumeSummary, SessionSummary
from app.schemas.session import as_state
from app.services.ownership import recordings_of, resumes_of, sessions_of
from app.services.storage import ObjectStorage

HISTORY_LIMIT = 500
TITLE_LENGTH = 120


async def list_resumes(db: AsyncSession, user: User) -> list[ResumeSummary]:
    rows = await db.scalars(resumes_of(user.id).order_by(Resume.created_at.desc()).limit(HISTORY_LIMIT))
    return [
        ResumeSummary(resume_id=r.id, filename=r.original_filename, created_at=r.created_at) for r in rows
    ]


def _title(job_description: str) -> str:
    first_line = next((line.strip() for line in job_description.splitlines() if line.strip()), "")
    return first_line if len(first_line) <= TITLE_LENGTH else first_line[: TITLE_LENGTH - 1].rstrip() + "…"


async def list_sessions(db: AsyncSession, user: User) -> list[SessionSummary]:
    answers = (
        select(Recording.session_id, func.count().label("answers")).group_by(Recording.session_id).subquery()
    )
    rows = await db.execute(
        sessions_of(user.id)
        .with_only_columns(InterviewSession, func.coalesce(answers.c.answers, 0))
        .outerjoin(answers, answers.c.session_id == InterviewSession.id)
        .order_by(InterviewSession.created_at.desc())
        .limit(HISTORY_LIMIT)
    )
    return [
        SessionSummary(
            session_id=session.id,
            status=as_state(session.status),
            created_at=session.created_at,
            resume_id=session.resume_id,
            title=_title(session.job_description),
            question_count=len(session.generated_questions),
            answer_count=int(answer_count),
        )
        for session, answer_count in rows.tuples()
    ]


def _number(report: dict[str, Any] | None, *path: str) -> float | None:
    value: Any = report
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return float(value) if isinstance(value, int | float) else None


async def list_answers(db: AsyncSession, user: User) -> list[AnswerSummary]:
    rows = await db.execute(
        recordings_of(user.id)
        .with_only_columns(Recording, Feedback.report)
        .outerjoin(Feedback, Feedback.recording_id == Recording.id)
        .order_by(Recording.created_at.desc())
        .limit(HISTORY_LIMIT)
    )
    answers = []
    for recording, report in rows.tuples():
        fillers = _number(report, "delivery_metrics", "filler_word_count")
        duration = recording.audio_duration_seconds
        answers.append(
            AnswerSummary(
                recording_id=recording.id,
                session_id=recording.session_id,
                question=recording.question_text,
                created_at=recording.created_at,
                feedback_status=as_state(recording.feedback_status),
                audio_duration_seconds=duration,
                overall_score=_number(report, "overall_score"),
                star_quality=_number(report, "star_quality"),
                filler_word_count=int(fillers) if fillers is not None else None,
                fillers_per_minute=round(fillers / (duration / 60), 2)
                if fillers is not None and duration
                else None,
                words_per_minute=_number(report, "delivery_metrics", "words_per_minute"),
                confidence_score=_number(report, "delivery_metrics", "confidence_score"),
            )
        )
    return answers


async def delete_all_user_data(db: AsyncSession, storage: ObjectStorage, user: User) -> None:
    """Files first, then the rows (the user's row cascades to everything else)."""
    for prefix in ("resumes", "recordings"):
        await storage.remove_prefix(f"{prefix}/{user.id}/")
    await db.execute(delete(User).where(User.id == user.id))
    await db.commit()
