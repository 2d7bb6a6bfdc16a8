"""`OpenAIProvider` through the official client, against a local OpenAI-compatible server.

The cloud endpoint cannot be reached from here; the scripted server answers in its wire format.
"""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field, SecretStr

from app.core.config import Settings
from app.services.llm import (
    LLMConfigurationError,
    LLMOutputError,
    LLMRequestError,
    LLMUnavailableError,
    LocalLLMProvider,
    OpenAIProvider,
    get_llm_provider,
)
from app.services.llm._retry import RetryPolicy
from tests.ai.scripted_server import Reply, ScriptedServer, chat_completion, error_reply

API_KEY = "sk-test-not-a-real-key"


class Verdict(BaseModel):
    verdict: str
    score: float = Field(ge=0, le=10)


def _provider(base_url: str, policy: RetryPolicy, *, timeout: float = 30.0) -> OpenAIProvider:
    return OpenAIProvider(API_KEY, base_url=f"{base_url}/v1", timeout_seconds=timeout, retry_policy=policy)


def _settings(**overrides: object) -> Settings:
    return Settings.model_validate({"NEXTAUTH_SECRET": "n" * 48, **overrides})


async def test_generates_text_with_the_official_client(fast_retries: RetryPolicy) -> None:
    with ScriptedServer([chat_completion("Use the STAR method.")]) as server:
        answer = await _provider(server.url, fast_retries).generate_response(
            "How do I answer behavioural questions?", system_prompt="You are a coach.", max_tokens=50
        )

    assert answer == "Use the STAR method."
    (request,) = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.body["model"] == "gpt-4o"
    assert request.body["messages"] == [
        {"role": "system", "content": "You are a coach."},
        {"role": "user", "content": "How do I answer behavioural questions?"},
    ]
    assert request.body["max_completion_tokens"] == 50


async def test_structured_response_uses_a_strict_json_schema(fast_retries: RetryPolicy) -> None:
    with ScriptedServer([chat_completion('{"verdict": "solid", "score": 7.5}')]) as server:
        result = await _provider(server.url, fast_retries).generate_structured_response(
            "Judge this answer.", Verdict, temperature=0.2
        )

    assert result == Verdict(verdict="solid", score=7.5)
    response_format = server.requests[0].body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "Verdict"
    assert response_format["json_schema"]["strict"] is True


async def test_control_characters_in_a_structured_answer_are_dropped(fast_retries: RetryPolicy) -> None:
    # Valid JSON, and a strict schema allows it, but PostgreSQL refuses NUL in text and JSONB.
    with ScriptedServer([chat_completion('{"verdict": "so\\u0000lid\\u0007", "score": 7.5}')]) as server:
        result = await _provider(server.url, fast_retries).generate_structured_response(
            "Judge this.", Verdict
        )

    assert result == Verdict(verdict="solid", score=7.5)


async def test_structured_answer_that_fails_validation_is_asked_again(fast_retries: RetryPolicy) -> None:
    script = [
        chat_completion('{"verdict": "great", "score": 42}'),
        chat_completion('{"verdict": "great", "score": 9}'),
    ]
    with ScriptedServer(script) as server:
        result = await _provider(server.url, fast_retries).generate_structured_response("Judge it.", Verdict)

    assert result.score == 9
    correction = server.requests[1].body["messages"][-1]
    assert correction["role"] == "user"
    assert "score: Input should be less than or equal to 10" in correction["content"]


async def test_structured_output_that_never_validates_raises_an_output_error(
    fast_retries: RetryPolicy,
) -> None:
    with (
        ScriptedServer([chat_completion("not json at all")]) as server,
        pytest.raises(LLMOutputError) as raised,
    ):
        await _provider(server.url, fast_retries).generate_structured_response("Judge it.", Verdict)

    assert raised.value.attempts == 3
    assert len(server.requests) == 3


async def test_refusal_counts_as_an_invalid_answer(fast_retries: RetryPolicy) -> None:
    refusal = chat_completion(None)
    refusal.body["choices"][0]["message"]["refusal"] = "I can't help with that."
    with ScriptedServer([refusal, chat_completion('{"verdict": "ok", "score": 5}')]) as server:
        result = await _provider(server.url, fast_retries).generate_structured_response("Judge it.", Verdict)

    assert result.verdict == "ok"
    assert "refused" in server.requests[1].body["messages"][-1]["content"]


async def test_rate_limit_honours_retry_after(fast_retries: RetryPolicy) -> None:
    script = [error_reply(429, "Rate limit reached", headers={"retry-after": "0.4"}), chat_completion("ok")]
    with ScriptedServer(script) as server:
        answer = await _provider(server.url, fast_retries).generate_response("ping")

    assert answer == "ok"
    assert len(server.requests) == 2
    assert server.requests[1].received_at - server.requests[0].received_at >= 0.4


async def test_server_errors_exhaust_three_attempts(fast_retries: RetryPolicy) -> None:
    with (
        ScriptedServer([error_reply(500, "The server had an error")]) as server,
        pytest.raises(LLMUnavailableError) as raised,
    ):
        await _provider(server.url, fast_retries).generate_response("ping")

    assert len(server.requests) == 3
    assert raised.value.status_code == 500
    assert raised.value.attempts == 3


async def test_timeout_is_retried(fast_retries: RetryPolicy) -> None:
    # The first answer would come after a minute: only a client that gave up on it at its timeout
    # gets the second one without the first having been sent.
    with ScriptedServer([Reply(delay=60), chat_completion("here")]) as server:
        answer = await _provider(server.url, fast_retries, timeout=0.5).generate_response("ping")

    assert answer == "here"
    assert len(server.requests) == 2
    assert server.late_replies == 0, "the client waited for the slow answer instead of timing out"


async def test_authentication_failure_is_permanent(fast_retries: RetryPolicy) -> None:
    with (
        ScriptedServer([error_reply(401, "Incorrect API key provided")]) as server,
        pytest.raises(LLMRequestError, match="Incorrect API key") as raised,
    ):
        await _provider(server.url, fast_retries).generate_response("ping")

    assert raised.value.status_code == 401
    assert len(server.requests) == 1


def test_provider_follows_llm_provider_setting() -> None:
    local = get_llm_provider(_settings(LLM_PROVIDER="local", LOCAL_LLM_API_BASE="http://127.0.0.1:8080/v1/"))
    cloud = get_llm_provider(_settings(LLM_PROVIDER="openai", OPENAI_API_KEY=SecretStr(API_KEY)))

    assert isinstance(local, LocalLLMProvider)
    assert local.api_base == "http://127.0.0.1:8080/v1"
    assert isinstance(cloud, OpenAIProvider)
    assert cloud.model_name == "gpt-4o"


def test_openai_provider_without_a_key_is_a_configuration_error() -> None:
    with pytest.raises(LLMConfigurationError, match="OPENAI_API_KEY"):
        get_llm_provider(_settings(LLM_PROVIDER="openai", OPENAI_API_KEY=None))


def test_provider_is_chosen_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEXTAUTH_SECRET", "e" * 48)
    monkeypatch.setenv("LLM_PROVIDER", "openai")
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    monkeypatch.setenv("OPENAI_MODEL_NAME", "gpt-4o-mini")

    provider = get_llm_provider(Settings())

    assert isinstance(provider, OpenAIProvider)
    assert provider.model_name == "gpt-4o-mini"
