"""What the rows a background job works on record about it, for the job sweeper (`sweeper`).

A row is inserted as queued once (its job is queued right after the insert commits). A worker marks
the job started and refreshes that heartbeat while it runs; a retry due later, or the next stage's
job, marks the row queued again. Only rows in `pending` or `processing` are ever touched.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, func, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import InstrumentedAttribute

from app.db.models import GapAnalysisRecord, InterviewSession, Recording
from app.services.jobs.rows import JobRowsContext

logger = logging.getLogger(__name__)

IN_FLIGHT = ("pending", "processing")

TrackedModel = InterviewSession | Recording | GapAnalysisRecord


@dataclass(frozen=True, slots=True)
class TrackedRows:
    """One table whose rows background jobs work on, and its status column."""

    name: str
    model: type[TrackedModel]
    status: InstrumentedAttribute[str]

    def in_flight(self, entity_id: uuid.UUID) -> ColumnElement[bool]:
        return (self.model.id == entity_id) & self.status.in_(IN_FLIGHT)


SESSIONS = TrackedRows("session", InterviewSession, InterviewSession.status)
RECORDINGS = TrackedRows("recording", Recording, Recording.feedback_status)
GAP_ANALYSES = TrackedRows("gap analysis", GapAnalysisRecord, GapAnalysisRecord.status)


def record_queued(row: TrackedModel) -> None:
    """Mark `row` as waiting for a newly queued job (the next stage's): its first attempt, not started."""
    row.job_attempts = 1
    row.job_queued_at = func.now()
    row.job_heartbeat_at = None


async def mark_started(context: JobRowsContext, rows: TrackedRows, entity_id: uuid.UUID) -> None:
    async with context.session_factory() as db:
        await db.execute(
            update(rows.model).where(rows.in_flight(entity_id)).values(job_heartbeat_at=func.now())
        )
        await db.commit()


async def mark_due(
    context: JobRowsContext, rows: TrackedRows, entity_id: uuid.UUID, delay_seconds: float
) -> None:
    """A retry queued with a countdown: the job is not running until then, and is due then."""
    async with context.session_factory() as db:
        await db.execute(
            update(rows.model)
            .where(rows.in_flight(entity_id))
            .values(job_queued_at=func.now() + timedelta(seconds=delay_seconds), job_heartbeat_at=None)
        )
        await db.commit()


async def _beat(context: JobRowsContext, rows: TrackedRows, entity_id: uuid.UUID) -> None:
    while True:
        await asyncio.sleep(context.settings.JOB_HEARTBEAT_SECONDS)
        try:
            async with context.session_factory() as db:
                # Only a heartbeat this job set: once the row is queued again (the next stage, or the
                # sweeper's), a job still running from before must not pass for the new one.
                await db.execute(
                    update(rows.model)
                    .where(rows.in_flight(entity_id), rows.model.job_heartbeat_at.is_not(None))
                    .values(job_heartbeat_at=func.now())
                )
                await db.commit()
        except (SQLAlchemyError, OSError) as exc:
            # The job's own statements meet the same outage and retry; a missed beat only risks a requeue.
            logger.warning(
                "could not record that %s %s is still being worked on: %s", rows.name, entity_id, exc
            )


async def run_tracked(
    context: JobRowsContext, rows: TrackedRows, entity_id: uuid.UUID, job: Callable[[], Awaitable[None]]
) -> None:
    """Run `job` for the row, marked started and kept alive by a heartbeat until it returns or raises."""
    await mark_started(context, rows, entity_id)
    beating = asyncio.ensure_future(_beat(context, rows, entity_id))
    try:
        await job()
    finally:
        beating.cancel()
        await asyncio.wait([beating])
