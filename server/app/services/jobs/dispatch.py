"""Enqueues background jobs by their spec names, only ever after the rows they need are committed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Any

import redis.exceptions
from celery import Celery
from kombu.exceptions import ChannelError, OperationalError

from app.core.errors import service_unavailable

logger = logging.getLogger(__name__)

# The reason a row gets when its job could not be queued; the client is told to try again.
QUEUE_UNAVAILABLE = "The job could not be queued (the job broker did not answer); submit it again"


class QueueUnavailableError(Exception):
    """The broker refused or did not answer: the job was not queued."""


class TaskName(StrEnum):
    PROCESS_RECORDING = "workers.transcription.process_recording"
    GENERATE_FEEDBACK_REPORT = "workers.feedback.generate_feedback_report"
    GENERATE_INTERVIEW_QUESTIONS = "workers.session.generate_interview_questions"
    RUN_GAP_ANALYSIS = "workers.gap_analysis.run_gap_analysis"


class JobQueue(StrEnum):
    """The broker queues jobs wait in, one per kind of work, so each kind can have workers of its own."""

    SPEECH = "speech"
    LANGUAGE_MODEL = "language-model"


# Where each job waits (Celery's task_routes); a task missing here cannot be queued at all.
TASK_QUEUES: Mapping[TaskName, JobQueue] = MappingProxyType(
    {
        TaskName.PROCESS_RECORDING: JobQueue.SPEECH,
        TaskName.GENERATE_FEEDBACK_REPORT: JobQueue.LANGUAGE_MODEL,
        TaskName.GENERATE_INTERVIEW_QUESTIONS: JobQueue.LANGUAGE_MODEL,
        TaskName.RUN_GAP_ANALYSIS: JobQueue.LANGUAGE_MODEL,
    }
)


class JobDispatcher:
    def __init__(self, celery: Celery, *, own_connections: bool = False) -> None:
        """`own_connections`: publish each job on a connection of its own rather than the app's pool
        (for the job sweeper, which publishes rarely and must keep working after a broker outage)."""
        self._celery = celery
        self._own_connections = own_connections

    def _send(self, task: TaskName, entity_id: str) -> None:
        if not self._own_connections:
            self._celery.send_task(str(task), args=(entity_id,))
            return
        # After a broker outage a worker's pooled producer was seen failing with kombu's AttributeError
        # ("'NoneType' object has no attribute 'client'") instead of reconnecting; a fresh one cannot.
        with self._celery.connection_for_write() as connection:
            self._celery.send_task(str(task), args=(entity_id,), connection=connection)

    def enqueue_sync(self, task: TaskName, entity_id: str) -> None:
        try:
            self._send(task, entity_id)
        except (OperationalError, redis.exceptions.ConnectionError, ConnectionError) as exc:
            raise QueueUnavailableError(f"{task} for {entity_id} was not queued: {exc}") from exc
        logger.info("enqueued %s for %s", task, entity_id)

    async def enqueue(self, task: TaskName, entity_id: str) -> None:
        # kombu's publish blocks on the broker socket.
        await asyncio.to_thread(self.enqueue_sync, task, entity_id)

    def waiting_sync(self) -> int:
        """How many jobs wait in the job queues, not yet taken by any worker."""
        try:
            with self._celery.connection_for_read() as connection:
                connection.ensure_connection(max_retries=1)
                # Every kombu transport's channel declares queues; the generic channel type does not say so.
                channel: Any = connection.default_channel
                return sum(_message_count(channel, str(queue)) for queue in set(TASK_QUEUES.values()))
        except (OperationalError, redis.exceptions.ConnectionError, ConnectionError) as exc:
            raise QueueUnavailableError(f"the job queue could not be read: {exc}") from exc

    async def waiting(self) -> int:
        return await asyncio.to_thread(self.waiting_sync)


def _message_count(channel: Any, queue: str) -> int:
    try:
        declared = channel.queue_declare(queue=queue, passive=True)
    except ChannelError:
        # The broker keeps no empty queue: nothing was ever queued there, or all was taken.
        return 0
    return int(declared.message_count)


async def enqueue_or_fail(
    jobs: JobDispatcher, task: TaskName, entity_id: str, fail: Callable[[str], Awaitable[None]]
) -> None:
    """Queue the job of a committed row; if the broker refuses it, `fail` records the reason on the row
    (else it would stay `processing` for good) and the client gets a 503 to try again."""
    try:
        await jobs.enqueue(task, entity_id)
    except QueueUnavailableError as exc:
        await fail(QUEUE_UNAVAILABLE)
        raise service_unavailable(QUEUE_UNAVAILABLE) from exc
