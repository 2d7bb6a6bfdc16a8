from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, status

from app.api.current_user import CurrentUser
from app.api.deps import DbDep, SettingsDep, StorageDep
from app.api.uploads import receive_upload
from app.api.v1.openapi import multipart_body
from app.schemas.error import ErrorResponse
from app.schemas.history import ResumeSummary
from app.schemas.resume import ResumeDetail, ResumeUploadResponse
from app.services.ownership import owned_resume
from app.services.practice import history
from app.services.resumes import service as resumes

router = APIRouter(prefix="/resumes", tags=["resumes"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={400: {"model": ErrorResponse}, 413: {"model": ErrorResponse}},
    openapi_extra=multipart_body(files=("file",), fields=()),
)
async def upload_resume(
    request: Request,
    current_user: CurrentUser,
    db: DbDep,
    storage: StorageDep,
    settings: SettingsDep,
) -> ResumeUploadResponse:
    """Upload a resume (PDF or DOCX, at most MAX_RESUME_FILE_SIZE_MB); its text is extracted at once."""
    async with receive_upload(
        request, file_fields=frozenset({"file"}), max_file_bytes=settings.max_resume_bytes
    ) as form:
        resume = await resumes.upload_resume(db, storage, settings, current_user, form.require_file("file"))
    return ResumeUploadResponse(
        resume_id=resume.id, filename=resume.original_filename, created_at=resume.created_at
    )


@router.get("")
async def list_resumes(current_user: CurrentUser, db: DbDep) -> list[ResumeSummary]:
    """The user's resumes, newest first."""
    return await history.list_resumes(db, current_user)


@router.get("/{resume_id}", responses={404: {"model": ErrorResponse}})
async def get_resume(resume_id: uuid.UUID, current_user: CurrentUser, db: DbDep) -> ResumeDetail:
    """Resume metadata and parsed text."""
    resume = await owned_resume(db, current_user.id, resume_id)
    return ResumeDetail(
        id=resume.id,
        user_id=resume.user_id,
        original_filename=resume.original_filename,
        parsed_text=resume.parsed_text or "",
        created_at=resume.created_at,
    )
