from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ForeignKey, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.db.models._columns import CreatedAt, JobTracking, UuidPrimaryKey


class InterviewSession(JobTracking, Base):
    __tablename__ = "interview_sessions"

    id: Mapped[UuidPrimaryKey]
    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    resume_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("resumes.id", ondelete="SET NULL")
    )
    job_description: Mapped[str] = mapped_column(Text, nullable=False)
    # Array of question strings.
    generated_questions: Mapped[list[Any]] = mapped_column(JSONB, nullable=False)
    # 'pending', 'processing', 'complete' or 'failed'.
    status: Mapped[str] = mapped_column(String(50), nullable=False, server_default=text("'pending'"))
    created_at: Mapped[CreatedAt]
    # Added to the spec's table (migration 0002): why a background job gave up on this session.
    failure_reason: Mapped[str | None] = mapped_column(Text)
    # Added (migration 0003): the GapAnalysis written before the questions, which probe its gaps.
    gap_analysis: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
