"""Faults around the jobs leave no row `pending` or `processing`.

The broker down when the API queues a job: the row is failed at once and the client told to retry.
Then, with real worker processes and their job sweeper (`app.services.jobs.sweeper`): the broker down
when a job must be queued (for good, or until it comes back), a worker killed (SIGKILL) in the middle
of a job, and a job the broker lost. Each ends with the row `failed` with a reason within the
sweeper's deadlines as configured here; no job can finish `complete` without the language model,
so a job that ran again fails at its first step instead (an answer with no speech), and its own
reason shows it did run again. Nothing here waits a fixed time: each wait polls the database for a
condition, within a bound made of the configured deadlines.

(A job that kills every worker, and the speech or language model down, are drilled in
`test_workers.py`; the embedded supervisor restarting a killed worker in `tests/embedded`.)
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis
from celery import Celery
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.db.models import GapAnalysisRecord, InterviewSession, Recording, Resume
from app.services.jobs.dispatch import (
    QUEUE_UNAVAILABLE,
    TASK_QUEUES,
    JobDispatcher,
    QueueUnavailableError,
    TaskName,
)
from app.services.resources import Resources
from app.workers.celery_app import celery_app
from bundled_services.launchers.broker import BrokerHandle, start_broker
from bundled_services.launchers.process import tail
from tests.conftest import Account, client_on
from tests.files import JOB_DESCRIPTION, make_wav
from tests.server.test_recordings import submit
from tests.server.test_sessions import new_resume, new_session, queued_tasks
from tests.stack import ServiceStack
from tests.worker import running_worker

# Nothing listens on the discard port.
DOWN_BROKER = "redis://127.0.0.1:9/0"


@pytest.fixture
async def broker_down(
    resources: Resources, session_factory: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    """The API with its database and storage, and a job broker that does not answer."""
    down = Celery("down")
    # The write URL: CELERY_BROKER_URL in the environment (the suite's broker) overrides broker_url.
    down.conf.update(broker_write_url=DOWN_BROKER)
    async with client_on(resources, session_factory, JobDispatcher(down)) as client:
        yield client


def assert_refused_for_now(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json() == {"detail": QUEUE_UNAVAILABLE, "error_code": "SERVICE_UNAVAILABLE"}
    assert response.headers["retry-after"] == "30"


async def test_a_session_whose_questions_cannot_be_queued_is_failed_not_left_processing(
    api: httpx.AsyncClient, broker_down: httpx.AsyncClient, alice: Account, db: AsyncSession
) -> None:
    resume_id = await new_resume(api, alice)
    response = await broker_down.post(
        "/api/v1/sessions",
        json={"resume_id": resume_id, "job_description": JOB_DESCRIPTION},
        headers=alice.headers,
    )
    assert_refused_for_now(response)
    (session,) = await db.scalars(select(InterviewSession).where(InterviewSession.user_id == alice.user.id))
    assert (session.status, session.failure_reason) == ("failed", QUEUE_UNAVAILABLE)


async def test_a_gap_analysis_that_cannot_be_queued_is_failed_not_left_processing(
    api: httpx.AsyncClient, broker_down: httpx.AsyncClient, alice: Account, db: AsyncSession
) -> None:
    resume_id = await new_resume(api, alice)
    response = await broker_down.post(
        "/api/v1/gap-analysis",
        json={"resume_id": resume_id, "job_description": JOB_DESCRIPTION},
        headers=alice.headers,
    )
    assert_refused_for_now(response)
    (record,) = await db.scalars(select(GapAnalysisRecord).where(GapAnalysisRecord.user_id == alice.user.id))
    assert (record.status, record.failure_reason) == ("failed", QUEUE_UNAVAILABLE)


async def test_an_answer_that_cannot_be_queued_is_failed_and_its_session_not_left_processing(
    api: httpx.AsyncClient, broker_down: httpx.AsyncClient, alice: Account, db: AsyncSession
) -> None:
    session_id = await new_session(api, alice)
    # The questions were written: the session is waiting for answers only.
    session = await db.get(InterviewSession, uuid.UUID(session_id))
    assert session is not None
    session.generated_questions = [
        "Tell me about a migration you led.",
        "And a conflict.",
        "And a failure.",
    ]
    session.status = "complete"
    await db.commit()

    response = await submit(broker_down, alice, session_id, make_wav(1.0))
    assert_refused_for_now(response)
    (recording,) = await db.scalars(select(Recording).where(Recording.session_id == uuid.UUID(session_id)))
    assert (recording.feedback_status, recording.failure_reason) == ("failed", QUEUE_UNAVAILABLE)
    await db.refresh(session)
    assert session.status == "complete"


# The sweeper's deadlines for the drills, short so that each drill takes seconds.
SWEEPER = {
    "JOB_SWEEP_INTERVAL_SECONDS": 0.5,
    "JOB_START_DEADLINE_SECONDS": 2.0,
    "JOB_HEARTBEAT_SECONDS": 0.5,
    "JOB_STALL_SECONDS": 3.0,
}
# A job queued again runs on a busy two-core machine, and fails at its first step.
JOB_RUN_SECONDS = 30.0
NO_SPEECH = "No speech was detected in the recording; record the answer again"


def worker_env(max_attempts: int, **extra: str) -> dict[str, str]:
    return {
        **{name: str(value) for name, value in SWEEPER.items()},
        "JOB_MAX_ATTEMPTS": str(max_attempts),
        **extra,
    }


def sweeps_until_given_up(max_attempts: int) -> float:
    """The longest a row whose job is never started waits for its end: a deadline and a sweep per attempt."""
    per_attempt = SWEEPER["JOB_START_DEADLINE_SECONDS"] + SWEEPER["JOB_SWEEP_INTERVAL_SECONDS"]
    return max_attempts * per_attempt + JOB_RUN_SECONDS


def app_on(broker_url: str) -> Celery:
    """A Celery app on `broker_url` (read and write URLs win over CELERY_BROKER_URL in the environment)."""
    app = Celery("drill")
    app.conf.update(broker_read_url=broker_url, broker_write_url=broker_url)
    return app


async def answer_waiting_for_feedback(
    factory: async_sessionmaker[AsyncSession], account: Account, transcript: str = ""
) -> uuid.UUID:
    """A transcribed answer (no speech in it by default), as transcription commits it before queueing the
    feedback job; its session's resume is the one the job reads."""
    async with factory() as db:
        resume = Resume(
            user_id=account.user.id,
            storage_path="resumes/drill.pdf",
            original_filename="cv.pdf",
            parsed_text="CV",
        )
        db.add(resume)
        await db.flush()
        session = InterviewSession(
            user_id=account.user.id,
            resume_id=resume.id,
            job_description=JOB_DESCRIPTION,
            generated_questions=["Tell me about a conflict."],
            status="processing",
        )
        db.add(session)
        await db.flush()
        recording = Recording(
            session_id=session.id,
            question_text="Tell me about a conflict.",
            audio_storage_path="recordings/drill.wav",
            transcript=transcript,
            feedback_status="processing",
            audio_duration_seconds=1.0,
        )
        db.add(recording)
        await db.commit()
        return recording.id


async def finished(
    factory: async_sessionmaker[AsyncSession], recording_id: uuid.UUID, within: float, log: Path
) -> Recording:
    """The recording once `complete` or `failed`; fails the test if that takes longer than `within`."""
    deadline = time.monotonic() + within
    while True:
        async with factory() as db:
            recording = await db.get(Recording, recording_id)
        assert recording is not None
        if recording.feedback_status in ("complete", "failed"):
            return recording
        if time.monotonic() > deadline:
            raise AssertionError(
                f"recording {recording_id} still {recording.feedback_status!r} after {within:.0f}s "
                f"(job queued {recording.job_attempts} time(s), heartbeat {recording.job_heartbeat_at}); "
                f"the worker's log ends:\n{tail(log, 600)}"
            )
        await asyncio.sleep(0.2)


async def until(condition: Callable[[], Awaitable[bool]], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {within:.0f}s")
        await asyncio.sleep(0.1)


@dataclass
class DrillBroker:
    """A broker of the drill's own, which it may stop and start again (on the same port)."""

    data_dir: Path
    handle: BrokerHandle

    @property
    def url(self) -> str:
        return self.handle.url

    def stop(self) -> None:
        self.handle.stop()

    def restart(self) -> None:
        self.handle = start_broker(self.data_dir, port=self.handle.port, persist=False)


@pytest.fixture
def private_broker(stack: ServiceStack) -> Iterator[DrillBroker]:
    data_dir = stack.root / f"broker-{uuid.uuid4().hex[:8]}"
    broker = DrillBroker(data_dir, start_broker(data_dir, persist=False))
    yield broker
    broker.stop()


def queue_failing(broker_url: str, recording_id: uuid.UUID) -> None:
    """Queue the feedback job as transcription does after its commit, with the broker down."""
    with pytest.raises(QueueUnavailableError):
        JobDispatcher(app_on(broker_url)).enqueue_sync(TaskName.GENERATE_FEEDBACK_REPORT, str(recording_id))


async def test_a_job_that_cannot_be_queued_while_the_broker_stays_down_ends_failed_with_the_reason(
    stack: ServiceStack,
    private_broker: DrillBroker,
    committing_factory: async_sessionmaker[AsyncSession],
    casey: Account,
) -> None:
    attempts = 3
    log = stack.root / "logs" / "worker-broker-down.log"
    env = worker_env(attempts, CELERY_BROKER_URL=private_broker.url, CELERY_RESULT_BACKEND=private_broker.url)
    with running_worker(log, env, broker_app=app_on(private_broker.url)) as worker:
        private_broker.stop()
        recording_id = await answer_waiting_for_feedback(committing_factory, casey)
        queue_failing(private_broker.url, recording_id)

        recording = await finished(committing_factory, recording_id, sweeps_until_given_up(attempts), log)
        # With its broker gone the worker is stopped at once: a warm shutdown would wait for it.
        worker.kill()

    assert (recording.feedback_status, recording.failure_reason) == ("failed", QUEUE_UNAVAILABLE)
    assert recording.job_attempts == attempts


async def test_a_job_that_could_not_be_queued_runs_once_the_broker_is_back(
    stack: ServiceStack,
    private_broker: DrillBroker,
    committing_factory: async_sessionmaker[AsyncSession],
    casey: Account,
) -> None:
    # Room for the broker's restart and the worker's reconnection before the sweeper gives up.
    attempts = 20
    log = stack.root / "logs" / "worker-broker-back.log"
    env = worker_env(attempts, CELERY_BROKER_URL=private_broker.url, CELERY_RESULT_BACKEND=private_broker.url)
    with running_worker(log, env, broker_app=app_on(private_broker.url)):
        private_broker.stop()
        recording_id = await answer_waiting_for_feedback(committing_factory, casey)
        queue_failing(private_broker.url, recording_id)

        # Attempts are counted as they begin: the third begins once the second failed, the broker down.
        async def failed_once_more() -> bool:
            async with committing_factory() as db:
                row = await db.get(Recording, recording_id)
                return row is not None and row.job_attempts >= 3

        await until(
            failed_once_more, sweeps_until_given_up(2), "a sweeper's attempt while the broker was down"
        )
        private_broker.restart()
        recording = await finished(committing_factory, recording_id, sweeps_until_given_up(attempts), log)

    # Its own reason: the job was queued again and ran.
    assert (recording.feedback_status, recording.failure_reason) == ("failed", NO_SPEECH)
    assert 3 <= recording.job_attempts < attempts


async def test_a_job_whose_worker_is_killed_mid_job_is_run_again_by_another_worker(
    stack: ServiceStack,
    engine: AsyncEngine,
    committing_factory: async_sessionmaker[AsyncSession],
    casey: Account,
    broker: redis.Redis,
) -> None:
    env = worker_env(3)
    first_log, second_log = (
        stack.root / "logs" / "worker-killed.log",
        stack.root / "logs" / "worker-after.log",
    )
    with running_worker(first_log, env) as first:
        # Made once the worker is up: a row already late at its start would be queued by its sweeper.
        recording_id = await answer_waiting_for_feedback(committing_factory, casey)
        async with engine.connect() as holder:
            # The job stops where it reads the session's resume: the worker is killed there, mid-job.
            await holder.execute(text("LOCK TABLE resumes IN ACCESS EXCLUSIVE MODE"))
            celery_app.send_task(str(TaskName.GENERATE_FEEDBACK_REPORT), args=(str(recording_id),))

            async def blocked_mid_job() -> bool:
                async with committing_factory() as db:
                    row = await db.get(Recording, recording_id)
                    waiting = await db.scalar(
                        text(
                            "SELECT count(*) FROM pg_locks "
                            "WHERE relation = 'resumes'::regclass AND NOT granted"
                        )
                    )
                return row is not None and row.job_heartbeat_at is not None and waiting == 1

            await until(blocked_mid_job, 60, "the job starting and reaching the resume")
            first.kill()
            await holder.rollback()

    # Its job stays with the dead worker in the broker (unacknowledged for the 2-hour visibility timeout).
    with running_worker(second_log, env):
        within = SWEEPER["JOB_STALL_SECONDS"] + SWEEPER["JOB_SWEEP_INTERVAL_SECONDS"] + JOB_RUN_SECONDS
        recording = await finished(committing_factory, recording_id, within, second_log)

    assert (recording.feedback_status, recording.failure_reason) == ("failed", NO_SPEECH)
    assert recording.job_attempts >= 2


async def test_a_job_the_broker_lost_is_queued_again(
    stack: ServiceStack,
    committing_factory: async_sessionmaker[AsyncSession],
    casey: Account,
    broker: redis.Redis,
) -> None:
    recording_id = await answer_waiting_for_feedback(committing_factory, casey)
    celery_app.send_task(str(TaskName.GENERATE_FEEDBACK_REPORT), args=(str(recording_id),))
    assert [args for _, args in queued_tasks(broker)] == [[str(recording_id)]]
    # Lost before any worker took it (a broker restarted without its journal, say).
    broker.delete(str(TASK_QUEUES[TaskName.GENERATE_FEEDBACK_REPORT]))

    log = stack.root / "logs" / "worker-lost-job.log"
    with running_worker(log, worker_env(3)):
        within = (
            SWEEPER["JOB_START_DEADLINE_SECONDS"] + SWEEPER["JOB_SWEEP_INTERVAL_SECONDS"] + JOB_RUN_SECONDS
        )
        recording = await finished(committing_factory, recording_id, within, log)

    assert (recording.feedback_status, recording.failure_reason) == ("failed", NO_SPEECH)
    assert recording.job_attempts >= 2
