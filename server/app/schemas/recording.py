from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel

from app.schemas.feedback import FeedbackReport
from app.schemas.session import FeedbackState


class RecordingSubmitResponse(BaseModel):
    recording_id: UUID
    status: Literal["processing"]


class RecordingDetail(BaseModel):
    """The body of `GET /recordings/{recording_id}` as the API contract spells it out."""

    id: UUID
    session_id: UUID
    question_text: str
    transcript: str | None
    feedback_status: FeedbackState
    feedback: FeedbackReport | None
    created_at: datetime
    # Additive to the spec.
    audio_duration_seconds: float | None = None
    failure_reason: str | None = None
