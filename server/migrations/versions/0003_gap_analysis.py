"""Gap analysis (with each session, and on its own), and which path wrote each feedback report.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("interview_sessions", sa.Column("gap_analysis", postgresql.JSONB(), nullable=True))
    op.create_table(
        "gap_analyses",
        sa.Column(
            "id", postgresql.UUID(as_uuid=True), server_default=sa.text("gen_random_uuid()"), nullable=False
        ),
        sa.Column("user_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("resume_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("job_description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(50), server_default=sa.text("'pending'"), nullable=False),
        sa.Column("result", postgresql.JSONB(), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="gap_analyses_user_id_fkey", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["resume_id"], ["resumes.id"], name="gap_analyses_resume_id_fkey", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="gap_analyses_pkey"),
    )
    op.create_index("ix_gap_analyses_user_id", "gap_analyses", ["user_id"])
    # Which path wrote each report ('agent' or 'fallback'): the agent's success rate is measured from it.
    op.add_column("feedback", sa.Column("generated_by", sa.String(20), nullable=True))


def downgrade() -> None:
    op.drop_column("feedback", "generated_by")
    op.drop_index("ix_gap_analyses_user_id", table_name="gap_analyses")
    op.drop_table("gap_analyses")
    op.drop_column("interview_sessions", "gap_analysis")
