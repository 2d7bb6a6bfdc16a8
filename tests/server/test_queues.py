"""Job routing: each spec task waits in the queue of its kind of work; a task without a route fails here."""

from __future__ import annotations

import uuid

import pytest
import redis
from celery.exceptions import QueueNotFound

from app.services.jobs.dispatch import TASK_QUEUES, JobDispatcher, JobQueue, TaskName
from app.workers.celery_app import celery_app
from tests.stack import ServiceStack
from tests.worker import running_worker

# Celery reads its configuration (app.workers.celery_config) from the settings the suite's stack sets.
pytestmark = pytest.mark.usefixtures("settings")

# The spec's task names and the work each one waits on: Whisper for transcription, the model for the rest.
INTENDED = {
    "workers.transcription.process_recording": "speech",
    "workers.feedback.generate_feedback_report": "language-model",
    "workers.session.generate_interview_questions": "language-model",
    "workers.gap_analysis.run_gap_analysis": "language-model",
}


def registered_tasks() -> set[str]:
    # What a worker registers: every task of the modules the Celery app includes.
    celery_app.loader.import_default_modules()
    return {name for name in celery_app.tasks if not name.startswith("celery.")}


def test_the_worker_registers_the_spec_tasks_and_only_them() -> None:
    assert registered_tasks() == set(INTENDED) == {str(task) for task in TaskName}


def test_every_registered_task_has_a_route() -> None:
    routes = celery_app.conf.task_routes
    unrouted = registered_tasks() - set(routes)
    assert not unrouted, f"tasks without a queue in TASK_QUEUES: {sorted(unrouted)}"
    assert set(TASK_QUEUES) == set(TaskName)


@pytest.mark.parametrize(("task", "queue"), sorted(INTENDED.items()))
def test_celerys_router_sends_each_spec_task_to_its_queue(task: str, queue: str) -> None:
    route = celery_app.amqp.router.route({}, task, args=(str(uuid.uuid4()),), kwargs={})
    assert route["queue"].name == queue
    assert route["queue"].routing_key == queue


def test_the_queues_have_routing_keys_of_their_own() -> None:
    keys = {queue.name: queue.routing_key for queue in celery_app.amqp.queues.values()}
    assert keys == {str(queue): str(queue) for queue in JobQueue}


def test_a_task_without_a_route_is_refused_rather_than_parked() -> None:
    with pytest.raises(QueueNotFound):
        celery_app.amqp.router.route({}, "workers.someday.new_task", args=(), kwargs={})


def test_a_queued_job_lands_on_its_own_queue_and_no_other(broker: redis.Redis) -> None:
    # No worker runs yet in this module (the one below starts later), so the messages stay put.
    jobs = JobDispatcher(celery_app)
    for task in TaskName:
        jobs.enqueue_sync(task, str(uuid.uuid4()))
    waiting = {str(queue): broker.llen(str(queue)) for queue in JobQueue}
    assert waiting == {"speech": 1, "language-model": 3}
    assert broker.llen("celery") == 0


def test_the_embedded_worker_consumes_every_queue(stack: ServiceStack, broker: redis.Redis) -> None:
    # Started as `ascend serve` starts it (no --queues): the laptop's one worker does every job.
    with running_worker(stack.root / "logs" / "queues-worker.log"):
        replies = celery_app.control.inspect(timeout=2).active_queues() or {}
    ((_, queues),) = replies.items()
    assert {queue["name"] for queue in queues} == {str(queue) for queue in JobQueue}
