"""`LocalLLMProvider`: a self-hosted model behind an OpenAI-compatible HTTP API.

Speaks plain `POST {api_base}/chat/completions`, which llama.cpp's servers (`llama-server` and
`python -m llama_cpp.server`), Ollama and vLLM all accept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
from pydantic import BaseModel, Field, ValidationError

from app.services.llm._retry import (
    RetryableError,
    RetryPolicy,
    call_with_retries,
    is_retryable_status,
    parse_retry_after,
)
from app.services.llm._structured import (
    ChatMessage,
    InvalidOutputError,
    build_messages,
    generate_validated,
    schema_instruction,
    validate_output,
)
from app.services.llm.base import LLMProvider, ModelT
from app.services.llm.errors import LLMOutputError, LLMRequestError

if TYPE_CHECKING:
    from app.core.config import Settings

# Enough for the largest schema the app asks for (a FeedbackReport) with room to spare; the
# interface gives structured calls no max_tokens of their own.
DEFAULT_STRUCTURED_MAX_TOKENS = 1200
_ERROR_BODY_CHARS = 300
# What a warm-up request asks after the system turn it exists for.
WARM_UP_PROMPT = "Ready?"


def structured_system_prompt(response_model: type[BaseModel], system_prompt: str | None) -> str:
    # The grammar constrains the tokens but the model never sees it, so the schema also goes into
    # the prompt; servers that ignore `schema` (Ollama) still get JSON mode and guidance.
    instruction = schema_instruction(response_model)
    return f"{system_prompt}\n\n{instruction}" if system_prompt else instruction


class _Message(BaseModel):
    content: str | None = None


class _Choice(BaseModel):
    message: _Message
    finish_reason: str | None = None


class _ChatCompletion(BaseModel):
    choices: list[_Choice] = Field(min_length=1)


class LocalLLMProvider(LLMProvider):
    """The default provider: a local inference server, so no user data leaves the machine."""

    def __init__(
        self,
        api_base: str,
        model_name: str,
        *,
        timeout_seconds: float = 300.0,
        retry_policy: RetryPolicy | None = None,
        structured_max_tokens: int = DEFAULT_STRUCTURED_MAX_TOKENS,
    ) -> None:
        if timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")
        self.api_base = api_base.rstrip("/")
        self.model_name = model_name
        self.timeout_seconds = timeout_seconds
        self.retry_policy = retry_policy or RetryPolicy()
        self.structured_max_tokens = structured_max_tokens
        self._service = f"local LLM at {self.api_base}"

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalLLMProvider:
        return cls(
            settings.LOCAL_LLM_API_BASE,
            settings.LOCAL_LLM_MODEL_NAME,
            timeout_seconds=settings.LLM_REQUEST_TIMEOUT_SECONDS,
        )

    async def generate_response(
        self,
        prompt: str,
        system_prompt: str | None = None,
        temperature: float = 0.7,
        max_tokens: int = 2000,
    ) -> str:
        choice = await self._complete(
            build_messages(prompt, system_prompt), temperature=temperature, max_tokens=max_tokens
        )
        if choice.message.content is None:
            raise LLMOutputError(f"{self._service} returned no text", attempts=1)
        return choice.message.content

    async def generate_structured_response(
        self,
        prompt: str,
        response_model: type[ModelT],
        system_prompt: str | None = None,
        temperature: float = 0.7,
    ) -> ModelT:
        system = structured_system_prompt(response_model, system_prompt)
        # llama.cpp turns `schema` into a grammar; its "json_schema" type answers HTTP 500.
        response_format = {"type": "json_object", "schema": response_model.model_json_schema()}

        async def attempt(conversation: list[ChatMessage]) -> ModelT:
            choice = await self._complete(
                conversation,
                temperature=temperature,
                max_tokens=self.structured_max_tokens,
                response_format=response_format,
            )
            if choice.finish_reason == "length":
                raise InvalidOutputError(
                    f"the answer was cut off at {self.structured_max_tokens} tokens",
                    choice.message.content,
                )
            return validate_output(response_model, choice.message.content)

        return await generate_validated(attempt, build_messages(prompt, system), service=self._service)

    async def read_opening(self, response_model: type[BaseModel], system_prompt: str | None = None) -> None:
        """Have the server read the system turn `generate_structured_response` opens with, answering
        one token: a server that keeps what it read of opening turns (the embedded stack's) then reads
        only the user's part of such a request (see `app.services.warm_up`)."""
        await self._complete(
            build_messages(WARM_UP_PROMPT, structured_system_prompt(response_model, system_prompt)),
            temperature=0.0,
            max_tokens=1,
        )

    async def _complete(
        self,
        messages: list[ChatMessage],
        *,
        temperature: float,
        max_tokens: int,
        response_format: dict[str, Any] | None = None,
    ) -> _Choice:
        payload: dict[str, Any] = {
            "model": self.model_name,
            "messages": messages,
            "temperature": temperature,
            "max_tokens": max_tokens,
        }
        if response_format is not None:
            payload["response_format"] = response_format
        url = f"{self.api_base}/chat/completions"

        # A client per call: Celery tasks run each job in a fresh event loop, and pooled
        # connections cannot cross loops. Connecting costs nothing next to a generation.
        async with httpx.AsyncClient(timeout=httpx.Timeout(self.timeout_seconds)) as client:

            async def post_once() -> _Choice:
                try:
                    response = await client.post(url, json=payload)
                except httpx.TimeoutException as error:
                    raise RetryableError(f"no answer within {self.timeout_seconds:g}s") from error
                except httpx.TransportError as error:
                    raise RetryableError(f"connection failed ({error!r})") from error
                if is_retryable_status(response.status_code):
                    raise RetryableError(
                        f"HTTP {response.status_code}: {response.text[:_ERROR_BODY_CHARS]}",
                        status_code=response.status_code,
                        retry_after=parse_retry_after(response.headers),
                    )
                if response.is_error:
                    raise LLMRequestError(
                        f"{self._service} rejected the request with HTTP {response.status_code}: "
                        f"{response.text[:_ERROR_BODY_CHARS]}",
                        status_code=response.status_code,
                    )
                try:
                    completion = _ChatCompletion.model_validate_json(response.content)
                except ValidationError as error:
                    raise LLMOutputError(
                        f"{self._service} did not answer with a chat completion: "
                        f"{response.text[:_ERROR_BODY_CHARS]}",
                        attempts=1,
                        raw_output=response.text,
                    ) from error
                return completion.choices[0]

            return await call_with_retries(post_once, policy=self.retry_policy, service=self._service)
