"""`LocalLLMProvider` against a real llama.cpp server (small Qwen model) and scripted failures."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field, field_validator

from app.services.llm import LLMOutputError, LLMRequestError, LLMUnavailableError, LocalLLMProvider
from app.services.llm._retry import RetryPolicy
from tests.ai.scripted_server import Reply, ScriptedServer, chat_completion, error_reply

MODEL = "qwen2.5-coder-0.5b"


class Assessment(BaseModel):
    topic: str = Field(min_length=1)
    score: int = Field(ge=1, le=10)
    strengths: list[str] = Field(min_length=2, max_length=3)


class Word(BaseModel):
    word: str = Field(min_length=1, max_length=40)


def _provider(base_url: str, policy: RetryPolicy, *, timeout: float = 250.0) -> LocalLLMProvider:
    # Generous: two cores shared with other work can slow the real server a lot; a timeout here
    # would only turn a slow pass into a failure.
    return LocalLLMProvider(
        base_url, MODEL, timeout_seconds=timeout, retry_policy=policy, structured_max_tokens=300
    )


# ---------------------------------------------------------------- against llama.cpp


async def test_generates_text(llama_server_url: str, fast_retries: RetryPolicy) -> None:
    answer = await _provider(llama_server_url, fast_retries).generate_response(
        "What is the capital of France? Answer with the city name only.",
        system_prompt="You are a terse assistant.",
        temperature=0.0,
        max_tokens=16,
    )

    assert "paris" in answer.lower()


async def test_structured_response_is_a_validated_instance(
    llama_server_url: str, fast_retries: RetryPolicy
) -> None:
    result = await _provider(llama_server_url, fast_retries).generate_structured_response(
        "Assess this interview answer: 'I led the migration of our billing service to Kubernetes, "
        "which cut deployment time from an hour to five minutes.' Give the topic, a score from 1 to "
        "10 and two strengths.",
        Assessment,
        system_prompt="You are an interview coach.",
        temperature=0.0,
    )

    assert isinstance(result, Assessment)
    assert 1 <= result.score <= 10
    assert 2 <= len(result.strengths) <= 3


async def test_structured_answer_that_fails_validation_is_asked_again(
    llama_server_url: str, fast_retries: RetryPolicy
) -> None:
    seen: list[str] = []

    class Checked(BaseModel):
        word: str

        # Stands for any rule a grammar cannot express: the first answer breaks it.
        @field_validator("word")
        @classmethod
        def _reject_first_answer(cls, value: str) -> str:
            seen.append(value)
            if len(seen) == 1:
                raise ValueError("the reviewer wants a different word")
            return value

    result = await _provider(llama_server_url, fast_retries).generate_structured_response(
        "Name one programming language.", Checked, temperature=0.0
    )

    assert len(seen) == 2
    assert result.word == seen[1]


# ---------------------------------------------------------------- scripted failures


async def test_rate_limit_is_retried_after_the_servers_retry_after(fast_retries: RetryPolicy) -> None:
    script = [error_reply(429, "slow down", headers={"Retry-After": "0.5"}), chat_completion("pong")]
    with ScriptedServer(script) as server:
        answer = await _provider(f"{server.url}/v1", fast_retries).generate_response("ping")

    assert answer == "pong"
    assert len(server.requests) == 2
    assert server.requests[0].path == "/v1/chat/completions"
    waited = server.requests[1].received_at - server.requests[0].received_at
    assert waited >= 0.5  # honoured instead of the policy's 0.1s backoff


async def test_backoff_doubles_between_attempts(fast_retries: RetryPolicy) -> None:
    script = [error_reply(503, "loading"), error_reply(503, "loading"), chat_completion("ready")]
    with ScriptedServer(script) as server:
        answer = await _provider(f"{server.url}/v1", fast_retries).generate_response("ping")

    assert answer == "ready"
    first, second, third = (request.received_at for request in server.requests)
    # Jittered to 75-100% of 0.1s, then of 0.2s: the ranges do not overlap.
    assert 0.075 <= second - first < 0.15
    assert 0.15 <= third - second < 0.3


async def test_persistent_rate_limit_raises_a_transient_error(fast_retries: RetryPolicy) -> None:
    with (
        ScriptedServer([error_reply(429, "slow down")]) as server,
        pytest.raises(LLMUnavailableError) as raised,
    ):
        await _provider(f"{server.url}/v1", fast_retries).generate_response("ping")

    assert len(server.requests) == 3
    assert raised.value.attempts == 3
    assert raised.value.status_code == 429
    assert raised.value.transient


async def test_long_retry_after_is_handed_to_the_caller(fast_retries: RetryPolicy) -> None:
    with (
        ScriptedServer([error_reply(429, "quota", headers={"Retry-After": "120"})]) as server,
        pytest.raises(LLMUnavailableError) as raised,
    ):
        await _provider(f"{server.url}/v1", fast_retries).generate_response("ping")

    assert len(server.requests) == 1
    assert raised.value.retry_after == 120


async def test_timeout_is_retried(fast_retries: RetryPolicy) -> None:
    # The first answer would come after a minute: only a client that gave up on it at its timeout
    # gets the second one without the first having been sent.
    with ScriptedServer([Reply(delay=60), chat_completion("late but here")]) as server:
        answer = await _provider(f"{server.url}/v1", fast_retries, timeout=0.5).generate_response("ping")

    assert answer == "late but here"
    assert len(server.requests) == 2
    assert server.late_replies == 0, "the client waited for the slow answer instead of timing out"


async def test_hanging_server_raises_a_transient_error(fast_retries: RetryPolicy) -> None:
    with (
        ScriptedServer([Reply(delay=10)]) as server,
        pytest.raises(LLMUnavailableError, match=r"no answer within 0\.3s"),
    ):
        await _provider(f"{server.url}/v1", fast_retries, timeout=0.3).generate_response("ping")

    assert len(server.requests) == 3


async def test_unreachable_server_raises_a_transient_error(fast_retries: RetryPolicy) -> None:
    with ScriptedServer([chat_completion("unused")]) as server:
        closed_url = f"{server.url}/v1"
    # The port was just released: nothing listens there any more.
    with pytest.raises(LLMUnavailableError, match="connection failed"):
        await _provider(closed_url, fast_retries).generate_response("ping")


async def test_rejected_request_is_not_retried(fast_retries: RetryPolicy) -> None:
    with (
        ScriptedServer([error_reply(400, "max_tokens too large")]) as server,
        pytest.raises(LLMRequestError, match="max_tokens too large") as raised,
    ):
        await _provider(f"{server.url}/v1", fast_retries).generate_response("ping")

    assert len(server.requests) == 1
    assert raised.value.status_code == 400
    assert not raised.value.transient


async def test_sends_an_openai_compatible_request(fast_retries: RetryPolicy) -> None:
    with ScriptedServer([chat_completion("fine")]) as server:
        await _provider(f"{server.url}/v1/", fast_retries).generate_response(
            "How was it?", system_prompt="Be kind.", temperature=0.3, max_tokens=42
        )

    (request,) = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.body == {
        "model": MODEL,
        "messages": [{"role": "system", "content": "Be kind."}, {"role": "user", "content": "How was it?"}],
        "temperature": 0.3,
        "max_tokens": 42,
    }


async def test_structured_request_carries_the_schema_and_retries_invalid_json(
    fast_retries: RetryPolicy,
) -> None:
    script = [
        chat_completion('{"word": '),
        chat_completion('{"word": ""}'),
        chat_completion('{"word": "Rust"}'),
    ]
    with ScriptedServer(script) as server:
        result = await _provider(f"{server.url}/v1", fast_retries).generate_structured_response(
            "Name a language.", Word, temperature=0.0
        )

    assert result == Word(word="Rust")
    assert len(server.requests) == 3
    first, second, third = (request.body for request in server.requests)
    assert first["response_format"] == {"type": "json_object", "schema": Word.model_json_schema()}
    assert '"word"' in first["messages"][0]["content"]  # the schema is in the prompt too
    assert "Invalid JSON" in second["messages"][-1]["content"]
    assert "word: String should have at least 1 character" in third["messages"][-1]["content"]


async def test_control_characters_in_a_structured_answer_are_dropped(fast_retries: RetryPolicy) -> None:
    # Valid JSON that PostgreSQL would refuse to store (NUL), seen from the small model.
    with ScriptedServer([chat_completion('{"word": "Ru\\u0000st\\u0007"}')]) as server:
        result = await _provider(f"{server.url}/v1", fast_retries).generate_structured_response(
            "Name one.", Word
        )
    assert result == Word(word="Rust")


async def test_structured_output_that_never_validates_raises_an_output_error(
    fast_retries: RetryPolicy,
) -> None:
    with (
        ScriptedServer([chat_completion('{"name": "Rust"}')]) as server,
        pytest.raises(LLMOutputError) as raised,
    ):
        await _provider(f"{server.url}/v1", fast_retries).generate_structured_response("Name one.", Word)

    assert len(server.requests) == 3
    assert raised.value.attempts == 3
    assert raised.value.raw_output == '{"name": "Rust"}'
    assert not raised.value.transient


async def test_structured_answer_cut_off_by_the_token_limit_is_retried(fast_retries: RetryPolicy) -> None:
    script = [chat_completion('{"word": "Ru', finish_reason="length"), chat_completion('{"word": "Go"}')]
    with ScriptedServer(script) as server:
        result = await _provider(f"{server.url}/v1", fast_retries).generate_structured_response(
            "Name one.", Word
        )

    assert result.word == "Go"
    assert "cut off at 300 tokens" in server.requests[1].body["messages"][-1]["content"]


async def test_body_that_is_not_a_chat_completion_raises_an_output_error(fast_retries: RetryPolicy) -> None:
    with (
        ScriptedServer([Reply(body={"detail": "this is some other API"})]) as server,
        pytest.raises(LLMOutputError, match="did not answer with a chat completion"),
    ):
        await _provider(f"{server.url}/v1", fast_retries).generate_response("ping")
