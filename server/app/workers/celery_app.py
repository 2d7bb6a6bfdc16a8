"""The Celery application: the Redis broker, and the three tasks under the spec's names."""

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
    ],
)
celery_app.config_from_object("app.workers.celery_config")
