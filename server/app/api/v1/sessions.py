from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, status

from app.api.current_user import CurrentUser
from app.api.deps import DbDep, JobsDep, SettingsDep, StorageDep
from app.api.uploads import receive_upload
from app.api.v1.openapi import multipart_body
from app.schemas.error import ErrorResponse
from app.schemas.history import SessionSummary
from app.schemas.recording import RecordingSubmitResponse
from app.schemas.session import SessionAcceptedResponse, SessionCreateRequest, SessionStatus
from app.services.ownership import owned_session
from app.services.practice import history, recordings, sessions

router = APIRouter(prefix="/sessions", tags=["sessions"])


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    responses={400: {"model": ErrorResponse}, 404: {"model": ErrorResponse}},
)
async def create_session(
    body: SessionCreateRequest, current_user: CurrentUser, db: DbDep, jobs: JobsDep
) -> SessionAcceptedResponse:
    """Create an interview session; its questions are generated in the background."""
    session = await sessions.create_session(db, jobs, current_user, body)
    return SessionAcceptedResponse(session_id=session.id, status="processing")


@router.get("")
async def list_sessions(current_user: CurrentUser, db: DbDep) -> list[SessionSummary]:
    """The user's sessions, newest first."""
    return await history.list_sessions(db, current_user)


@router.get("/{session_id}", responses={404: {"model": ErrorResponse}})
async def get_session(session_id: uuid.UUID, current_user: CurrentUser, db: DbDep) -> SessionStatus:
    """The session's status, its generated questions, and every answer with its feedback."""
    return await sessions.get_session_status(db, current_user, session_id)


@router.post(
    "/{session_id}/recordings",
    status_code=status.HTTP_202_ACCEPTED,
    responses={400: {"model": ErrorResponse}, 404: {"model": ErrorResponse}, 413: {"model": ErrorResponse}},
    openapi_extra=multipart_body(files=("audio",), fields=("question",)),
)
async def submit_recording(
    session_id: uuid.UUID,
    request: Request,
    current_user: CurrentUser,
    db: DbDep,
    storage: StorageDep,
    jobs: JobsDep,
    settings: SettingsDep,
) -> RecordingSubmitResponse:
    """Submit a spoken answer; transcription and feedback run in the background."""
    # Ownership first: a stranger's session id is a 404 before a single byte of audio is read.
    session = await owned_session(db, current_user.id, session_id)
    async with receive_upload(
        request, file_fields=frozenset({"audio"}), max_file_bytes=settings.max_audio_bytes
    ) as form:
        recording = await recordings.submit_recording(
            db, storage, jobs, settings, session, form.require_field("question"), form.require_file("audio")
        )
    return RecordingSubmitResponse(recording_id=recording.id, status="processing")
