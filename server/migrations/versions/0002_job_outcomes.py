"""Columns added to the spec's schema: why a job gave up, and the answer's measured duration.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("interview_sessions", sa.Column("failure_reason", sa.Text(), nullable=True))
    op.add_column("recordings", sa.Column("failure_reason", sa.Text(), nullable=True))
    op.add_column("recordings", sa.Column("audio_duration_seconds", sa.Double(), nullable=True))
    # Every lookup of a user's rows filters by owner; without these each one is a sequential scan.
    op.create_index("ix_resumes_user_id", "resumes", ["user_id"])
    op.create_index("ix_interview_sessions_user_id", "interview_sessions", ["user_id"])
    op.create_index("ix_recordings_session_id", "recordings", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_recordings_session_id", table_name="recordings")
    op.drop_index("ix_interview_sessions_user_id", table_name="interview_sessions")
    op.drop_index("ix_resumes_user_id", table_name="resumes")
    op.drop_column("recordings", "audio_duration_seconds")
    op.drop_column("recordings", "failure_reason")
    op.drop_column("interview_sessions", "failure_reason")
