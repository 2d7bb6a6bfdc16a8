from __future__ import annotations

import uuid

from fastapi import APIRouter

from app.api.deps import SessionDep
from app.core.auth import CurrentUser
from app.schemas.error import ErrorResponse
from app.schemas.recording import RecordingDetail
from app.services import recordings

router = APIRouter(prefix="/recordings", tags=["recordings"])


@router.get("/{recording_id}", responses={404: {"model": ErrorResponse}})
async def get_recording(
    recording_id: uuid.UUID, current_user: CurrentUser, session: SessionDep
) -> RecordingDetail:
    """A recording's transcript, feedback status and feedback report."""
    return await recordings.get_recording_detail(session, current_user, recording_id)
