"""The LangChain ReAct agent and its five mandatory tools (the spec's AI_LAYER_SPECIFICATION).

LangChain is used only for orchestration (`create_agent`) and tool definitions. The tools are
bound to one user's request and read through `services.ownership`: ids outside that user's data
read as missing, so a transcript that tries to talk the model into fetching someone else's resume
gets nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import openai
from langchain.agents import create_agent
from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse
from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import BaseTool, StructuredTool
from langchain_openai import ChatOpenAI
from langgraph.errors import GraphRecursionError
from pydantic import BaseModel, Field, SecretStr, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.services.coaching import delivery_metrics
from app.services.embedding import EmbeddingService
from app.services.knowledge_base import store as knowledge_base
from app.services.llm import LLMUnavailableError
from app.services.llm.local import WARM_UP_PROMPT
from app.services.ownership import NotFoundError, owned_recording, owned_resume, owned_session

logger = logging.getLogger(__name__)

NOT_FOUND = "(not found)"
# What the agent reads of a knowledge-base passage: its sentences closest to the query, since a whole
# chunk costs seconds of reading and is mostly about something else (docs/embedded-stack.md#why-these-limits).
AGENT_PASSAGE_CHARS = 800
# Room for a full judgement; without a cap a small model that rambles holds the CPU for minutes.
MAX_COMPLETION_TOKENS = 900

ModelT = TypeVar("ModelT", bound=BaseModel)
RowT = TypeVar("RowT")
OwnedLookup = Callable[[AsyncSession, uuid.UUID, uuid.UUID], Awaitable[RowT]]


@dataclass(slots=True)
class AgentTools:
    """The spec's five tools, with their exact names and signatures, scoped to one user."""

    session_factory: async_sessionmaker[AsyncSession]
    embeddings: EmbeddingService
    user_id: uuid.UUID
    # The measured duration of the answer under analysis: WPM uses it instead of words / 2.5.
    audio_duration_seconds: float | None = None
    calls: list[str] = field(default_factory=list)
    # Knowledge-base passages returned so far: each is a 512-token chunk the model then reads.
    passages_read: int = 0

    async def _owned(self, lookup: OwnedLookup[RowT], row_id: str) -> RowT | None:
        """The user's row with the id the model gave; None for a malformed, unknown or foreign id."""
        parsed = _uuid(row_id)
        if parsed is None:
            return None
        async with self.session_factory() as db:
            try:
                return await lookup(db, self.user_id, parsed)
            except NotFoundError:
                return None

    async def get_resume_text(self, resume_id: str) -> str:
        """Returns the parsed_text from the resumes table."""
        self.calls.append("get_resume_text")
        resume = await self._owned(owned_resume, resume_id)
        return (resume.parsed_text if resume is not None else None) or NOT_FOUND

    async def get_job_description_text(self, session_id: str) -> str:
        """Returns the job_description from the interview_sessions table."""
        self.calls.append("get_job_description_text")
        session = await self._owned(owned_session, session_id)
        return (session.job_description if session is not None else None) or NOT_FOUND

    async def get_transcript(self, recording_id: str) -> str:
        """Returns the transcript from the recordings table."""
        self.calls.append("get_transcript")
        recording = await self._owned(owned_recording, recording_id)
        return (recording.transcript if recording is not None else None) or NOT_FOUND

    async def rag_knowledge_search(self, query: str, top_k: int = 3) -> list[str]:
        """Cosine similarity search on knowledge_base_chunks; [] when the knowledge base is empty."""
        self.calls.append("rag_knowledge_search")
        async with self.session_factory() as db:
            passages = await knowledge_base.search(db, self.embeddings, query, max(0, min(top_k, 10)))
        self.passages_read += len(passages)
        return passages

    async def rag_knowledge_search_for_agent(self, query: str, top_k: int = 3) -> list[str]:
        """`rag_knowledge_search` as the agent calls it: each passage cut to what bears on the query."""
        passages = await self.rag_knowledge_search(query, top_k)
        return await knowledge_base.focused_excerpts(self.embeddings, query, passages, AGENT_PASSAGE_CHARS)

    async def analyze_delivery_metrics(self, transcript: str) -> dict[str, int | float]:
        """filler_word_count, words_per_minute and pace_rating by the spec's formulas."""
        self.calls.append("analyze_delivery_metrics")
        metrics = delivery_metrics.analyze(transcript, self.audio_duration_seconds)
        return {
            "filler_word_count": metrics.filler_word_count,
            "words_per_minute": round(metrics.words_per_minute, 2),
            "pace_rating": round(metrics.pace_rating, 2),
        }

    def as_langchain_tools(self) -> list[BaseTool]:
        specs: tuple[tuple[str, Callable[..., Awaitable[Any]], str], ...] = (
            ("get_resume_text", self.get_resume_text, "Return the candidate's resume text for a resume id."),
            (
                "get_job_description_text",
                self.get_job_description_text,
                "Return the job description of an interview session id.",
            ),
            (
                "get_transcript",
                self.get_transcript,
                "Return the transcript of a recorded answer for a recording id.",
            ),
            (
                "rag_knowledge_search",
                self.rag_knowledge_search_for_agent,
                "Search the coaching knowledge base (STAR method, resumes, behavioural questions, "
                "communication, system design) and return the top_k most relevant passages.",
            ),
            (
                "analyze_delivery_metrics",
                self.analyze_delivery_metrics,
                "Measure a transcript's delivery: filler_word_count, words_per_minute, pace_rating (0-10).",
            ),
        )
        return [
            StructuredTool.from_function(
                coroutine=function,
                name=name,
                description=description,
                args_schema=AGENT_FACING_ARGUMENTS.get(name),
            )
            for name, function, description in specs
        ]


class KnowledgeSearchArguments(BaseModel):
    """`rag_knowledge_search`'s arguments as the agent states them. The function keeps the spec's
    default (top_k 3), but an agent that leaves top_k out gets three passages to read where it needs
    one, some 10 s more on two cores: here it always says how many it wants."""

    query: str = Field(description="what to look for")
    # No bounds here: a weak model's top_k 0 would fail the call and the agent go on without a search;
    # the function clamps it instead.
    top_k: int = Field(description="how many passages to return")


AGENT_FACING_ARGUMENTS: dict[str, type[BaseModel]] = {"rag_knowledge_search": KnowledgeSearchArguments}


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        return None


def chat_model(
    settings: Settings, *, temperature: float, max_tokens: int = MAX_COMPLETION_TOKENS
) -> ChatOpenAI:
    """The agent's chat model: the configured provider through its OpenAI-compatible API."""
    if settings.LLM_PROVIDER == "openai":
        api_key = settings.OPENAI_API_KEY or SecretStr("")
        return ChatOpenAI(
            model_name=settings.OPENAI_MODEL_NAME,
            openai_api_key=api_key,
            temperature=temperature,
            request_timeout=settings.LLM_REQUEST_TIMEOUT_SECONDS,
            max_tokens=max_tokens,
            max_retries=2,
        )
    return ChatOpenAI(
        model_name=settings.LOCAL_LLM_MODEL_NAME,
        openai_api_base=settings.LOCAL_LLM_API_BASE,
        # Local servers ignore the key, but the client insists on one.
        openai_api_key=SecretStr("local"),
        temperature=temperature,
        request_timeout=settings.LLM_REQUEST_TIMEOUT_SECONDS,
        max_tokens=max_tokens,
        # The client sends the cap as `max_completion_tokens`, which llama.cpp's and Ollama's
        # OpenAI-compatible servers ignore: without `max_tokens` too, nothing would stop a model
        # that rambles until its context is full.
        extra_body={"max_tokens": max_tokens},
        max_retries=2,
    )


# What a run that does not end in a valid answer raises; any of them sends the caller to its
# fallback. An unreachable model is raised as LLMUnavailableError instead, which the task retries.
AGENT_FAILURES: tuple[type[Exception], ...] = (
    GraphRecursionError,
    TimeoutError,
    ValidationError,
    OutputParserException,
    openai.APIError,
    ValueError,
    KeyError,
)
SUBMIT_TOOL = "submit_answer"
# The chat model's own try and its client's retries (max_retries=2).
MODEL_ATTEMPTS = 3
AGENT_TEMPERATURE = 0.2


class ForcedToolSequence(AgentMiddleware):
    """Names the tool each model call must use: first the ones in `plan` not yet called, then submit.

    Small local models served by llama.cpp call tools only when a specific one is forced (its server
    ignores `tool_choice="required"`); forcing the order keeps the ReAct loop while the model still
    chooses every argument, and the final judgement is made after it has read the tools' results.
    """

    def __init__(self, plan: Sequence[str], closing_note: str | None = None) -> None:
        super().__init__()
        self._plan = list(plan)
        self._closing_note = closing_note

    async def awrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], Awaitable[ModelResponse[Any]]],
    ) -> ModelResponse[Any] | AIMessage:
        called = {message.name for message in request.messages if isinstance(message, ToolMessage)}
        upcoming = next((name for name in self._plan if name not in called), SUBMIT_TOOL)
        messages = [_with_text(message) for message in request.messages]
        if upcoming == SUBMIT_TOOL and self._closing_note:
            # Said last, right before the answer: a small model answers about what it read most
            # recently, which after a knowledge-base search is the guides' example answers.
            messages.append(HumanMessage(self._closing_note))
        forced = request.override(
            messages=messages, tool_choice={"type": "function", "function": {"name": upcoming}}
        )
        return await handler(forced)


def _with_text(message: AnyMessage) -> AnyMessage:
    """llama.cpp's server rejects an assistant turn whose content is null, which is how the OpenAI
    client sends a turn made only of tool calls; a line naming the calls keeps the turn valid."""
    if isinstance(message, AIMessage) and message.tool_calls and not message.content:
        names = ", ".join(call["name"] for call in message.tool_calls)
        return message.model_copy(update={"content": f"Calling {names}."})
    return message


def submit_tool(response_model: type[ModelT]) -> BaseTool:
    """The tool whose call is the agent's final answer: its arguments are validated by Pydantic."""

    async def submit(**answer: Any) -> str:
        return response_model.model_validate(answer).model_dump_json()

    return StructuredTool.from_function(
        coroutine=submit,
        name=SUBMIT_TOOL,
        description=f"Submit your final answer ({response_model.__name__}). Call it exactly once, last.",
        args_schema=response_model,
        return_direct=True,
    )


@dataclass(frozen=True, slots=True)
class PriorToolCall:
    """A tool call whose arguments the application already knows, made before the model's first turn
    and shown to it as its own earlier step."""

    call_id: str
    name: str
    arguments: dict[str, Any]


async def opening_messages(
    request: str, prior_calls: Sequence[PriorToolCall], tools: Sequence[BaseTool]
) -> list[AnyMessage]:
    messages: list[AnyMessage] = [HumanMessage(request)]
    if not prior_calls:
        return messages
    by_name = {tool.name: tool for tool in tools}
    messages.append(
        AIMessage(
            content="Calling " + ", ".join(call.name for call in prior_calls) + ".",
            tool_calls=[
                {"name": call.name, "args": call.arguments, "id": call.call_id, "type": "tool_call"}
                for call in prior_calls
            ],
        )
    )
    for call in prior_calls:
        output = await by_name[call.name].ainvoke(call.arguments)
        content = output if isinstance(output, str) else json.dumps(output)
        messages.append(ToolMessage(content=content, tool_call_id=call.call_id, name=call.name))
    return messages


async def run_structured_agent(
    settings: Settings,
    tools: AgentTools,
    *,
    system_prompt: str,
    request: str,
    response_model: type[ModelT],
    plan: Sequence[str],
    max_steps: int,
    timeout_seconds: float,
    prior_calls: Sequence[PriorToolCall] = (),
    closing_note: str | None = None,
) -> ModelT | None:
    """Run the ReAct agent until it submits a valid `response_model`; None when it does not, within
    `max_steps` graph steps and `timeout_seconds`. `closing_note` is said to the model right before
    it submits."""
    agent_tools = tools.as_langchain_tools()
    agent: Any = create_agent(
        model=chat_model(settings, temperature=AGENT_TEMPERATURE),
        tools=[*agent_tools, submit_tool(response_model)],
        system_prompt=system_prompt,
        middleware=[ForcedToolSequence(plan, closing_note)],
    )
    messages = await opening_messages(request, prior_calls, agent_tools)
    try:
        state = await asyncio.wait_for(
            agent.ainvoke({"messages": messages}, {"recursion_limit": max_steps}),
            timeout=timeout_seconds,
        )
    except openai.APIConnectionError as exc:
        # An unreachable model is an outage the task should retry, not an answer to do without.
        raise LLMUnavailableError(
            f"the language model is unreachable ({type(exc).__name__})", attempts=MODEL_ATTEMPTS
        ) from exc
    except AGENT_FAILURES as exc:
        # The type only: the message can quote the model's output, which quotes the candidate.
        logger.info("agent gave no answer (%s)", type(exc).__name__)
        return None
    submissions = [
        message
        for message in (state.get("messages", []) if isinstance(state, dict) else [])
        if isinstance(message, ToolMessage) and message.name == SUBMIT_TOOL
    ]
    for message in reversed(submissions):
        if message.status != "error":
            try:
                return response_model.model_validate_json(str(message.content))
            except ValidationError:
                break
    # Said without the answer's text: a rejected answer quotes the candidate, and logs never do.
    if submissions:
        logger.info("agent gave no valid answer (%d submission(s), none valid)", len(submissions))
    else:
        logger.info("agent gave no answer (it never submitted)")
    return None


async def read_agent_opening(
    settings: Settings, tools: AgentTools, *, system_prompt: str, response_model: type[BaseModel]
) -> None:
    """Have the model read the system turn `run_structured_agent` opens with (its system prompt and
    every tool's schema), answering one token: a server that keeps what it read of opening turns
    (the embedded stack's) then starts the agent's first call past them."""
    model = chat_model(settings, temperature=AGENT_TEMPERATURE, max_tokens=1).bind_tools(
        [*tools.as_langchain_tools(), submit_tool(response_model)],
        tool_choice={"type": "function", "function": {"name": SUBMIT_TOOL}},
    )
    await model.ainvoke([SystemMessage(system_prompt), HumanMessage(WARM_UP_PROMPT)])
