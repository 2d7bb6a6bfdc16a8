from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ForeignKey, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.db.models._columns import CreatedAt, JobTracking, UuidPrimaryKey


class GapAnalysisRecord(JobTracking, Base):
    """A standalone gap analysis (`POST /gap-analysis`); sessions keep theirs in their own column."""

    __tablename__ = "gap_analyses"

    id: Mapped[UuidPrimaryKey]
    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    resume_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("resumes.id", ondelete="SET NULL")
    )
    job_description: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(50), nullable=False, server_default=text("'pending'"))
    # A GapAnalysis, validated before it is written.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    failure_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[CreatedAt]
