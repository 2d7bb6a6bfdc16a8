"""The job sweeper: no row stays `pending` or `processing` because its job was lost or its worker died.

A row's job is taken for lost when it was queued `JOB_START_DEADLINE_SECONDS` ago and no worker has
started it (it was never queued after its commit, or the broker lost it), and for dead when its
heartbeat (`tracking`) is older than `JOB_STALL_SECONDS` (its worker was killed mid-job). Either way
the job is queued again, up to `JOB_MAX_ATTEMPTS` times in all; then the row is marked failed with
the reason. Nothing is taken for lost while jobs still wait in the queue: any of them may be the row's.

Every worker sweeps (`app.workers.sweeper`). Each row is taken with `FOR UPDATE SKIP LOCKED` and
marked queued again in the same transaction, so two sweepers never queue the same row's job twice.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import GapAnalysisRecord, InterviewSession, Recording
from app.services.jobs.dispatch import QUEUE_UNAVAILABLE, QueueUnavailableError, TaskName
from app.services.jobs.rows import JobRowsContext
from app.services.jobs.tracking import (
    GAP_ANALYSES,
    IN_FLIGHT,
    RECORDINGS,
    SESSIONS,
    TrackedModel,
    TrackedRows,
)
from app.services.practice.session_progress import complete_session_if_done

logger = logging.getLogger(__name__)

# Rows handled per kind in one sweep; any more wait for the next.
MAX_ROWS_PER_SWEEP = 100


def gave_up_reason(attempts: int, *, started: bool) -> str:
    if started:
        return (
            f"The analysis stopped without finishing, {attempts} times (its worker stopped), and was given "
            "up; try submitting again"
        )
    return f"The analysis could not be started (queued {attempts} times); try submitting again"


@dataclass(frozen=True, slots=True)
class JobKind:
    """The rows of one table that wait for a job of their own, the job they wait for, and their failure."""

    rows: TrackedRows
    # Narrows the in-flight rows to those whose own job is in flight.
    waiting_for_job: ColumnElement[bool] | None
    task: Callable[[Any], TaskName]
    fail: Callable[[AsyncSession, Any, str], Awaitable[None]]


async def _fail_session(db: AsyncSession, session: InterviewSession, reason: str) -> None:
    session.status, session.failure_reason = "failed", reason


async def _fail_recording(db: AsyncSession, recording: Recording, reason: str) -> None:
    recording.feedback_status, recording.failure_reason = "failed", reason
    await db.flush()
    # Its session is not left `processing` on this answer's account.
    await complete_session_if_done(db, recording.session_id)


async def _fail_analysis(db: AsyncSession, record: GapAnalysisRecord, reason: str) -> None:
    record.status, record.failure_reason = "failed", reason


def _recording_task(recording: Recording) -> TaskName:
    # `processing` means transcribed: the feedback job is the one waited for.
    if recording.feedback_status == "processing" and recording.transcript is not None:
        return TaskName.GENERATE_FEEDBACK_REPORT
    return TaskName.PROCESS_RECORDING


KINDS = (
    JobKind(
        SESSIONS,
        # A session is `processing` also while its answers are analysed; its own job writes the questions,
        # and one whose questions failed (a reason kept) waits for none.
        (func.jsonb_array_length(InterviewSession.generated_questions) == 0)
        & InterviewSession.failure_reason.is_(None),
        lambda _: TaskName.GENERATE_INTERVIEW_QUESTIONS,
        _fail_session,
    ),
    JobKind(RECORDINGS, None, _recording_task, _fail_recording),
    JobKind(GAP_ANALYSES, None, lambda _: TaskName.RUN_GAP_ANALYSIS, _fail_analysis),
)


@dataclass(slots=True)
class SweepReport:
    requeued: int = 0
    failed: int = 0
    # Jobs waiting in the queue when the sweep began; nothing was taken for lost then.
    waiting: int = 0


def _stale(rows: TrackedRows, start_deadline: float, stall: float) -> ColumnElement[bool]:
    model = rows.model
    now = func.now()
    never_started = model.job_heartbeat_at.is_(None) & (
        model.job_queued_at < now - timedelta(seconds=start_deadline)
    )
    went_silent = model.job_heartbeat_at < now - timedelta(seconds=stall)
    return or_(never_started, went_silent)


def _next_stale(kind: JobKind, context: JobRowsContext) -> Select[tuple[Any]]:
    settings = context.settings
    rows = kind.rows
    conditions = [
        rows.status.in_(IN_FLIGHT),
        _stale(rows, settings.JOB_START_DEADLINE_SECONDS, settings.JOB_STALL_SECONDS),
    ]
    if kind.waiting_for_job is not None:
        conditions.append(kind.waiting_for_job)
    return (
        select(rows.model)
        .where(*conditions)
        .order_by(rows.model.job_queued_at)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


async def _fail_unqueued(context: JobRowsContext, kind: JobKind, entity_id: uuid.UUID, attempts: int) -> bool:
    """Fail a row whose last allowed attempt could not be queued, unless something moved it on since."""
    model = kind.rows.model
    async with context.session_factory() as db:
        row = await db.scalar(
            select(model)
            .where(
                kind.rows.in_flight(entity_id),
                model.job_attempts == attempts,
                model.job_heartbeat_at.is_(None),
            )
            .with_for_update()
        )
        if row is None:
            return False
        await kind.fail(db, row, QUEUE_UNAVAILABLE)
        await db.commit()
    return True


async def _sweep_one(context: JobRowsContext, kind: JobKind, report: SweepReport) -> bool:
    """Queue again, or give up on, the oldest stale row of this kind; False when there is none."""
    max_attempts = context.settings.JOB_MAX_ATTEMPTS
    async with context.session_factory() as db:
        row: TrackedModel | None = await db.scalar(_next_stale(kind, context))
        if row is None:
            return False
        entity_id, attempts, started = row.id, row.job_attempts, row.job_heartbeat_at is not None
        if attempts >= max_attempts:
            await kind.fail(db, row, gave_up_reason(attempts, started=started))
            await db.commit()
            report.failed += 1
            logger.warning(
                "%s %s: its job never finished after %d attempts; failed", kind.rows.name, entity_id, attempts
            )
            return True
        task = kind.task(row)
        attempts += 1
        row.job_attempts = attempts
        row.job_queued_at = func.now()
        row.job_heartbeat_at = None
        # Committed before the job is queued (the job reads the row), and so no other sweeper takes it.
        await db.commit()
    what = "stopped mid-job" if started else "was never started"
    try:
        await context.jobs.enqueue(task, str(entity_id))
    except QueueUnavailableError as exc:
        logger.warning(
            "%s %s: its job %s and could not be queued again: %s", kind.rows.name, entity_id, what, exc
        )
        if attempts >= max_attempts and await _fail_unqueued(context, kind, entity_id, attempts):
            report.failed += 1
        return True
    report.requeued += 1
    logger.warning(
        "%s %s: its job %s; queued again (attempt %d of %d)",
        kind.rows.name,
        entity_id,
        what,
        attempts,
        max_attempts,
    )
    return True


async def sweep(context: JobRowsContext) -> SweepReport:
    try:
        waiting = await context.jobs.waiting()
    except QueueUnavailableError as exc:
        # Cannot tell; each requeue then fails and counts, so a broker that stays down ends them failed.
        logger.warning("job sweep: %s", exc)
        waiting = 0
    if waiting:
        return SweepReport(waiting=waiting)
    return await sweep_rows(context)


async def sweep_rows(context: JobRowsContext) -> SweepReport:
    """Queue again, or give up on, every row whose job is lost or dead (at most a batch of each kind)."""
    report = SweepReport()
    for kind in KINDS:
        for _ in range(MAX_ROWS_PER_SWEEP):
            if not await _sweep_one(context, kind, report):
                break
    return report
