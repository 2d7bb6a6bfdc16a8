from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from app.schemas.feedback import FeedbackReport
from app.schemas.gap_analysis import GapAnalysis
from app.schemas.limits import JOB_DESCRIPTION_MAX_CHARS, JOB_DESCRIPTION_MIN_CHARS
from app.schemas.status import FeedbackState, SessionState, as_state
from app.schemas.text import PlainText

__all__ = ["FeedbackState", "SessionState", "as_state"]


class SessionCreateRequest(BaseModel):
    resume_id: UUID
    job_description: PlainText = Field(
        min_length=JOB_DESCRIPTION_MIN_CHARS, max_length=JOB_DESCRIPTION_MAX_CHARS
    )


class SessionCreateResponse(BaseModel):
    session_id: UUID
    generated_questions: list[str] = Field(min_length=3, max_length=10)


class SessionAcceptedResponse(BaseModel):
    """The 202 body of `POST /sessions` (`{"session_id": ..., "status": "processing"}`)."""

    session_id: UUID
    status: Literal["processing"]


class SessionStatus(BaseModel):
    session_id: UUID
    status: SessionState
    results: list["RecordingResult"]
    # Additive to the spec: without the questions no client could show the mock interview.
    generated_questions: list[str] = Field(default_factory=list)
    failure_reason: str | None = None
    job_description: str | None = None
    resume_id: UUID | None = None
    created_at: datetime | None = None
    gap_analysis: GapAnalysis | None = None


class RecordingResult(BaseModel):
    recording_id: UUID
    question: str
    transcript: str | None = None
    feedback: "FeedbackReport | None" = None
    # Additive to the spec: lets a client tell "still working" from "gave up".
    feedback_status: FeedbackState | None = None
    failure_reason: str | None = None


SessionStatus.model_rebuild()
