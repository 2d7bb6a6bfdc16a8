"""The tasks run in a real worker process: retries with backoff, then `failed` with a reason."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import TypeVar

import httpx
import pytest
import redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.db.models import InterviewSession, Recording
from app.services.jobs.dispatch import TaskName
from app.workers.celery_app import celery_app
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
        async with factory() as db:
            row = await db.get(model, uuid.UUID(row_id))
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

    session = await wait_for(committing_factory, InterviewSession, session_id, {"failed", "complete"})
    assert isinstance(session, InterviewSession)
    assert session.status == "failed"
    assert session.failure_reason is not None

    shown = (await live_api.get(f"/api/v1/recordings/{recording_id}", headers=casey.headers)).json()
    assert shown["feedback_status"] == "failed"
    assert shown["failure_reason"] == recording.failure_reason


async def test_a_job_handed_out_too_often_is_failed_instead_of_run_again(
    worker: None,
    live_api: httpx.AsyncClient,
    casey: Account,
    committing_factory: async_sessionmaker[AsyncSession],
    broker: redis.Redis,
    settings: Settings,
) -> None:
    resume = await live_api.post(
        "/api/v1/resumes", headers=casey.headers, files={"file": ("cv.pdf", make_pdf(), "application/pdf")}
    )
    created = await live_api.post(
        "/api/v1/sessions",
        headers=casey.headers,
        json={"resume_id": resume.json()["resume_id"], "job_description": JOB_DESCRIPTION},
    )
    async with committing_factory() as db:
        recording = Recording(
            session_id=uuid.UUID(created.json()["session_id"]),
            question_text="Tell me about a conflict.",
            audio_storage_path="recordings/never-stored.wav",
            feedback_status="pending",
            audio_duration_seconds=1.0,
        )
        db.add(recording)
        await db.commit()
        recording_id = str(recording.id)
    # As if this job had been handed out as often as allowed and its worker had died each time.
    task_id = str(uuid.uuid4())
    broker.set(f"ascend:deliveries:{task_id}:0", settings.TASK_MAX_DELIVERIES)
    celery_app.send_task(str(TaskName.PROCESS_RECORDING), args=(recording_id,), task_id=task_id)

    failed = await wait_for(committing_factory, Recording, recording_id, {"failed", "complete"})
    assert isinstance(failed, Recording)
    assert failed.feedback_status == "failed"
    assert failed.failure_reason == (
        f"The analysis stopped its worker {settings.TASK_MAX_DELIVERIES} times and was given up; "
        "try submitting again"
    )
