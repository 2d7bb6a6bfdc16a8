"""The tasks run in a real worker process: retries with backoff, then `failed` with a reason."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import TypeVar

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.models import InterviewSession, Recording
from tests.conftest import Account
from tests.files import JOB_DESCRIPTION, make_pdf, make_wav
from tests.stack import ServiceStack
from tests.worker import running_worker

RowT = TypeVar("RowT", Recording, InterviewSession)


@pytest.fixture(scope="module")
def worker(stack: ServiceStack) -> Iterator[None]:
    with running_worker(stack.root / "logs" / "worker.log"):
        yield


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
    casey: Account,
    committing_factory: async_sessionmaker[AsyncSession],
) -> None:
    resume = await live_api.post(
        "/api/v1/resumes",
        headers=casey.headers,
        files={"file": ("cv.pdf", make_pdf(), "application/pdf")},
    )
    created = await live_api.post(
        "/api/v1/sessions",
        headers=casey.headers,
        json={"resume_id": resume.json()["resume_id"], "job_description": JOB_DESCRIPTION},
    )
    session_id = created.json()["session_id"]
    submitted = await live_api.post(
        f"/api/v1/sessions/{session_id}/recordings",
        headers=casey.headers,
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

    shown = (await live_api.get(f"/api/v1/recordings/{recording_id}", headers=casey.headers)).json()
    assert shown["feedback_status"] == "failed"
    assert shown["failure_reason"] == recording.failure_reason
