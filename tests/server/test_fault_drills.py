"""Faults around the jobs leave no row `pending` or `processing`: the broker down when a job is queued.

(A worker killed mid-job, a job that kills every worker, and the speech or language model down are
drilled with a real worker in `test_workers.py` and `tests/embedded/test_worker_killed.py`.)
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from celery import Celery
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.models import GapAnalysisRecord, InterviewSession, Recording
from app.services.jobs.dispatch import QUEUE_UNAVAILABLE, JobDispatcher
from app.services.resources import Resources
from tests.conftest import Account, client_on
from tests.files import JOB_DESCRIPTION, make_wav
from tests.server.test_recordings import submit
from tests.server.test_sessions import new_resume, new_session

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
