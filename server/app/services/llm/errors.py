"""Errors raised by the LLM providers.

Background tasks decide between "retry later" and "give up" from the class alone, so every
failure a provider raises is one of these, never a transport library's own exception:

- `LLMUnavailableError` is transient: the service was unreachable, timed out, rate-limited or
  failed on its side on every attempt. Retrying the task later is the right move, after
  `retry_after` seconds when the service said how long to wait.
- `LLMRequestError` and `LLMConfigurationError` are permanent: the request or the setup is wrong
  and sending it again changes nothing.
- `LLMOutputError` means the model answered but never with something usable (e.g. JSON that does
  not validate) within the attempts allowed. Another run may succeed, but it is not a fault of the
  infrastructure, so it is reported apart from outages.
"""

from __future__ import annotations

from typing import ClassVar


class LLMError(Exception):
    """Base class of every error an `LLMProvider` raises."""

    transient: ClassVar[bool] = False


class LLMConfigurationError(LLMError):
    """The provider cannot be used as configured (e.g. the OpenAI provider without an API key)."""


class LLMUnavailableError(LLMError):
    """The LLM service could not answer after every attempt; worth retrying later."""

    transient: ClassVar[bool] = True

    def __init__(
        self,
        message: str,
        *,
        attempts: int,
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.status_code = status_code
        self.retry_after = retry_after


class LLMRequestError(LLMError):
    """The service rejected the request itself (bad parameters, authentication, unknown model)."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class LLMOutputError(LLMError):
    """The model's answer could not be used (empty, malformed, or not matching the schema)."""

    def __init__(self, message: str, *, attempts: int, raw_output: str | None = None) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.raw_output = raw_output
