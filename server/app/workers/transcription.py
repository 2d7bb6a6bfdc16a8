from __future__ import annotations

from app.services.jobs.dispatch import TaskName
from app.services.jobs.tracking import RECORDINGS
from app.services.practice.session_progress import mark_recording_failed
from app.services.practice.transcription import transcribe_recording
from app.workers.base import AscendTask
from app.workers.celery_app import celery_app


class RecordingTask(AscendTask):
    abstract = True
    mark_failed = staticmethod(mark_recording_failed)
    tracked = RECORDINGS


@celery_app.task(bind=True, base=RecordingTask, name=TaskName.PROCESS_RECORDING)
def process_recording(self: RecordingTask, recording_id: str) -> None:
    """Transcribe a recorded answer, store the transcript, then chain the feedback report."""
    self.run_job(transcribe_recording, recording_id)
