"""The language model warm-up opens exactly the requests the jobs make.

A warm-up request is worth something only if its system turn, the system message and the tools'
schemas the model server keeps, is token for token the one a job's request opens with. The jobs'
real code runs here against a scripted OpenAI-compatible server that records every request: the gap
analysis, the question agent and its fallback, the report agent and its fallback.
"""

from __future__ import annotations

import asyncio
import json
import signal
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.schemas.gap_analysis import GapAnalysis
from app.services import warm_up as warm_up_module
from app.services.agent import MAX_COMPLETION_TOKENS, AgentTools
from app.services.coaching.feedback_generation import read_answer
from app.services.coaching.reading import model_labels
from app.services.coaching.transcript import split_units
from app.services.embedding import EmbeddingService, get_embedding_service
from app.services.gap_analysis.analyzer import GapAnalyzer
from app.services.llm import LocalLLMProvider
from app.services.practice.question_generation import build_prompt, write_questions
from app.services.resources import Resources, open_resources
from app.services.warm_up import OPENINGS, Step, warm_up
from app.workers.celery_app import celery_app
from app.workers.runtime import WorkerRuntime
from bundled_services.provisioning import embedding_model
from tests.ai.scripted_server import Reply, ScriptedServer, chat_completion

RESUME = (
    "Jane Doe\nSenior engineer. Led the move of payments to Kafka, cutting settlement from 2 days to 4 hours."
)
TRANSCRIPT = "I was the tech lead and I rewrote the slow queries, so latency dropped to 180 milliseconds."
# One paragraph, so the gap analysis asks the model for its requirements (a listed job description
# gives them by its structure alone).
JOB_DESCRIPTION = (
    "We want a senior engineer who writes Go every day, has run Kafka in production for years and "
    "shows incident leadership when things break."
)
QUESTIONS = [f"Tell me about a time you handled difficult situation number {n} at work." for n in range(5)]
# Two letters for an answer of one sentence: a reading that cannot be matched to the sentences.
READING = {"labels": ["S", "A"], "answers_question": "yes"}


def submitted(arguments: dict[str, Any]) -> Reply:
    """The agent's model calling submit_answer."""
    call = {
        "id": "call-1",
        "type": "function",
        "function": {"name": "submit_answer", "arguments": json.dumps(arguments)},
    }
    return Reply(
        body={
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 0,
            "model": "test-model",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": None, "tool_calls": [call]},
                    "finish_reason": "tool_calls",
                }
            ],
        }
    )


ContextAt = Callable[..., Awaitable[Resources]]


@pytest.fixture
async def context_at(settings: Settings) -> AsyncIterator[ContextAt]:
    """What the worker's jobs get, opened as a worker opens it, with the language model at the given
    server URL; closed after the test."""
    async with AsyncExitStack() as opened:

        async def context(server_url: str, **overrides: Any) -> Resources:
            scripted = settings.model_copy(
                update={
                    "LOCAL_LLM_API_BASE": f"{server_url}/v1",
                    "LOCAL_LLM_MODEL_NAME": "test-model",
                    "EMBEDDING_MODEL_NAME": str(embedding_model.provision()),
                    **overrides,
                }
            )
            return await opened.enter_async_context(open_resources(scripted, celery_app))

        yield context


async def warm_up_beside_jobs(context: Resources, on_step: Callable[[], None] = lambda: None) -> int:
    """As in the worker: the warm-up in a thread of its own, its steps on the loop the jobs run on."""
    jobs_loop = asyncio.get_running_loop()

    def run(step: Step) -> bool:
        asyncio.run_coroutine_threadsafe(step(context), jobs_loop).result()
        on_step()
        return True

    return await asyncio.to_thread(warm_up, context.settings, run)


def opening(body: dict[str, Any]) -> tuple[str, str]:
    """What a keeping server reuses of a request: its system turn, and the tools rendered into it."""
    messages = body["messages"]
    assert messages[0]["role"] == "system"
    return messages[0]["content"], json.dumps(body.get("tools"), sort_keys=True)


async def test_every_request_of_the_jobs_opens_like_a_warm_up_request(
    context_at: ContextAt, committing_factory: async_sessionmaker[AsyncSession], embeddings: EmbeddingService
) -> None:
    warm_up_replies = [chat_completion("x")] * len(OPENINGS)
    job_replies = [
        # the gap analysis: requirements and judgements (its suggestions are written by code)
        chat_completion(json.dumps({"requirements": ["Go", "Kafka", "incident leadership"]})),
        chat_completion(json.dumps({"judgements": [{"index": 1, "status": "met", "line": "none"}]})),
        # the question agent submits too few distinct questions, so its fallback writes them
        submitted({"questions": [*QUESTIONS[:2], *QUESTIONS[:2], QUESTIONS[0]]}),
        chat_completion(json.dumps({"questions": QUESTIONS})),
        # the report agent's reading does not match the answer's sentences, so the evidence alone decides
        submitted(READING),
    ]
    with ScriptedServer([*warm_up_replies, *job_replies]) as server:
        context = await context_at(server.url)
        scripted = context.settings
        requests_per_step: list[int] = []
        counted = 0

        def count_requests() -> None:
            nonlocal counted
            requests_per_step.append(len(server.requests) - counted)
            counted = len(server.requests)

        assert await warm_up_beside_jobs(context, count_requests) == len(OPENINGS)
        # The embedding model's load, then one request per opening.
        assert requests_per_step == [0] + [1] * len(OPENINGS)
        warm_ups = [request.body for request in server.requests]

        tools = AgentTools(session_factory=committing_factory, embeddings=embeddings, user_id=uuid.uuid4())
        analysis: GapAnalysis = await GapAnalyzer(
            LocalLLMProvider.from_settings(scripted), embeddings
        ).analyze(RESUME, JOB_DESCRIPTION)
        session_id, resume_id = uuid.uuid4(), uuid.uuid4()
        questions = await write_questions(
            context, tools, session_id, resume_id, build_prompt(RESUME, JOB_DESCRIPTION, analysis), analysis
        )
        units = split_units(TRANSCRIPT)
        reading = await read_answer(
            context,
            tools,
            "Tell me about a time you made a system faster.",
            TRANSCRIPT,
            units,
            uuid.uuid4(),
            session_id,
        )
        jobs = [request.body for request in server.requests[len(warm_ups) :]]

    assert questions == QUESTIONS
    assert reading is not None
    assert model_labels(reading, units) is None
    assert len(jobs) == len(job_replies)
    # Each warm-up answers one token; the agents' own calls are capped too, in the field a llama.cpp
    # server reads (it ignores `max_completion_tokens`).
    assert [body["max_tokens"] for body in warm_ups] == [1] * len(OPENINGS)
    agent_calls = [body for body in jobs if "tools" in body]
    assert len(agent_calls) == 2
    assert all(body["max_tokens"] == MAX_COMPLETION_TOKENS for body in agent_calls)
    # Every kind of request a practice makes was warmed, and the warm-up sends nothing else.
    assert {opening(body) for body in jobs} == {opening(body) for body in warm_ups}
    assert len({opening(body) for body in warm_ups}) == len(OPENINGS)


async def test_a_cloud_provider_gets_no_warm_up_but_the_embedding_model_loads(context_at: ContextAt) -> None:
    with ScriptedServer([chat_completion("x")]) as server:
        context = await context_at(server.url, LLM_PROVIDER="openai")
        assert await warm_up_beside_jobs(context) == 0
        assert server.requests == []
    assert get_embedding_service(context.settings).loaded


async def test_a_model_server_that_never_answers_is_not_waited_for_forever(
    context_at: ContextAt, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(warm_up_module, "SERVER_WAIT_SECONDS", 1.5)
    # Nothing listens on the discard port.
    silent = await context_at("http://127.0.0.1:9")
    assert await warm_up_beside_jobs(silent) == 0


async def test_the_warm_up_gives_way_to_the_first_job(context_at: ContextAt) -> None:
    with ScriptedServer([chat_completion("x")]) as server:
        context = await context_at(server.url)
        jobs_loop = asyncio.get_running_loop()
        steps_run = 0

        def run(step: Step) -> bool:
            # A job comes once the embedding model and two openings are done.
            nonlocal steps_run
            if steps_run == 3:
                return False
            asyncio.run_coroutine_threadsafe(step(context), jobs_loop).result()
            steps_run += 1
            return True

        assert await asyncio.to_thread(warm_up, context.settings, run) == 2
        assert len(server.requests) == 2


def test_the_worker_runs_warm_up_steps_only_before_its_first_job(settings: Settings) -> None:
    runtime = WorkerRuntime()
    ran: list[str] = []

    async def step(context: Resources) -> None:
        ran.append("step")

    async def job(context: Resources) -> str:
        ran.append("job")
        return "done"

    try:
        assert runtime.run_before_first_job(step)
        assert runtime.run(job) == "done"
        assert not runtime.run_before_first_job(step)
    finally:
        runtime.close()
    assert ran == ["step", "job"]


def test_a_worker_told_to_stop_cancels_the_warm_up_step_it_is_in(settings: Settings) -> None:
    runtime = WorkerRuntime()
    started = threading.Event()
    outcome: list[bool] = []
    ran: list[str] = []

    async def endless(context: Resources) -> None:
        started.set()
        await asyncio.Event().wait()
        ran.append("finished")

    async def later(context: Resources) -> None:
        ran.append("later")

    warming = threading.Thread(target=lambda: outcome.append(runtime.run_before_first_job(endless)))
    warming.start()
    try:
        assert started.wait(timeout=120)
        runtime.stop_background()
        warming.join(timeout=120)
        assert not warming.is_alive()
        assert outcome == [False]
        assert not runtime.run_before_first_job(later)
    finally:
        runtime.close()
    assert ran == []


def test_a_job_stopped_from_outside_does_not_resume_inside_the_next_one(settings: Settings) -> None:
    runtime = WorkerRuntime()
    gate: asyncio.Event | None = None
    resumed: list[str] = []

    async def interrupted(context: Resources) -> None:
        nonlocal gate
        gate = asyncio.Event()
        # Celery's soft time limit: a signal whose handler raises in the worker's main thread.
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        await gate.wait()
        resumed.append("the interrupted job went on")

    async def next_job(context: Resources) -> str:
        if gate is not None:
            gate.set()
        for _ in range(3):
            await asyncio.sleep(0)
        return "done"

    def time_limit(signum: int, frame: object) -> None:
        raise SoftTimeLimitExceeded()

    previous = signal.signal(signal.SIGALRM, time_limit)
    try:
        with pytest.raises(SoftTimeLimitExceeded):
            runtime.run(interrupted)
        assert runtime.run(next_job) == "done"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        runtime.close()
    assert resumed == []
