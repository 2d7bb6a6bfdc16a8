"""Readying the worker for its first job when it starts (`WORKER_WARM_UP`; embedded mode turns it on).

Two things would otherwise fall on the candidate's first practice:
- the embedding model, loaded on first use (about 6 s on two cores), which every session needs for
  its gap analysis and every report for its knowledge-base search;
- the opening turns of the language model's requests. The embedded stack's model server keeps what it
  read of each prompt's system turn (`bundled_services/llm_service/opening_turns.py`), so a request
  that opens like an earlier one is read only from its user turn on. Every kind of request the jobs
  make is sent once, as its system turn and a one-token answer: the model reads them (about 30 s with
  the 1.5B model on two cores) while the candidate is still choosing a resume.

Each step runs through the caller's `run`, on the jobs' own event loop and never during a job (the
worker's `runtime.run_before_first_job`): the chat client LangChain caches is bound to the loop it was
first used on, and a warm-up request landing between two model calls of one job would displace the
prompt the job's next call starts from. Once a job has come the warm-up stops: it would only delay
that job, and the jobs' own requests leave their opening turns kept just the same.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import httpx
import openai
from pydantic import BaseModel

from app.core.config import Settings
from app.services.agent import AgentTools, read_agent_opening
from app.services.coaching.evidence import star_bank
from app.services.coaching.reading import AnswerReading
from app.services.coaching.relevance import question_bank
from app.services.embedding import EmbeddingModelError
from app.services.gap_analysis import analyzer, judging
from app.services.llm import LLMConfigurationError, LLMError, LocalLLMProvider
from app.services.practice import question_generation
from app.services.prompts import COACH_SYSTEM_PROMPT, QUESTION_WRITER_SYSTEM_PROMPT
from app.services.resources import Resources

logger = logging.getLogger(__name__)

# The model server starts beside the worker and may still be loading its model.
SERVER_WAIT_SECONDS = 300.0
PROBE_INTERVAL_SECONDS = 1.0
# What a failed opening raises; the warm-up stops there, since the next would meet the same problem.
OPENING_ERRORS: tuple[type[Exception], ...] = (LLMError, openai.APIError, httpx.HTTPError, OSError)

Step = Callable[[Resources], Coroutine[Any, Any, None]]
# Runs a step on the jobs' loop; False when it did not, the worker having work of its own by then.
RunStep = Callable[[Step], bool]


def _tools(context: Resources) -> AgentTools:
    # The tools' schemas are all an agent's opening needs of them: nothing here reads the database.
    return AgentTools(
        session_factory=context.session_factory,
        embeddings=context.embeddings,
        user_id=uuid.uuid4(),
    )


@dataclass(frozen=True, slots=True)
class AgentOpening:
    """An agent's system turn: its system prompt and the schemas of its tools."""

    system_prompt: str
    response_model: type[BaseModel]

    async def read(self, context: Resources) -> None:
        await read_agent_opening(
            context.settings,
            _tools(context),
            system_prompt=self.system_prompt,
            response_model=self.response_model,
        )


@dataclass(frozen=True, slots=True)
class StructuredOpening:
    """A structured answer's system turn: its schema, after the system prompt if there is one."""

    response_model: type[BaseModel]
    system_prompt: str | None = None

    async def read(self, context: Resources) -> None:
        provider = context.llm
        if not isinstance(provider, LocalLLMProvider):
            # Only a local model server keeps what it read; `warm_up` sends openings to no other.
            raise LLMConfigurationError(f"no opening turns to read for {type(provider).__name__}")
        await provider.read_opening(self.response_model, self.system_prompt)


Opening = AgentOpening | StructuredOpening

# In the order a practice needs them: the gap analysis, the questions, the report, then the fallbacks.
OPENINGS: tuple[Opening, ...] = (
    StructuredOpening(analyzer.ExtractedRequirements),
    StructuredOpening(judging.Judgements),
    AgentOpening(QUESTION_WRITER_SYSTEM_PROMPT, question_generation.QuestionSet),
    AgentOpening(COACH_SYSTEM_PROMPT, AnswerReading),
    StructuredOpening(question_generation.QuestionSet, QUESTION_WRITER_SYSTEM_PROMPT),
)


async def load_embedding_model(context: Resources) -> None:
    embeddings = context.embeddings
    await embeddings.load()
    # The banks every report's sentences and question are compared with, embedded once per worker.
    await star_bank(embeddings)
    await question_bank(embeddings)


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


def warm_up(settings: Settings, run: RunStep, openings: tuple[Opening, ...] = OPENINGS) -> int:
    """Load the embedding model, then have a local language model read each opening once, every step
    through `run`, until `run` declines one; returns how many openings the model server read. Blocking:
    the worker calls it from a thread of its own. A failure costs only the time the warm-up would have
    saved; the job that meets the same problem reports it."""
    try:
        if not run(load_embedding_model):
            return 0
    except EmbeddingModelError as exc:
        logger.warning("embedding model not loaded ahead of the first job: %s", exc)
    if settings.LLM_PROVIDER != "local":
        return 0
    # Waited for here, on a loop of its own: the jobs' loop stays free meanwhile.
    if not asyncio.run(wait_for_model_server(settings.LOCAL_LLM_API_BASE, SERVER_WAIT_SECONDS)):
        logger.warning("language model warm-up skipped: the model server did not answer")
        return 0
    started = time.monotonic()
    answered = 0
    for opening in openings:
        try:
            if not run(opening.read):
                # The jobs read the rest themselves; the server keeps them all the same.
                break
        except OPENING_ERRORS as exc:
            logger.warning("language model warm-up stopped: %s", exc)
            break
        answered += 1
    logger.info(
        "language model warmed with %d of %d opening turns in %.1f s",
        answered,
        len(openings),
        time.monotonic() - started,
    )
    return answered
