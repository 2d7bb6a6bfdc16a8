"""Retry with exponential backoff, shared by the providers so both behave the same."""

from __future__ import annotations

import asyncio
import email.utils
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from app.services.llm.errors import LLMUnavailableError

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Status codes after which the same request may succeed later: timeouts, lock conflicts, rate
# limiting and failures on the server's side.
RETRYABLE_STATUS_CODES = frozenset({408, 409, 429})


def is_retryable_status(status_code: int) -> bool:
    return status_code in RETRYABLE_STATUS_CODES or status_code >= 500


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 3
    base_delay_seconds: float = 1.0
    max_delay_seconds: float = 30.0
    # A worker that sleeps for minutes holds a slot doing nothing; longer waits asked for by the
    # service are handed back in `LLMUnavailableError.retry_after` so the task can be rescheduled.
    max_retry_after_seconds: float = 60.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("a retry policy needs at least one attempt")
        if self.base_delay_seconds < 0 or self.max_delay_seconds < 0 or self.max_retry_after_seconds < 0:
            raise ValueError("retry delays cannot be negative")

    def backoff_seconds(self, failed_attempts: int) -> float:
        delay = min(self.base_delay_seconds * 2.0 ** (failed_attempts - 1), self.max_delay_seconds)
        # Jitter spreads out workers that all hit the same rate limit at the same moment.
        return delay * random.uniform(0.75, 1.0)  # noqa: S311 - not used for security


class RetryableError(Exception):
    """Raised by one attempt to ask `call_with_retries` for another try."""

    def __init__(self, reason: str, *, status_code: int | None = None, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status_code = status_code
        self.retry_after = retry_after


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from `Retry-After` (delta-seconds or HTTP-date) or `retry-after-ms`."""
    milliseconds = headers.get("retry-after-ms")
    if milliseconds is not None:
        seconds = _non_negative_float(milliseconds)
        if seconds is not None:
            return seconds / 1000
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = _non_negative_float(value)
    if seconds is not None:
        return seconds
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _non_negative_float(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    if not math.isfinite(number) or number < 0:
        return None
    return number


async def call_with_retries(operation: Callable[[], Awaitable[T]], *, policy: RetryPolicy, service: str) -> T:
    """Run `operation`, retrying on `RetryableError`; raise `LLMUnavailableError` when out of tries."""
    for attempt in range(1, policy.attempts + 1):
        try:
            return await operation()
        except RetryableError as failure:
            if attempt == policy.attempts:
                raise LLMUnavailableError(
                    f"{service} did not answer after {attempt} attempts: {failure.reason}",
                    attempts=attempt,
                    status_code=failure.status_code,
                    retry_after=failure.retry_after,
                ) from failure
            if failure.retry_after is not None and failure.retry_after > policy.max_retry_after_seconds:
                raise LLMUnavailableError(
                    f"{service} asked to wait {failure.retry_after:.0f}s before retrying: {failure.reason}",
                    attempts=attempt,
                    status_code=failure.status_code,
                    retry_after=failure.retry_after,
                ) from failure
            delay = (
                failure.retry_after if failure.retry_after is not None else policy.backoff_seconds(attempt)
            )
            logger.warning(
                "%s attempt %d/%d failed (%s); retrying in %.2fs",
                service,
                attempt,
                policy.attempts,
                failure.reason,
                delay,
            )
            await asyncio.sleep(delay)
    raise AssertionError("unreachable: the loop always returns or raises")
