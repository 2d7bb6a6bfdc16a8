"""Column shapes the spec's tables share."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from sqlalchemy import DateTime, Integer, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

UuidPrimaryKey = Annotated[
    uuid.UUID,
    mapped_column(UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")),
]
CreatedAt = Annotated[
    datetime,
    mapped_column(DateTime(timezone=True), nullable=False, server_default=text("now()")),
]


class JobTracking:
    """Added (migration 0006): the state of the background job a row in `pending` or `processing` waits
    for, which the job sweeper reads to find jobs that were lost or whose worker died.

    A row is inserted as queued once (its job is queued right after the insert commits); a worker
    sets the heartbeat when the job starts and refreshes it while the job runs.
    """

    # How many times the row's current job has been queued.
    job_attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("1"))
    # When it was last queued (or, for a retry with a countdown, when it is due).
    job_queued_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=text("now()")
    )
    # The running job's last sign of life; None until a worker starts the job queued last.
    job_heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
