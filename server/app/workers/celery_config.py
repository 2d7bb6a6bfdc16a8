"""Celery configuration, loaded lazily on the first access to the app's conf.

Celery imports this module only when its configuration is first needed, by which time embedded mode
has put the broker's real address in the environment.
"""

from kombu import Queue

from app.core.config import get_settings
from app.services.jobs.dispatch import TASK_QUEUES, JobQueue

_settings = get_settings()

broker_url = _settings.CELERY_BROKER_URL
result_backend = _settings.CELERY_RESULT_BACKEND
task_serializer = "json"
accept_content = ["json"]
result_serializer = "json"
timezone = "UTC"
enable_utc = True
# A job is acknowledged only once it has finished, and handed back if its worker dies mid-way:
# a killed worker must never lose a recording.
task_acks_late = True
task_reject_on_worker_lost = True
worker_prefetch_multiplier = 1
# Results live in the database; the backend only tracks task state for operators.
task_ignore_result = True
result_expires = 3600
broker_connection_retry_on_startup = True
broker_transport_options = {"visibility_timeout": 2 * 60 * 60}
worker_hijack_root_logger = False
task_soft_time_limit = _settings.TASK_SOFT_TIME_LIMIT_SECONDS
task_time_limit = _settings.TASK_TIME_LIMIT_SECONDS
# In KiB.
worker_max_memory_per_child = _settings.WORKER_MAX_MEMORY_PER_CHILD_MB * 1024

# One routing key per queue (queues sharing Celery's default key would each get every job); a worker
# started without --queues, as embedded mode's single worker is, consumes them all.
task_queues = tuple(Queue(str(queue), routing_key=str(queue)) for queue in JobQueue)
task_routes = {str(task): {"queue": str(queue)} for task, queue in TASK_QUEUES.items()}
# A job without a route is refused when queued rather than parked on a queue no worker reads.
task_create_missing_queues = False
