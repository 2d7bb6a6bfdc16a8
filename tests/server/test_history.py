from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Feedback, Recording, Resume, User
from app.services.storage import ObjectStorage
from tests.conftest import Account
from tests.files import make_wav
from tests.server.test_recordings import QUESTION, submit
from tests.server.test_sessions import new_resume, new_session

REPORT = {
    "star_analysis": {
        "situation": "Clear context.",
        "task": "Goal stated.",
        "action": "Specific steps.",
        "result": "Quantified.",
        "overall_assessment": "Strong.",
    },
    "delivery_metrics": {
        "filler_word_count": 3,
        "words_per_minute": 150.0,
        "pace_rating": 10.0,
        "confidence_score": 8.2,
    },
    "recommendations": ["One", "Two", "Three"],
    "overall_score": 84.5,
    "star_quality": 85.0,
    "delivery_quality": 91.0,
}


async def test_listings_show_only_your_history_newest_first(
    api: httpx.AsyncClient, alice: Account, bob: Account, db: AsyncSession
) -> None:
    first = await new_session(api, alice)
    second = await new_session(api, alice)
    await new_session(api, bob)
    answer = await submit(api, alice, second, make_wav(30.0))
    recording_id = answer.json()["recording_id"]
    db.add(Feedback(recording_id=uuid.UUID(recording_id), report=REPORT))
    recording = await db.get(Recording, uuid.UUID(recording_id))
    assert recording is not None
    recording.feedback_status = "complete"
    await db.commit()

    sessions = (await api.get("/api/v1/sessions", headers=alice.headers)).json()
    assert [item["session_id"] for item in sessions] == [second, first]
    assert sessions[0]["answer_count"] == 1
    assert sessions[1]["answer_count"] == 0
    assert sessions[0]["title"].startswith("We are hiring a Staff Software Engineer")

    resumes = (await api.get("/api/v1/resumes", headers=alice.headers)).json()
    assert len(resumes) == 2
    assert {item["filename"] for item in resumes} == {"cv.pdf"}

    [summary] = (await api.get("/api/v1/recordings", headers=alice.headers)).json()
    assert summary["recording_id"] == recording_id
    assert summary["question"] == QUESTION
    assert summary["feedback_status"] == "complete"
    assert summary["overall_score"] == 84.5
    assert summary["star_quality"] == 85.0
    assert summary["filler_word_count"] == 3
    assert summary["fillers_per_minute"] == pytest.approx(6.0)
    assert summary["words_per_minute"] == 150.0
    assert (await api.get("/api/v1/recordings", headers=bob.headers)).json() == []


async def test_delete_my_data_removes_rows_and_files(
    api: httpx.AsyncClient, alice: Account, bob: Account, db: AsyncSession, storage: ObjectStorage
) -> None:
    session_id = await new_session(api, alice)
    await submit(api, alice, session_id, make_wav(1.0))
    bobs_resume = await new_resume(api, bob)
    keys = [
        resume.storage_path
        for resume in await db.scalars(select(Resume).where(Resume.user_id == alice.user.id))
    ]
    assert keys

    response = await api.delete("/api/v1/users/me", headers=alice.headers)
    assert response.status_code == 204

    assert await db.get(User, alice.user.id) is None
    for key in keys:
        assert not await storage.exists(key)
    listing = storage._client.list_objects(
        storage.bucket, prefix=f"recordings/{alice.user.id}/", recursive=True
    )
    assert list(listing) == []
    assert (await api.post("/api/v1/auth/verify", headers=alice.headers)).status_code == 401
    assert (await api.get(f"/api/v1/resumes/{bobs_resume}", headers=bob.headers)).status_code == 200
