"""The Celery application: the Redis broker, the three tasks under the spec's names (and the gap
analysis), and what runs beside them in a worker: its warm-up and its job sweeper."""

from __future__ import annotations

from celery import Celery

celery_app = Celery(
    "ascend",
    include=[
        "app.workers.transcription",
        "app.workers.feedback",
        "app.workers.session",
        "app.workers.gap_analysis",
        "app.workers.warm_up",
        "app.workers.sweeper",
    ],
)
celery_app.config_from_object("app.workers.celery_config")
