from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from app.api.current_user import CurrentUser
from app.api.deps import DbDep, JobsDep
from app.schemas.error import ErrorResponse
from app.schemas.gap_analysis import GapAnalysisAccepted, GapAnalysisRequest, GapAnalysisStatus
from app.services.gap_analysis import standalone

router = APIRouter(prefix="/gap-analysis", tags=["gap analysis"])


@router.post("", status_code=status.HTTP_202_ACCEPTED, responses={404: {"model": ErrorResponse}})
async def create_gap_analysis(
    body: GapAnalysisRequest, current_user: CurrentUser, db: DbDep, jobs: JobsDep
) -> GapAnalysisAccepted:
    """Judge a job description's requirements against a resume, in the background."""
    record = await standalone.create_analysis(db, jobs, current_user, body)
    return GapAnalysisAccepted(analysis_id=record.id, status="processing")


@router.get("/{analysis_id}", responses={404: {"model": ErrorResponse}})
async def get_gap_analysis(analysis_id: uuid.UUID, current_user: CurrentUser, db: DbDep) -> GapAnalysisStatus:
    """The analysis's status and, once complete, its result."""
    return await standalone.get_analysis(db, current_user, analysis_id)
