from __future__ import annotations

from app.services.jobs.dispatch import TaskName
from app.services.jobs.tracking import SESSIONS
from app.services.practice.question_generation import generate_questions
from app.services.practice.session_progress import mark_session_failed
from app.workers.base import AscendTask
from app.workers.celery_app import celery_app


class SessionTask(AscendTask):
    abstract = True
    mark_failed = staticmethod(mark_session_failed)
    tracked = SESSIONS


@celery_app.task(bind=True, base=SessionTask, name=TaskName.GENERATE_INTERVIEW_QUESTIONS)
def generate_interview_questions(self: SessionTask, session_id: str) -> None:
    """Write 5-8 behavioural questions for the session's resume and job description."""
    self.run_job(generate_questions, session_id)
