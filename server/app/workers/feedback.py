from __future__ import annotations

from app.services.coaching.feedback_generation import generate_feedback
from app.services.jobs.dispatch import TaskName
from app.services.jobs.tracking import RECORDINGS
from app.services.practice.session_progress import mark_recording_failed
from app.workers.base import AscendTask
from app.workers.celery_app import celery_app


class FeedbackTask(AscendTask):
    abstract = True
    mark_failed = staticmethod(mark_recording_failed)
    tracked = RECORDINGS


@celery_app.task(bind=True, base=FeedbackTask, name=TaskName.GENERATE_FEEDBACK_REPORT)
def generate_feedback_report(self: FeedbackTask, recording_id: str) -> None:
    """Write the feedback report for a transcribed answer and complete the session when it is the last."""
    self.run_job(generate_feedback, recording_id)
