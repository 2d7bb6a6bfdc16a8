"""Ownership: every owned resource read with another user's id is the spec's 404, and the base query of
each owned table (`services.ownership`) holds only its user's rows."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.base import Base
from app.db.models import GapAnalysisRecord, InterviewSession, Recording, Resume, User
from app.services.gap_analysis.standalone import run_analysis
from app.services.jobs.errors import PermanentJobError
from app.services.ownership import (
    NotFoundError,
    gap_analyses_of,
    owned_gap_analysis,
    owned_recording,
    owned_resume,
    owned_resume_text,
    owned_session,
    recordings_of,
    resumes_of,
    sessions_of,
)
from app.services.practice.question_generation import generate_questions
from app.services.resources import Resources
from app.services.storage import ObjectStorage
from tests.conftest import Account
from tests.files import JOB_DESCRIPTION, make_wav
from tests.server.test_recordings import stored_recordings, submit
from tests.server.test_sessions import new_resume, queued_tasks


@dataclass(frozen=True, slots=True)
class AlicesData:
    resume_id: str
    session_id: str
    recording_id: str
    analysis_id: str


async def alices_data(api: httpx.AsyncClient, alice: Account) -> AlicesData:
    resume_id = await new_resume(api, alice)
    created = await api.post(
        "/api/v1/sessions",
        headers=alice.headers,
        json={"resume_id": resume_id, "job_description": JOB_DESCRIPTION},
    )
    session_id = created.json()["session_id"]
    recording_id = (await submit(api, alice, session_id, make_wav(1.0))).json()["recording_id"]
    analysis = await api.post(
        "/api/v1/gap-analysis",
        headers=alice.headers,
        json={"resume_id": resume_id, "job_description": JOB_DESCRIPTION},
    )
    assert analysis.status_code == 202, analysis.text
    return AlicesData(resume_id, session_id, recording_id, analysis.json()["analysis_id"])


async def read_everything(api: httpx.AsyncClient, account: Account, data: AlicesData) -> dict[str, Any]:
    """Every endpoint that takes an id of an owned row, called with Alice's ids: (status, body) each."""
    headers = account.headers
    new_session = {"resume_id": data.resume_id, "job_description": JOB_DESCRIPTION}
    responses = {
        "GET /resumes/{id}": await api.get(f"/api/v1/resumes/{data.resume_id}", headers=headers),
        "POST /sessions": await api.post("/api/v1/sessions", headers=headers, json=new_session),
        "GET /sessions/{id}": await api.get(f"/api/v1/sessions/{data.session_id}", headers=headers),
        "POST /sessions/{id}/recordings": await submit(api, account, data.session_id, make_wav(1.0)),
        "GET /recordings/{id}": await api.get(f"/api/v1/recordings/{data.recording_id}", headers=headers),
        "POST /gap-analysis": await api.post("/api/v1/gap-analysis", headers=headers, json=new_session),
        "GET /gap-analysis/{id}": await api.get(f"/api/v1/gap-analysis/{data.analysis_id}", headers=headers),
    }
    return {name: (response.status_code, response.json()) for name, response in responses.items()}


def missing(what: str) -> tuple[int, dict[str, str]]:
    return 404, {"detail": f"{what} not found", "error_code": "NOT_FOUND"}


async def test_another_users_ids_are_404s_on_every_endpoint(
    api: httpx.AsyncClient,
    alice: Account,
    bob: Account,
    db: AsyncSession,
    broker: redis.Redis,
    storage: ObjectStorage,
) -> None:
    data = await alices_data(api, alice)
    queued = len(queued_tasks(broker))

    answers = await read_everything(api, bob, data)
    assert answers == {
        "GET /resumes/{id}": missing("Resume"),
        "POST /sessions": missing("Resume"),
        "GET /sessions/{id}": missing("Session"),
        "POST /sessions/{id}/recordings": missing("Session"),
        "GET /recordings/{id}": missing("Recording"),
        "POST /gap-analysis": missing("Resume"),
        "GET /gap-analysis/{id}": missing("Gap analysis"),
    }
    # Refused before anything was written, stored or queued on Bob's behalf.
    assert len(queued_tasks(broker)) == queued
    assert stored_recordings(storage, bob) == []
    for table in (InterviewSession, GapAnalysisRecord):
        assert list(await db.scalars(select(table).where(table.user_id == bob.user.id))) == []
    for listing in ("resumes", "sessions", "recordings"):
        assert (await api.get(f"/api/v1/{listing}", headers=bob.headers)).json() == []

    # The same calls with the owner's token succeed: the 404s above are about whose ids they are.
    owner = {name: status for name, (status, _) in (await read_everything(api, alice, data)).items()}
    assert owner == {
        "GET /resumes/{id}": 200,
        "POST /sessions": 202,
        "GET /sessions/{id}": 200,
        "POST /sessions/{id}/recordings": 202,
        "GET /recordings/{id}": 200,
        "POST /gap-analysis": 202,
        "GET /gap-analysis/{id}": 200,
    }


@dataclass(frozen=True, slots=True)
class OwnedRows:
    resume: Resume
    session: InterviewSession
    recording: Recording
    analysis: GapAnalysisRecord


async def add_rows(db: AsyncSession, user: User) -> OwnedRows:
    resume = Resume(
        user_id=user.id, storage_path="resumes/x.pdf", original_filename="cv.pdf", parsed_text="cv"
    )
    db.add(resume)
    await db.flush()
    session = InterviewSession(
        user_id=user.id, resume_id=resume.id, job_description=JOB_DESCRIPTION, generated_questions=[]
    )
    analysis = GapAnalysisRecord(user_id=user.id, resume_id=resume.id, job_description=JOB_DESCRIPTION)
    db.add_all([session, analysis])
    await db.flush()
    recording = Recording(session_id=session.id, question_text="Why?", audio_storage_path="recordings/x.wav")
    db.add(recording)
    await db.flush()
    return OwnedRows(resume, session, recording, analysis)


BaseQuery = Callable[[uuid.UUID], Select[Any]]
Lookup = Callable[[AsyncSession, uuid.UUID, uuid.UUID], Awaitable[Any]]
# Each owned table's base query and lookup, and the row of `OwnedRows` they find.
OWNED_TABLES: list[tuple[str, BaseQuery, Lookup]] = [
    ("resume", resumes_of, owned_resume),
    ("session", sessions_of, owned_session),
    ("recording", recordings_of, owned_recording),
    ("analysis", gap_analyses_of, owned_gap_analysis),
]


def test_every_table_with_a_user_has_a_base_query() -> None:
    with_user = {table.name for table in Base.metadata.sorted_tables if "user_id" in table.c}
    assert with_user == {"resumes", "interview_sessions", "gap_analyses"}
    covered = {
        query(uuid.uuid4()).column_descriptions[0]["entity"].__tablename__ for _, query, _ in OWNED_TABLES
    }
    assert covered == with_user | {"recordings"}


@pytest.mark.parametrize(
    ("field", "base_query", "lookup"), OWNED_TABLES, ids=[name for name, *_ in OWNED_TABLES]
)
async def test_the_base_query_holds_only_its_users_rows(
    db: AsyncSession, alice: Account, bob: Account, field: str, base_query: BaseQuery, lookup: Lookup
) -> None:
    alices = getattr(await add_rows(db, alice.user), field)
    bobs = getattr(await add_rows(db, bob.user), field)
    # Both users have a row in the table; each user's query finds exactly their own.
    assert [row.id for row in await db.scalars(base_query(alice.user.id))] == [alices.id]
    assert [row.id for row in await db.scalars(base_query(bob.user.id))] == [bobs.id]

    assert (await lookup(db, alice.user.id, alices.id)).id == alices.id
    with pytest.raises(NotFoundError) as refused:
        await lookup(db, alice.user.id, bobs.id)
    assert refused.value.status_code == 404
    assert refused.value.error_code == "NOT_FOUND"


async def test_a_resume_is_read_only_for_its_user(db: AsyncSession, alice: Account, bob: Account) -> None:
    alices = (await add_rows(db, alice.user)).resume
    assert await owned_resume_text(db, alice.user.id, alices.id) == "cv"
    assert await owned_resume_text(db, bob.user.id, alices.id) is None
    assert await owned_resume_text(db, alice.user.id, None) is None


async def test_the_jobs_read_no_other_users_resume(
    db: AsyncSession,
    alice: Account,
    bob: Account,
    resources: Resources,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    # Rows no endpoint would write: Bob's session and analysis pointing at Alice's resume.
    alices = (await add_rows(db, alice.user)).resume
    bobs = await add_rows(db, bob.user)
    bobs.session.resume_id = bobs.analysis.resume_id = alices.id
    await db.commit()
    context = replace(resources, session_factory=session_factory)
    with pytest.raises(PermanentJobError, match="resume was deleted"):
        await generate_questions(context, bobs.session.id)
    with pytest.raises(PermanentJobError, match="resume was deleted"):
        await run_analysis(context, bobs.analysis.id)
