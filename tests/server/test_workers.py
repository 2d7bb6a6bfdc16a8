"""The tasks run in a real worker process: retries with backoff, then `failed` with a reason."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import TypeVar

import httpx
import pytest
import redis
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.api.deps import AppResources
from app.core.config import Settings
from app.db.models import InterviewSession, Recording, User
from app.db.session import create_session_factory
from app.services.jobs import JobDispatcher
from app.services.storage import ObjectStorage
from app.workers.celery_app import celery_app
from tests.conftest import Account, build_client, create_account
from tests.files import JOB_DESCRIPTION, make_pdf, make_wav
from tests.stack import ServiceStack
from tests.worker import running_worker

RowT = TypeVar("RowT", Recording, InterviewSession)


@pytest.fixture(scope="module")
def worker(stack: ServiceStack) -> Iterator[None]:
    with running_worker(stack.root / "logs" / "worker.log"):
        yield


@pytest.fixture
def committing_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # The worker is another process: it only sees what is really committed.
    return create_session_factory(engine)


@pytest.fixture
async def carol(
    committing_factory: async_sessionmaker[AsyncSession], settings: Settings
) -> AsyncIterator[Account]:
    account = await create_account(committing_factory, settings, "Carol")
    yield account
    async with committing_factory() as session:
        await session.execute(delete(User).where(User.id == account.user.id))
        await session.commit()


@pytest.fixture
async def live_api(
    settings: Settings,
    engine: AsyncEngine,
    committing_factory: async_sessionmaker[AsyncSession],
    storage: ObjectStorage,
    broker: redis.Redis,
) -> AsyncIterator[httpx.AsyncClient]:
    resources = AppResources(
        settings=settings,
        engine=engine,
        session_factory=committing_factory,
        storage=storage,
        jobs=JobDispatcher(celery_app),
    )
    async with build_client(resources) as client:
        yield client


async def wait_for(
    factory: async_sessionmaker[AsyncSession],
    model: type[RowT],
    row_id: str,
    done: set[str],
) -> RowT:
    for _ in range(300):
        async with factory() as session:
            row = await session.get(model, uuid.UUID(row_id))
            state = getattr(row, "feedback_status", None) or getattr(row, "status", None)
            if row is not None and state in done:
                return row
        await asyncio.sleep(0.2)
    raise AssertionError(f"{model.__name__} {row_id} never reached {done}")


async def test_unreachable_services_end_in_failed_with_reasons(
    worker: None,
    live_api: httpx.AsyncClient,
    carol: Account,
    committing_factory: async_sessionmaker[AsyncSession],
) -> None:
    resume = await live_api.post(
        "/api/v1/resumes", headers=carol.headers, files={"file": ("cv.pdf", make_pdf(), "application/pdf")}
    )
    created = await live_api.post(
        "/api/v1/sessions",
        headers=carol.headers,
        json={"resume_id": resume.json()["resume_id"], "job_description": JOB_DESCRIPTION},
    )
    session_id = created.json()["session_id"]
    submitted = await live_api.post(
        f"/api/v1/sessions/{session_id}/recordings",
        headers=carol.headers,
        data={"question": "Tell me about a conflict."},
        files={"audio": ("a.wav", make_wav(1.0), "audio/wav")},
    )
    recording_id = submitted.json()["recording_id"]

    recording = await wait_for(committing_factory, Recording, recording_id, {"failed", "complete"})
    assert isinstance(recording, Recording)
    assert recording.feedback_status == "failed"
    assert recording.failure_reason is not None
    assert "Gave up after repeated attempts" in recording.failure_reason
    assert "transcription service is unreachable" in recording.failure_reason

    interview = await wait_for(committing_factory, InterviewSession, session_id, {"failed", "complete"})
    assert isinstance(interview, InterviewSession)
    assert interview.status == "failed"
    assert interview.failure_reason is not None

    shown = (await live_api.get(f"/api/v1/recordings/{recording_id}", headers=carol.headers)).json()
    assert shown["feedback_status"] == "failed"
    assert shown["failure_reason"] == recording.failure_reason
