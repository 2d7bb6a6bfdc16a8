from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict


class ResumeUploadResponse(BaseModel):
    resume_id: UUID
    filename: str
    created_at: datetime


class ResumeDetail(BaseModel):
    """The body of `GET /resumes/{resume_id}` as the API contract spells it out."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    user_id: UUID
    original_filename: str
    parsed_text: str
    created_at: datetime
