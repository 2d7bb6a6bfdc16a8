"""Listings for a user's history (additive to the spec: a client's home screen needs them)."""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel

from app.schemas.session import FeedbackState, SessionState


class ResumeSummary(BaseModel):
    resume_id: UUID
    filename: str
    created_at: datetime


class SessionSummary(BaseModel):
    session_id: UUID
    status: SessionState
    created_at: datetime
    resume_id: UUID | None
    # The first line of the job description, as a title.
    title: str
    question_count: int
    answer_count: int


class AnswerSummary(BaseModel):
    """One answer's headline numbers, for progress charts."""

    recording_id: UUID
    session_id: UUID
    question: str
    created_at: datetime
    feedback_status: FeedbackState
    audio_duration_seconds: float | None = None
    overall_score: float | None = None
    star_quality: float | None = None
    filler_word_count: int | None = None
    fillers_per_minute: float | None = None
    words_per_minute: float | None = None
    confidence_score: float | None = None
