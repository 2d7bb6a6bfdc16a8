from __future__ import annotations

import json
import uuid

import httpx
import redis
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import InterviewSession
from app.services.jobs.dispatch import JobQueue
from tests.conftest import Account
from tests.files import JOB_DESCRIPTION, make_pdf


async def new_resume(api: httpx.AsyncClient, account: Account) -> str:
    response = await api.post(
        "/api/v1/resumes", headers=account.headers, files={"file": ("cv.pdf", make_pdf(), "application/pdf")}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["resume_id"])


async def new_session(api: httpx.AsyncClient, account: Account) -> str:
    resume_id = await new_resume(api, account)
    response = await api.post(
        "/api/v1/sessions",
        headers=account.headers,
        json={"resume_id": resume_id, "job_description": JOB_DESCRIPTION},
    )
    assert response.status_code == 202, response.text
    return str(response.json()["session_id"])


def queued_tasks(broker: redis.Redis) -> list[tuple[str, list[str]]]:
    """Every job waiting in the broker, read from each queue jobs are routed to."""
    tasks = []
    for raw in (raw for queue in JobQueue for raw in broker.lrange(str(queue), 0, -1)):
        message = json.loads(raw)
        args = json.loads(__import__("base64").b64decode(message["body"]))[0]
        tasks.append((message["headers"]["task"], args))
    return tasks


async def test_create_session_answers_202_at_once_and_enqueues_after_commit(
    api: httpx.AsyncClient, alice: Account, db: AsyncSession, broker: redis.Redis
) -> None:
    resume_id = await new_resume(api, alice)
    response = await api.post(
        "/api/v1/sessions",
        headers=alice.headers,
        json={"resume_id": resume_id, "job_description": JOB_DESCRIPTION},
    )
    assert response.status_code == 202
    body = response.json()
    assert set(body) == {"session_id", "status"}
    assert body["status"] == "processing"

    session_id = body["session_id"]
    row = await db.get(InterviewSession, uuid.UUID(session_id))
    assert row is not None
    assert row.status == "processing"
    assert row.generated_questions == []
    assert queued_tasks(broker) == [("workers.session.generate_interview_questions", [session_id])]


async def test_session_status_shows_questions_and_results(api: httpx.AsyncClient, alice: Account) -> None:
    session_id = await new_session(api, alice)
    response = await api.get(f"/api/v1/sessions/{session_id}", headers=alice.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["session_id"] == session_id
    assert body["status"] == "processing"
    assert body["results"] == []
    assert body["generated_questions"] == []
    assert body["job_description"] == JOB_DESCRIPTION
    assert body["failure_reason"] is None


async def test_job_description_limits_are_a_422_in_the_spec_shape(
    api: httpx.AsyncClient, alice: Account
) -> None:
    resume_id = await new_resume(api, alice)
    for job_description, kind in (("too short", "string_too_short"), ("x" * 5001, "string_too_long")):
        response = await api.post(
            "/api/v1/sessions",
            headers=alice.headers,
            json={"resume_id": resume_id, "job_description": job_description},
        )
        assert response.status_code == 422
        [detail] = response.json()["detail"]
        assert detail["loc"] == ["body", "job_description"]
        assert detail["type"] == kind
        assert set(detail) == {"loc", "msg", "type"}


async def test_malformed_json_is_a_422(api: httpx.AsyncClient, alice: Account) -> None:
    response = await api.post(
        "/api/v1/sessions",
        headers={**alice.headers, "Content-Type": "application/json"},
        content=b"{not json",
    )
    assert response.status_code == 422


async def test_unknown_resume_or_session_is_a_404(
    api: httpx.AsyncClient, alice: Account, broker: redis.Redis
) -> None:
    # Another user's ids are in test_ownership.py.
    response = await api.post(
        "/api/v1/sessions",
        headers=alice.headers,
        json={"resume_id": str(uuid.uuid4()), "job_description": JOB_DESCRIPTION},
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "Resume not found", "error_code": "NOT_FOUND"}
    assert queued_tasks(broker) == []
    response = await api.get(f"/api/v1/sessions/{uuid.uuid4()}", headers=alice.headers)
    assert response.status_code == 404
    assert response.json() == {"detail": "Session not found", "error_code": "NOT_FOUND"}
