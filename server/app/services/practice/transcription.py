"""The transcription job's body (the spec's `workers.transcription.process_recording` steps)."""

from __future__ import annotations

import logging
import tempfile
import uuid
from pathlib import Path

from app.db.models import Recording
from app.services.jobs import tracking
from app.services.jobs.dispatch import TaskName
from app.services.practice.recordings import AUDIO_CONTENT_TYPES
from app.services.resources import Resources

logger = logging.getLogger(__name__)


async def transcribe_recording(context: Resources, recording_id: uuid.UUID) -> None:
    async with context.session_factory() as db:
        recording = await db.get(Recording, recording_id)
        if recording is None:
            logger.info("recording %s no longer exists; nothing to transcribe", recording_id)
            return
        if recording.feedback_status in ("complete", "failed"):
            return
        key = recording.audio_storage_path

    extension = Path(key).suffix
    with tempfile.TemporaryDirectory(prefix="ascend-transcribe-") as workdir:
        audio_path = Path(workdir) / f"answer{extension}"
        await context.storage.download_file(key, audio_path)
        result = await context.whisper.transcribe(
            audio_path, audio_path.name, AUDIO_CONTENT_TYPES.get(extension, "application/octet-stream")
        )

    async with context.session_factory() as db:
        recording = await db.get(Recording, recording_id, with_for_update=True)
        if recording is None:
            return
        recording.transcript = result.text.strip()
        if recording.audio_duration_seconds is None and result.duration_seconds:
            recording.audio_duration_seconds = result.duration_seconds
        recording.feedback_status = "processing"
        # From here the row waits for the feedback job, which the sweeper queues again if it is lost.
        tracking.record_queued(recording)
        await db.commit()
    await context.jobs.enqueue(TaskName.GENERATE_FEEDBACK_REPORT, str(recording_id))
