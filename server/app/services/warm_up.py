"""Readying the worker for its first job when it starts (`WORKER_WARM_UP`; embedded mode turns it on).

Two things would otherwise fall on the candidate's first practice:
- the embedding model, loaded on first use (about 6 s on two cores), which every session needs for
  its gap analysis and every report for its knowledge-base search;
- the opening turns of the language model's requests. The embedded stack's model server keeps what it
  read of each prompt's system turn (`bundled_services/llm_service/opening_turns.py`), so a request
  that opens like an earlier one is read only from its user turn on. Every kind of request the jobs
  make is sent once, as its system turn and a one-token answer: the model reads them (about 30 s with
  the 1.5B model on two cores) while the candidate is still choosing a resume.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import httpx
import openai
from pydantic import BaseModel

from app.core.config import Settings
from app.db.session import create_engine, create_session_factory
from app.services import feedback_generation, gap_analysis, question_generation
from app.services.agent import AgentTools, read_agent_opening
from app.services.embedding import EmbeddingModelError, get_embedding_service
from app.services.llm import LLMError, LocalLLMProvider
from app.services.prompts import COACH_SYSTEM_PROMPT, QUESTION_WRITER_SYSTEM_PROMPT

logger = logging.getLogger(__name__)

# The model server starts beside the worker and may still be loading its model.
SERVER_WAIT_SECONDS = 300.0
PROBE_INTERVAL_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class AgentOpening:
    """An agent's system turn: its system prompt and the schemas of its tools."""

    system_prompt: str
    response_model: type[BaseModel]

    async def read(self, settings: Settings, provider: LocalLLMProvider, tools: AgentTools) -> None:
        await read_agent_opening(
            settings, tools, system_prompt=self.system_prompt, response_model=self.response_model
        )


@dataclass(frozen=True, slots=True)
class StructuredOpening:
    """A structured answer's system turn: its schema, after the system prompt if there is one."""

    response_model: type[BaseModel]
    system_prompt: str | None = None

    async def read(self, settings: Settings, provider: LocalLLMProvider, tools: AgentTools) -> None:
        await provider.read_opening(self.response_model, self.system_prompt)


Opening = AgentOpening | StructuredOpening

# In the order a practice needs them: the gap analysis, the questions, the report, then the fallbacks.
OPENINGS: tuple[Opening, ...] = (
    StructuredOpening(gap_analysis.ExtractedRequirements),
    StructuredOpening(gap_analysis.Judgements),
    StructuredOpening(gap_analysis.ResumeSuggestions),
    AgentOpening(QUESTION_WRITER_SYSTEM_PROMPT, question_generation.QuestionSet),
    AgentOpening(COACH_SYSTEM_PROMPT, feedback_generation.FeedbackJudgement),
    StructuredOpening(question_generation.QuestionSet, QUESTION_WRITER_SYSTEM_PROMPT),
    StructuredOpening(feedback_generation.FeedbackJudgement, COACH_SYSTEM_PROMPT),
)


async def wait_for_model_server(api_base: str, timeout_seconds: float) -> bool:
    """Whether the server lists its models within `timeout_seconds` (it answers once loaded)."""
    deadline = time.monotonic() + timeout_seconds
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as client:
        while True:
            try:
                if (await client.get(f"{api_base.rstrip('/')}/models")).status_code == 200:
                    return True
            except httpx.TransportError:
                pass
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(PROBE_INTERVAL_SECONDS)


async def warm_up(
    settings: Settings,
    openings: tuple[Opening, ...] = OPENINGS,
    *,
    between_jobs: Callable[[], AbstractContextManager[None]] = nullcontext,
) -> int:
    """Load the embedding model, then send a local language model each opening once, each step inside
    `between_jobs()`; returns how many openings the model server answered. A failure here costs only
    the time the warm-up would have saved: the job that meets the same problem reports it."""
    embeddings = get_embedding_service(settings)
    try:
        with between_jobs():
            await embeddings.load()
    except EmbeddingModelError as exc:
        logger.warning("embedding model not loaded ahead of the first job: %s", exc)
    if settings.LLM_PROVIDER != "local":
        return 0
    if not await wait_for_model_server(settings.LOCAL_LLM_API_BASE, SERVER_WAIT_SECONDS):
        logger.warning("language model warm-up skipped: the model server did not answer")
        return 0
    provider = LocalLLMProvider.from_settings(settings)
    # The tools' schemas are all an agent's opening needs of them: nothing here touches the database.
    engine = create_engine(settings.DATABASE_URL, pooled=False)
    tools = AgentTools(
        session_factory=create_session_factory(engine), embeddings=embeddings, user_id=uuid.uuid4()
    )
    started = time.monotonic()
    answered = 0
    try:
        for opening in openings:
            try:
                with between_jobs():
                    await opening.read(settings, provider, tools)
            except (LLMError, openai.APIError, httpx.HTTPError, OSError) as exc:
                logger.warning("language model warm-up stopped: %s", exc)
                break
            answered += 1
    finally:
        await engine.dispose()
    logger.info(
        "language model warmed with %d of %d opening turns in %.1f s",
        answered,
        len(openings),
        time.monotonic() - started,
    )
    return answered
