"""The task base class: bounded retries with exponential backoff, and a `failed` row when it gives up."""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import redis.exceptions
import sqlalchemy.exc
from celery import Task
from celery.exceptions import Retry, SoftTimeLimitExceeded, TimeLimitExceeded
from redis.asyncio import Redis

from app.core.config import get_settings
from app.services.embedding import EmbeddingModelError
from app.services.jobs.dispatch import QueueUnavailableError
from app.services.jobs.errors import PermanentJobError, TransientJobError
from app.services.jobs.tracking import TrackedRows, mark_due, run_tracked
from app.services.llm.errors import LLMError, LLMUnavailableError
from app.services.resources import Resources
from app.services.storage import StorageError
from app.workers.runtime import runtime

logger = logging.getLogger(__name__)

# What a later attempt may well get past: a service restarting, a dropped connection, a busy model.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    TransientJobError,
    LLMUnavailableError,
    QueueUnavailableError,
    httpx.TransportError,
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    redis.exceptions.ConnectionError,
    StorageError,
    ConnectionError,
    TimeoutError,
)

JobFunction = Callable[[Resources, uuid.UUID], Awaitable[None]]
FailureMarker = Callable[[Resources, uuid.UUID, str], Awaitable[None]]


def backoff_seconds(attempt: int, base: float, cap: float) -> float:
    """Full-jitter exponential backoff: spreads retries out so a recovering service isn't stampeded."""
    return random.uniform(0, min(cap, base * 2**attempt))  # noqa: S311


# A delivery count outlives any retry schedule; then Redis forgets it.
DELIVERY_COUNT_SECONDS = 7 * 24 * 3600


def failure_reason(exc: BaseException) -> str:
    if isinstance(exc, PermanentJobError):
        return str(exc)
    if isinstance(exc, SoftTimeLimitExceeded | TimeLimitExceeded):
        limit = get_settings().TASK_SOFT_TIME_LIMIT_SECONDS
        return f"The analysis took longer than {limit // 60} minutes and was stopped; try submitting again"
    if isinstance(exc, TRANSIENT_ERRORS):
        return f"Gave up after repeated attempts: {exc}"
    if isinstance(exc, EmbeddingModelError):
        return f"The knowledge base model is not available: {exc}"
    if isinstance(exc, LLMError):
        return f"The coaching model could not produce a usable answer: {exc}"
    return "An internal error stopped the analysis; try submitting again"


async def count_delivery(client: Redis, key: str, cap: int) -> None:
    """Refuse the job once it has been handed out `cap` times: with acks_late, a job whose worker
    dies goes back to the queue, and one that kills every worker it meets would go round forever."""
    async with client.pipeline() as pipe:
        pipe.incr(key)
        pipe.expire(key, DELIVERY_COUNT_SECONDS)
        delivered = int((await pipe.execute())[0])
    if delivered > cap:
        raise PermanentJobError(
            f"The analysis stopped its worker {cap} times and was given up; try submitting again"
        )


class AscendTask(Task):  # type: ignore[type-arg]
    """One entity id in, a row updated out; `mark_failed` records why it gave up."""

    abstract = True
    mark_failed: FailureMarker
    # The rows its job works on: a heartbeat on its row tells the sweeper the job is alive.
    tracked: TrackedRows

    def run_job(self, job: JobFunction, entity_id: str) -> None:
        try:
            parsed_id = uuid.UUID(entity_id)
        except ValueError as exc:
            raise PermanentJobError(f"not an id: {entity_id!r}") from exc
        settings = get_settings()
        # Per attempt: a retry is a new delivery of the same task id, and not the worker's death.
        delivery = f"ascend:deliveries:{self.request.id}:{self.request.retries}"

        async def counted(resources: Resources) -> None:
            await count_delivery(resources.redis, delivery, settings.TASK_MAX_DELIVERIES)
            await run_tracked(resources, self.tracked, parsed_id, lambda: job(resources, parsed_id))

        try:
            runtime.run(counted)
        except TRANSIENT_ERRORS as exc:
            attempt = self.request.retries
            if attempt >= settings.TASK_MAX_RETRIES:
                raise
            delay = backoff_seconds(
                attempt, settings.TASK_RETRY_BACKOFF_BASE_SECONDS, settings.TASK_RETRY_BACKOFF_MAX_SECONDS
            )
            logger.warning(
                "%s[%s] attempt %d failed (%s); retrying in %.1fs",
                self.name,
                entity_id,
                attempt + 1,
                exc,
                delay,
            )
            self._mark_due(parsed_id, delay)
            raise self.retry(exc=exc, countdown=delay) from exc

    def _mark_due(self, entity_id: uuid.UUID, delay: float) -> None:
        try:
            runtime.run(lambda resources: mark_due(resources, self.tracked, entity_id, delay))
        except (sqlalchemy.exc.SQLAlchemyError, OSError) as exc:
            # The retry is queued all the same; at worst the sweeper takes it for dead and queues it again.
            logger.warning("%s[%s] could not record its retry as due: %s", self.name, entity_id, exc)

    def on_failure(
        self, exc: BaseException, task_id: str, args: tuple[Any, ...], kwargs: dict[str, Any], einfo: Any
    ) -> None:
        if isinstance(exc, Retry) or not args:
            return
        reason = failure_reason(exc)
        logger.error("%s[%s] failed for good: %s", self.name, args[0], exc)
        try:
            entity_id = uuid.UUID(str(args[0]))
        except ValueError:
            return
        try:
            runtime.run(lambda resources: self.mark_failed(resources, entity_id, reason))
        except Exception:
            logger.exception("%s[%s] could not record its failure", self.name, args[0])
