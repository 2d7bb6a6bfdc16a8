"""Celery entry point: `celery -A worker worker` from this directory (or with `--workdir server`)."""

from app.workers.celery_app import celery_app

app = celery_app

__all__ = ["app", "celery_app"]
