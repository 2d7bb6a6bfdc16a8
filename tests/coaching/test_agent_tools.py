"""The five mandatory tools: the spec's exact signatures, scoped to the user whose data is analysed."""

from __future__ import annotations

import inspect
import uuid

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.services.agent import NOT_FOUND, AgentTools
from app.services.embedding import EmbeddingService
from tests.conftest import Account
from tests.files import make_wav
from tests.server.test_recordings import submit
from tests.server.test_sessions import new_session

SPEC_SIGNATURES = {
    "get_resume_text": "(resume_id: str) -> str",
    "get_job_description_text": "(session_id: str) -> str",
    "get_transcript": "(recording_id: str) -> str",
    "rag_knowledge_search": "(query: str, top_k: int = 3) -> list[str]",
    "analyze_delivery_metrics": "(transcript: str) -> dict[str, int | float]",
}


def test_tools_have_the_spec_signatures(embeddings: EmbeddingService) -> None:
    tools = AgentTools(session_factory=None, embeddings=embeddings, user_id=uuid.uuid4())  # type: ignore[arg-type]
    for name, signature in SPEC_SIGNATURES.items():
        assert str(inspect.signature(getattr(tools, name), eval_str=True)) == signature
    assert [tool.name for tool in tools.as_langchain_tools()] == list(SPEC_SIGNATURES)


async def test_analyze_delivery_metrics_uses_the_measured_duration(embeddings: EmbeddingService) -> None:
    transcript = "Um I led the migration and uh it shipped on time, you know. " * 10  # 130 words, 30 fillers
    measured = AgentTools(
        session_factory=None,  # type: ignore[arg-type]
        embeddings=embeddings,
        user_id=uuid.uuid4(),
        audio_duration_seconds=40.0,
    )
    estimated = AgentTools(session_factory=None, embeddings=embeddings, user_id=uuid.uuid4())  # type: ignore[arg-type]
    assert await measured.analyze_delivery_metrics(transcript) == {
        "filler_word_count": 30,
        "words_per_minute": 150.0,
        "pace_rating": 10.0,
    }
    # Without a duration, the spec's estimate: 130 words / 2.5 = 52 s; (130 - 30) / (52 / 60) = 115.38 WPM.
    assert await estimated.analyze_delivery_metrics(transcript) == {
        "filler_word_count": 30,
        "words_per_minute": pytest.approx(115.38, abs=0.01),
        "pace_rating": pytest.approx(7.54, abs=0.01),
    }


async def test_lookups_see_only_the_users_own_data(
    api: httpx.AsyncClient,
    alice: Account,
    bob: Account,
    session_factory: async_sessionmaker[AsyncSession],
    embeddings: EmbeddingService,
) -> None:
    session_id = await new_session(api, alice)
    status = (await api.get(f"/api/v1/sessions/{session_id}", headers=alice.headers)).json()
    resume_id = status["resume_id"]
    recording_id = (await submit(api, alice, session_id, make_wav(1.0))).json()["recording_id"]

    alices = AgentTools(session_factory=session_factory, embeddings=embeddings, user_id=alice.user.id)
    bobs = AgentTools(session_factory=session_factory, embeddings=embeddings, user_id=bob.user.id)
    assert "Senior Backend Engineer" in await alices.get_resume_text(resume_id)
    assert (await alices.get_job_description_text(session_id)).startswith("We are hiring")
    assert await alices.get_transcript(recording_id) == NOT_FOUND  # not transcribed yet
    for tool, argument in (
        (bobs.get_resume_text, resume_id),
        (bobs.get_job_description_text, session_id),
        (bobs.get_transcript, recording_id),
        (alices.get_resume_text, "not-a-uuid"),
    ):
        assert await tool(argument) == NOT_FOUND
