"""The job sweeper on the real database and broker: which rows it queues again, when it gives up, and
that two sweepers at once never queue one row twice. (Workers killed, jobs lost and the broker down,
with real worker processes, are drilled in `test_fault_drills.py`.)

Rows are made stale by writing their queue time or heartbeat in the past, never by waiting.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import redis
from celery import Celery
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.db.models import GapAnalysisRecord, InterviewSession, Recording
from app.db.session import create_engine, create_session_factory
from app.services.jobs.dispatch import QUEUE_UNAVAILABLE, JobDispatcher, TaskName
from app.services.jobs.rows import JobRows
from app.services.jobs.sweeper import gave_up_reason, sweep, sweep_rows
from app.services.storage import ObjectStorage
from app.workers.celery_app import celery_app
from tests.conftest import Account
from tests.files import JOB_DESCRIPTION
from tests.server.test_fault_drills import DOWN_BROKER
from tests.server.test_sessions import queued_tasks

LONG_AGO = timedelta(hours=1)
MAX_ATTEMPTS = 3


@pytest.fixture
def sweeper_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "JOB_START_DEADLINE_SECONDS": 300.0,
            "JOB_STALL_SECONDS": 300.0,
            "JOB_HEARTBEAT_SECONDS": 30.0,
            "JOB_MAX_ATTEMPTS": MAX_ATTEMPTS,
        }
    )


def context_on(settings: Settings, engine: AsyncEngine, jobs: JobDispatcher | None = None) -> JobRows:
    return JobRows(
        settings=settings,
        session_factory=create_session_factory(engine),
        jobs=jobs or JobDispatcher(celery_app),
    )


@pytest.fixture
def context(sweeper_settings: Settings, engine: AsyncEngine) -> JobRows:
    return context_on(sweeper_settings, engine)


async def new_session(
    factory: async_sessionmaker[AsyncSession], account: Account, *, questions: bool = True, **columns: object
) -> InterviewSession:
    async with factory() as db:
        session = InterviewSession(
            user_id=account.user.id,
            job_description=JOB_DESCRIPTION,
            generated_questions=["Tell me about a conflict."] if questions else [],
            status="processing",
            **columns,
        )
        db.add(session)
        await db.commit()
        return session


async def new_recording(
    factory: async_sessionmaker[AsyncSession], session_id: uuid.UUID, **columns: object
) -> Recording:
    values: dict[str, object] = {"feedback_status": "pending", **columns}
    async with factory() as db:
        recording = Recording(
            session_id=session_id,
            question_text="Tell me about a conflict.",
            audio_storage_path="recordings/never-stored.wav",
            **values,
        )
        db.add(recording)
        await db.commit()
        return recording


async def reload(
    factory: async_sessionmaker[AsyncSession], model: type[Recording], row_id: uuid.UUID
) -> Recording:
    async with factory() as db:
        row = await db.get(model, row_id)
        assert row is not None
        return row


def queued_for(broker: redis.Redis, row_id: uuid.UUID) -> list[str]:
    return [task for task, args in queued_tasks(broker) if args == [str(row_id)]]


async def test_a_job_never_started_is_queued_again_and_its_row_marked_queued(
    context: JobRows,
    committing_factory: async_sessionmaker[AsyncSession],
    casey: Account,
    broker: redis.Redis,
) -> None:
    session = await new_session(committing_factory, casey)
    lost = await new_recording(committing_factory, session.id, job_queued_at=func.now() - LONG_AGO)
    fresh = await new_recording(committing_factory, session.id)

    report = await sweep(context)

    assert report.requeued >= 1
    assert queued_for(broker, lost.id) == [TaskName.PROCESS_RECORDING]
    assert queued_for(broker, fresh.id) == []
    requeued = await reload(committing_factory, Recording, lost.id)
    assert (requeued.feedback_status, requeued.job_attempts, requeued.job_heartbeat_at) == (
        "pending",
        2,
        None,
    )
    async with committing_factory() as db:
        assert await db.scalar(
            select(Recording.job_queued_at > func.now() - LONG_AGO).where(Recording.id == lost.id)
        )


async def test_each_kind_of_row_gets_the_job_it_waits_for(
    context: JobRows,
    committing_factory: async_sessionmaker[AsyncSession],
    casey: Account,
    broker: redis.Redis,
) -> None:
    long_ago = func.now() - LONG_AGO
    writing = await new_session(committing_factory, casey, questions=False, job_queued_at=long_ago)
    answered = await new_session(committing_factory, casey, job_queued_at=long_ago)
    # Its questions failed; it is `processing` only for an answer of the candidate's own.
    failed_questions = await new_session(
        committing_factory, casey, questions=False, failure_reason="no model", job_queued_at=long_ago
    )
    transcribed = await new_recording(
        committing_factory,
        answered.id,
        feedback_status="processing",
        transcript="I led it.",
        job_queued_at=long_ago,
    )
    async with committing_factory() as db:
        analysis = GapAnalysisRecord(
            user_id=casey.user.id,
            job_description=JOB_DESCRIPTION,
            status="processing",
            job_queued_at=long_ago,
        )
        db.add(analysis)
        await db.commit()

    await sweep(context)

    assert queued_for(broker, writing.id) == [TaskName.GENERATE_INTERVIEW_QUESTIONS]
    assert queued_for(broker, transcribed.id) == [TaskName.GENERATE_FEEDBACK_REPORT]
    assert queued_for(broker, analysis.id) == [TaskName.RUN_GAP_ANALYSIS]
    assert queued_for(broker, answered.id) == []
    assert queued_for(broker, failed_questions.id) == []


async def test_live_and_finished_jobs_are_left_alone(
    context: JobRows,
    committing_factory: async_sessionmaker[AsyncSession],
    casey: Account,
    broker: redis.Redis,
) -> None:
    session = await new_session(committing_factory, casey)
    long_ago = func.now() - LONG_AGO
    running = await new_recording(
        committing_factory, session.id, job_queued_at=long_ago, job_heartbeat_at=func.now()
    )
    finished = await new_recording(
        committing_factory, session.id, feedback_status="complete", job_queued_at=long_ago
    )
    failed = await new_recording(
        committing_factory, session.id, feedback_status="failed", job_queued_at=long_ago
    )
    # A retry due in a while (`mark_due`) is not late yet, however long ago the job first ran.
    retry_due = await new_recording(
        committing_factory, session.id, job_queued_at=func.now() + timedelta(minutes=1)
    )

    await sweep(context)

    for row in (running, finished, failed, retry_due):
        assert queued_for(broker, row.id) == []
        assert (await reload(committing_factory, Recording, row.id)).job_attempts == 1


async def test_a_job_whose_heartbeat_stopped_is_queued_again(
    context: JobRows,
    committing_factory: async_sessionmaker[AsyncSession],
    casey: Account,
    broker: redis.Redis,
) -> None:
    session = await new_session(committing_factory, casey)
    dead = await new_recording(
        committing_factory,
        session.id,
        job_queued_at=func.now() - 2 * LONG_AGO,
        job_heartbeat_at=func.now() - LONG_AGO,
    )

    await sweep(context)

    assert queued_for(broker, dead.id) == [TaskName.PROCESS_RECORDING]
    again = await reload(committing_factory, Recording, dead.id)
    assert (again.job_attempts, again.job_heartbeat_at) == (2, None)


async def test_nothing_is_taken_for_lost_while_jobs_wait_in_the_queue(
    context: JobRows,
    committing_factory: async_sessionmaker[AsyncSession],
    casey: Account,
    broker: redis.Redis,
) -> None:
    session = await new_session(committing_factory, casey)
    lost = await new_recording(committing_factory, session.id, job_queued_at=func.now() - LONG_AGO)
    # Another job no worker has taken yet: the lost one may be behind it.
    celery_app.send_task(str(TaskName.PROCESS_RECORDING), args=(str(uuid.uuid4()),))

    report = await sweep(context)

    assert (report.waiting, report.requeued, report.failed) == (1, 0, 0)
    assert queued_for(broker, lost.id) == []


@pytest.mark.parametrize("started", [False, True])
async def test_a_row_whose_job_was_queued_too_often_is_failed_with_the_reason(
    context: JobRows,
    committing_factory: async_sessionmaker[AsyncSession],
    casey: Account,
    broker: redis.Redis,
    started: bool,
) -> None:
    session = await new_session(committing_factory, casey)
    heartbeat = {"job_heartbeat_at": func.now() - LONG_AGO} if started else {}
    given_up = await new_recording(
        committing_factory,
        session.id,
        job_attempts=MAX_ATTEMPTS,
        job_queued_at=func.now() - 2 * LONG_AGO,
        **heartbeat,
    )

    report = await sweep(context)

    assert report.failed >= 1
    assert queued_for(broker, given_up.id) == []
    failed = await reload(committing_factory, Recording, given_up.id)
    assert (failed.feedback_status, failed.failure_reason) == (
        "failed",
        gave_up_reason(MAX_ATTEMPTS, started=started),
    )
    # Its session was waiting on this answer only: it is not left `processing` on its account.
    async with committing_factory() as db:
        assert (
            await db.scalar(select(InterviewSession.status).where(InterviewSession.id == session.id))
            == "complete"
        )


async def test_with_the_broker_down_the_last_attempt_fails_the_row_with_the_reason(
    sweeper_settings: Settings,
    engine: AsyncEngine,
    storage: ObjectStorage,
    committing_factory: async_sessionmaker[AsyncSession],
    casey: Account,
    broker: redis.Redis,
) -> None:
    down = Celery("down")
    down.conf.update(broker_write_url=DOWN_BROKER)
    context = context_on(sweeper_settings, engine, JobDispatcher(down))
    session = await new_session(
        committing_factory, casey, questions=False, job_queued_at=func.now() - LONG_AGO
    )
    one_left = await new_recording(
        committing_factory, session.id, job_attempts=MAX_ATTEMPTS - 2, job_queued_at=func.now() - LONG_AGO
    )
    last = await new_recording(
        committing_factory, session.id, job_attempts=MAX_ATTEMPTS - 1, job_queued_at=func.now() - LONG_AGO
    )

    await sweep(context)

    counted = await reload(committing_factory, Recording, one_left.id)
    assert (counted.feedback_status, counted.job_attempts) == ("pending", MAX_ATTEMPTS - 1)
    failed = await reload(committing_factory, Recording, last.id)
    assert (failed.feedback_status, failed.failure_reason) == ("failed", QUEUE_UNAVAILABLE)


@pytest.fixture
async def second_engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """Another replica's connections."""
    engine = create_engine(settings.DATABASE_URL)
    yield engine
    await engine.dispose()


async def test_two_sweepers_at_once_queue_each_lost_job_once(
    sweeper_settings: Settings,
    engine: AsyncEngine,
    second_engine: AsyncEngine,
    storage: ObjectStorage,
    committing_factory: async_sessionmaker[AsyncSession],
    casey: Account,
    broker: redis.Redis,
) -> None:
    session = await new_session(committing_factory, casey)
    lost = [
        await new_recording(committing_factory, session.id, job_queued_at=func.now() - LONG_AGO)
        for _ in range(20)
    ]
    first = context_on(sweeper_settings, engine)
    second = context_on(sweeper_settings, second_engine)

    reports = await asyncio.gather(sweep_rows(first), sweep_rows(second))

    assert sum(report.requeued for report in reports) >= len(lost)
    for recording in lost:
        assert queued_for(broker, recording.id) == [TaskName.PROCESS_RECORDING], recording.id
        assert (await reload(committing_factory, Recording, recording.id)).job_attempts == 2
