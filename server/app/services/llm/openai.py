"""`OpenAIProvider`: the OpenAI API through the official client, for fallback or prototyping."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import openai
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionMessageParam
from pydantic import ValidationError

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
    describe_validation_error,
    generate_validated,
    without_control_characters,
)
from app.services.llm.base import LLMProvider, ModelT
from app.services.llm.errors import LLMConfigurationError, LLMOutputError, LLMRequestError

if TYPE_CHECKING:
    from app.core.config import Settings

T = TypeVar("T")

DEFAULT_MODEL_NAME = "gpt-4o"
DEFAULT_STRUCTURED_MAX_TOKENS = 2000


def _to_openai_messages(messages: list[ChatMessage]) -> list[ChatCompletionMessageParam]:
    converted: list[ChatCompletionMessageParam] = []
    for message in messages:
        if message["role"] == "system":
            converted.append({"role": "system", "content": message["content"]})
        elif message["role"] == "user":
            converted.append({"role": "user", "content": message["content"]})
        else:
            converted.append({"role": "assistant", "content": message["content"]})
    return converted


class OpenAIProvider(LLMProvider):
    """Sends prompts to OpenAI: only when the user opts in, since data then leaves the machine."""

    def __init__(
        self,
        api_key: str,
        model_name: str = DEFAULT_MODEL_NAME,
        *,
        base_url: str | None = None,
        timeout_seconds: float = 300.0,
        retry_policy: RetryPolicy | None = None,
        structured_max_tokens: int = DEFAULT_STRUCTURED_MAX_TOKENS,
    ) -> None:
        if not api_key:
            raise LLMConfigurationError("the OpenAI provider needs an API key (set OPENAI_API_KEY)")
        if timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")
        self._api_key = api_key
        self.model_name = model_name
        self.base_url = base_url
        self.timeout_seconds = timeout_seconds
        self.retry_policy = retry_policy or RetryPolicy()
        self.structured_max_tokens = structured_max_tokens
        self._service = f"OpenAI ({model_name})"

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAIProvider:
        if settings.OPENAI_API_KEY is None:
            raise LLMConfigurationError("LLM_PROVIDER is 'openai' but OPENAI_API_KEY is not set")
        return cls(
            settings.OPENAI_API_KEY.get_secret_value(),
            settings.OPENAI_MODEL_NAME,
            timeout_seconds=settings.LLM_REQUEST_TIMEOUT_SECONDS,
        )

    def _client(self) -> AsyncOpenAI:
        # max_retries=0: retries happen in `call_with_retries`, so both providers follow one
        # policy and a rate limit surfaces as `LLMUnavailableError` instead of the client's own.
        # A client per call, because Celery runs each job in a fresh event loop.
        return AsyncOpenAI(
            api_key=self._api_key,
            base_url=self.base_url,
            timeout=self.timeout_seconds,
            max_retries=0,
        )

    async def generate_response(
        self,
        prompt: str,
        system_prompt: str | None = None,
        temperature: float = 0.7,
        max_tokens: int = 2000,
    ) -> str:
        messages = _to_openai_messages(build_messages(prompt, system_prompt))
        async with self._client() as client:
            completion = await self._with_retries(
                lambda: client.chat.completions.create(
                    model=self.model_name,
                    messages=messages,
                    temperature=temperature,
                    max_completion_tokens=max_tokens,
                )
            )
        if not completion.choices or completion.choices[0].message.content is None:
            raise LLMOutputError(f"{self._service} returned no text", attempts=1)
        return completion.choices[0].message.content

    async def generate_structured_response(
        self,
        prompt: str,
        response_model: type[ModelT],
        system_prompt: str | None = None,
        temperature: float = 0.7,
    ) -> ModelT:
        async with self._client() as client:

            async def attempt(conversation: list[ChatMessage]) -> ModelT:
                messages = _to_openai_messages(conversation)
                try:
                    # `parse` sends the model as a strict JSON schema and validates the answer.
                    completion = await self._with_retries(
                        lambda: client.chat.completions.parse(
                            model=self.model_name,
                            messages=messages,
                            response_format=response_model,
                            temperature=temperature,
                            max_completion_tokens=self.structured_max_tokens,
                        )
                    )
                except ValidationError as error:
                    raise InvalidOutputError(describe_validation_error(error), None) from error
                except openai.LengthFinishReasonError as error:
                    raise InvalidOutputError(
                        f"the answer was cut off at {self.structured_max_tokens} tokens", None
                    ) from error
                except openai.ContentFilterFinishReasonError as error:
                    raise InvalidOutputError("the answer was blocked by the content filter", None) from error
                if not completion.choices:
                    raise InvalidOutputError("the answer had no choices", None)
                message = completion.choices[0].message
                if message.refusal:
                    raise InvalidOutputError(f"the model refused: {message.refusal}", None)
                if message.parsed is None:
                    raise InvalidOutputError("the answer was empty", message.content)
                # The same clean-up as the local provider's: a cloud model's strings may hold NUL too.
                cleaned = without_control_characters(message.parsed.model_dump(mode="json"))
                try:
                    return response_model.model_validate(cleaned)
                except ValidationError as error:
                    raise InvalidOutputError(describe_validation_error(error), message.content) from error

            return await generate_validated(
                attempt, build_messages(prompt, system_prompt), service=self._service
            )

    async def _with_retries(self, request: Callable[[], Awaitable[T]]) -> T:
        async def once() -> T:
            try:
                return await request()
            except openai.APITimeoutError as error:
                raise RetryableError(f"no answer within {self.timeout_seconds:g}s") from error
            except openai.APIConnectionError as error:
                raise RetryableError(f"connection failed ({error})") from error
            except openai.APIStatusError as error:
                if is_retryable_status(error.status_code):
                    raise RetryableError(
                        f"HTTP {error.status_code}: {error.message}",
                        status_code=error.status_code,
                        retry_after=parse_retry_after(error.response.headers),
                    ) from error
                raise LLMRequestError(
                    f"{self._service} rejected the request with HTTP {error.status_code}: {error.message}",
                    status_code=error.status_code,
                ) from error
            except openai.APIResponseValidationError as error:
                raise LLMOutputError(
                    f"{self._service} answered with an unexpected body: {error.message}", attempts=1
                ) from error

        return await call_with_retries(once, policy=self.retry_policy, service=self._service)
