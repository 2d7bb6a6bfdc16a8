"""Gap analysis (the spec's workflow step 2, which its API contract leaves without an endpoint).

Additive to the spec: every requirement of the job description judged against the resume.
"""

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from app.schemas.limits import JOB_DESCRIPTION_MAX_CHARS, JOB_DESCRIPTION_MIN_CHARS
from app.schemas.status import SessionState
from app.schemas.text import PlainText

RequirementStatus = Literal["met", "partial", "missing"]


class RequirementAssessment(BaseModel):
    requirement: str
    status: RequirementStatus
    # A line quoted from the resume that supports the judgement, when there is one.
    evidence: str | None = None
    # Cosine similarity between the requirement and its best resume line (0-1).
    similarity: float = Field(ge=0, le=1)


class GapAnalysis(BaseModel):
    match_score: float = Field(ge=0, le=100)
    summary: str
    requirements: list[RequirementAssessment]
    resume_suggestions: list[str]
    # Additive: the job description's nice-to-have items, judged the same way but left out of the
    # match score (a missing "bonus" is no gap).
    nice_to_have: list[RequirementAssessment] = Field(default_factory=list)


class GapAnalysisRequest(BaseModel):
    resume_id: UUID
    job_description: PlainText = Field(
        min_length=JOB_DESCRIPTION_MIN_CHARS, max_length=JOB_DESCRIPTION_MAX_CHARS
    )


class GapAnalysisAccepted(BaseModel):
    analysis_id: UUID
    status: Literal["processing"]


class GapAnalysisStatus(BaseModel):
    analysis_id: UUID
    status: SessionState
    resume_id: UUID | None
    result: GapAnalysis | None = None
    failure_reason: str | None = None
    created_at: datetime
