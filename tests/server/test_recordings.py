from __future__ import annotations

import uuid

import httpx
import pytest
import redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import InterviewSession, Recording
from app.services.storage import ObjectStorage
from tests.conftest import Account
from tests.files import make_pdf, make_wav
from tests.server.test_sessions import new_session, queued_tasks

QUESTION = "Tell me about a time you led a migration under a deadline."


async def submit(
    api: httpx.AsyncClient,
    account: Account,
    session_id: str,
    audio: bytes,
    *,
    name: str = "answer.wav",
    question: str | None = QUESTION,
) -> httpx.Response:
    data = {"question": question} if question is not None else {}
    return await api.post(
        f"/api/v1/sessions/{session_id}/recordings",
        headers=account.headers,
        data=data,
        files={"audio": (name, audio, "audio/wav")},
    )


async def recording_count(db: AsyncSession, session_id: str) -> int:
    count = await db.scalar(
        select(func.count()).select_from(Recording).where(Recording.session_id == uuid.UUID(session_id))
    )
    return int(count or 0)


def stored_recordings(storage: ObjectStorage, account: Account) -> list[str]:
    objects = storage._client.list_objects(
        storage.bucket, prefix=f"recordings/{account.user.id}/", recursive=True
    )
    return [item.object_name for item in objects]


async def test_submit_answers_202_measures_duration_and_enqueues(
    api: httpx.AsyncClient, alice: Account, db: AsyncSession, broker: redis.Redis, storage: ObjectStorage
) -> None:
    session_id = await new_session(api, alice)
    broker.flushdb()
    response = await submit(api, alice, session_id, make_wav(3.5))
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "processing"
    recording_id = body["recording_id"]

    row = await db.get(Recording, uuid.UUID(recording_id))
    assert row is not None
    assert row.question_text == QUESTION
    assert row.feedback_status == "pending"
    assert row.audio_duration_seconds == pytest.approx(3.5, abs=0.01)
    assert row.audio_storage_path.startswith(f"recordings/{alice.user.id}/")
    assert await storage.exists(row.audio_storage_path)
    session = await db.get(InterviewSession, uuid.UUID(session_id))
    assert session is not None
    assert session.status == "processing"
    assert queued_tasks(broker) == [("workers.transcription.process_recording", [recording_id])]

    detail = await api.get(f"/api/v1/recordings/{recording_id}", headers=alice.headers)
    assert detail.status_code == 200
    shown = detail.json()
    assert shown["id"] == recording_id
    assert shown["session_id"] == session_id
    assert shown["question_text"] == QUESTION
    assert shown["transcript"] is None
    assert shown["feedback"] is None
    assert shown["feedback_status"] == "pending"

    status = await api.get(f"/api/v1/sessions/{session_id}", headers=alice.headers)
    [result] = status.json()["results"]
    assert result == {
        "recording_id": recording_id,
        "question": QUESTION,
        "transcript": None,
        "feedback": None,
        "feedback_status": "pending",
        "failure_reason": None,
    }


async def test_a_question_of_your_own_is_accepted(api: httpx.AsyncClient, alice: Account) -> None:
    session_id = await new_session(api, alice)
    response = await submit(api, alice, session_id, make_wav(1.0), question="  Why   do you want this job?  ")
    assert response.status_code == 202
    detail = await api.get(f"/api/v1/recordings/{response.json()['recording_id']}", headers=alice.headers)
    assert detail.json()["question_text"] == "Why do you want this job?"


@pytest.mark.parametrize(
    ("question", "name", "audio", "message"),
    [
        ("   ", "answer.wav", make_wav(1.0), "The question must not be empty"),
        ("q" * 1001, "answer.wav", make_wav(1.0), "at most 1000 characters"),
        (QUESTION, "answer.ogg", make_wav(1.0), "Unsupported audio type (.ogg)"),
        (QUESTION, "answer.wav", b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk", "could not be decoded"),
        (QUESTION, "answer.wav", make_pdf(), "could not be decoded"),
        (QUESTION, "answer.mp3", make_wav(1.0), "holds wav data"),
        (QUESTION, "answer.wav", make_wav(0.05), "too short"),
        (QUESTION, "answer.wav", b"", "is empty"),
    ],
)
async def test_bad_answers_are_a_400_and_leave_nothing_behind(
    api: httpx.AsyncClient,
    alice: Account,
    db: AsyncSession,
    storage: ObjectStorage,
    broker: redis.Redis,
    question: str,
    name: str,
    audio: bytes,
    message: str,
) -> None:
    session_id = await new_session(api, alice)
    broker.flushdb()
    response = await submit(api, alice, session_id, audio, name=name, question=question)
    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_INPUT"
    assert message in response.json()["detail"]
    assert await recording_count(db, session_id) == 0
    assert stored_recordings(storage, alice) == []
    assert queued_tasks(broker) == []


async def test_missing_question_is_a_422(api: httpx.AsyncClient, alice: Account) -> None:
    session_id = await new_session(api, alice)
    response = await submit(api, alice, session_id, make_wav(1.0), question=None)
    assert response.status_code == 422
    assert response.json() == {
        "detail": [{"loc": ["body", "question"], "msg": "Field required", "type": "missing"}]
    }


async def test_oversized_audio_is_a_413(
    api: httpx.AsyncClient, alice: Account, db: AsyncSession, settings: object, storage: ObjectStorage
) -> None:
    session_id = await new_session(api, alice)
    too_big = b"RIFF" + b"\x00" * (51 * 1024 * 1024)
    response = await submit(api, alice, session_id, too_big)
    assert response.status_code == 413
    assert response.json() == {"detail": "File exceeds size limit", "error_code": "FILE_TOO_LARGE"}
    assert await recording_count(db, session_id) == 0
    assert stored_recordings(storage, alice) == []


async def test_unknown_session_or_recording_is_a_404(api: httpx.AsyncClient, alice: Account) -> None:
    # Another user's ids are in test_ownership.py.
    unknown_session = await submit(api, alice, str(uuid.uuid4()), make_wav(1.0))
    assert unknown_session.status_code == 404
    assert unknown_session.json() == {"detail": "Session not found", "error_code": "NOT_FOUND"}
    unknown = await api.get(f"/api/v1/recordings/{uuid.uuid4()}", headers=alice.headers)
    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "Recording not found", "error_code": "NOT_FOUND"}
