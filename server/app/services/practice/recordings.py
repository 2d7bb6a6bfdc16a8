"""Recorded answers: submission (transcription and feedback come from background jobs) and lookup."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.errors import invalid_input
from app.db.models import Feedback, InterviewSession, Recording, User
from app.schemas.feedback import FeedbackReport
from app.schemas.limits import MAX_QUESTION_LENGTH
from app.schemas.recording import RecordingDetail
from app.schemas.session import as_state
from app.services.jobs.dispatch import JobDispatcher, TaskName, enqueue_or_fail
from app.services.ownership import owned_recording
from app.services.practice.audio import AudioError, probe_duration_seconds
from app.services.practice.session_progress import complete_session_if_done
from app.services.resumes.service import check_extension, store_then_commit
from app.services.storage import ObjectStorage, new_object_key
from app.services.uploads import ReceivedFile

AUDIO_CONTENT_TYPES = {
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".webm": "audio/webm",
}


def clean_question(question: str) -> str:
    cleaned = " ".join(question.split())
    if not cleaned:
        raise invalid_input("The question must not be empty")
    if len(cleaned) > MAX_QUESTION_LENGTH:
        raise invalid_input(f"The question must be at most {MAX_QUESTION_LENGTH} characters")
    return cleaned


async def submit_recording(
    db: AsyncSession,
    storage: ObjectStorage,
    jobs: JobDispatcher,
    settings: Settings,
    session: InterviewSession,
    question: str,
    received: ReceivedFile,
) -> Recording:
    """`session` is the caller's own, already looked up (see `ownership.owned_session`)."""
    question_text = clean_question(question)
    check_extension(received, settings.ALLOWED_AUDIO_EXTENSIONS, "audio")
    try:
        duration = await asyncio.to_thread(
            probe_duration_seconds, received.path, received.extension, settings.MAX_ANSWER_MINUTES * 60
        )
    except AudioError as exc:
        raise invalid_input(str(exc)) from exc
    key = new_object_key("recordings", session.user_id, received.extension)
    recording = Recording(
        session_id=session.id,
        question_text=question_text,
        audio_storage_path=key,
        feedback_status="pending",
        audio_duration_seconds=duration,
    )
    # The session has work in flight again until every answer has its feedback.
    session.status = "processing"
    await store_then_commit(
        db, storage, recording, key, received, AUDIO_CONTENT_TYPES.get(received.extension, "audio/*")
    )

    async def fail(reason: str) -> None:
        recording.feedback_status, recording.failure_reason = "failed", reason
        await db.flush()
        # The session is not left `processing` on this answer's account.
        await complete_session_if_done(db, session.id)
        await db.commit()

    await enqueue_or_fail(jobs, TaskName.PROCESS_RECORDING, str(recording.id), fail)
    return recording


async def get_recording_detail(db: AsyncSession, user: User, recording_id: uuid.UUID) -> RecordingDetail:
    recording = await owned_recording(db, user.id, recording_id)
    feedback = await db.scalar(select(Feedback).where(Feedback.recording_id == recording.id))
    return RecordingDetail(
        id=recording.id,
        session_id=recording.session_id,
        question_text=recording.question_text,
        transcript=recording.transcript,
        feedback_status=as_state(recording.feedback_status),
        feedback=FeedbackReport.model_validate(feedback.report) if feedback is not None else None,
        created_at=recording.created_at,
        audio_duration_seconds=recording.audio_duration_seconds,
        failure_reason=recording.failure_reason,
    )
