"""Job tracking on the rows background jobs work on, for the job sweeper (`app.services.jobs.sweeper`).

Rows already `pending` or `processing` when this runs count as queued once, now: the sweeper then
queues their jobs again if they never finish.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-14
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each table and its status column.
TRACKED = (("interview_sessions", "status"), ("recordings", "feedback_status"), ("gap_analyses", "status"))


def upgrade() -> None:
    for table, status in TRACKED:
        op.add_column(
            table, sa.Column("job_attempts", sa.Integer(), server_default=sa.text("1"), nullable=False)
        )
        op.add_column(
            table,
            sa.Column(
                "job_queued_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
            ),
        )
        op.add_column(table, sa.Column("job_heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        # The sweeper reads only the rows still in flight, a handful among every row ever written.
        op.create_index(
            f"ix_{table}_in_flight",
            table,
            ["job_queued_at"],
            postgresql_where=sa.text(f"{status} IN ('pending', 'processing')"),
        )


def downgrade() -> None:
    for table, _status in reversed(TRACKED):
        op.drop_index(f"ix_{table}_in_flight", table_name=table)
        op.drop_column(table, "job_heartbeat_at")
        op.drop_column(table, "job_queued_at")
        op.drop_column(table, "job_attempts")
