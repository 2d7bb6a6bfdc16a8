from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.db.models._columns import CreatedAt, UuidPrimaryKey


class Feedback(Base):
    __tablename__ = "feedback"

    id: Mapped[UuidPrimaryKey]
    recording_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("recordings.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    # A FeedbackReport, validated before it is written.
    report: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    created_at: Mapped[CreatedAt]
    # Added (migration 0003): 'agent' or 'fallback', the path that produced the report.
    generated_by: Mapped[str | None] = mapped_column(String(20))
