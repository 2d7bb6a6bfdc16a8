from __future__ import annotations

import uuid

from fastapi import APIRouter

from app.api.current_user import CurrentUser
from app.api.deps import DbDep
from app.schemas.error import ErrorResponse
from app.schemas.history import AnswerSummary
from app.schemas.recording import RecordingDetail
from app.services.practice import history, recordings

router = APIRouter(prefix="/recordings", tags=["recordings"])


@router.get("")
async def list_recordings(current_user: CurrentUser, db: DbDep) -> list[AnswerSummary]:
    """Every answer of the user with its headline scores, newest first (for progress charts)."""
    return await history.list_answers(db, current_user)


@router.get("/{recording_id}", responses={404: {"model": ErrorResponse}})
async def get_recording(recording_id: uuid.UUID, current_user: CurrentUser, db: DbDep) -> RecordingDetail:
    """A recording's transcript, feedback status and feedback report."""
    return await recordings.get_recording_detail(db, current_user, recording_id)
