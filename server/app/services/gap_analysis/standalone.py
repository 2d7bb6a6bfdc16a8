"""Standalone gap analyses (`POST /gap-analysis`): creation, lookup, and the job's body."""

from __future__ import annotations

import uuid

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import GapAnalysisRecord, User
from app.schemas.gap_analysis import GapAnalysis, GapAnalysisRequest, GapAnalysisStatus
from app.schemas.status import as_state
from app.services.agent import AgentTools
from app.services.jobs.dispatch import JobDispatcher, TaskName, enqueue_or_fail
from app.services.jobs.errors import PermanentJobError
from app.services.ownership import owned_gap_analysis, owned_resume, owned_resume_text
from app.services.practice.question_generation import analyze_gaps
from app.services.resources import Resources


async def create_analysis(
    db: AsyncSession, jobs: JobDispatcher, user: User, request: GapAnalysisRequest
) -> GapAnalysisRecord:
    resume = await owned_resume(db, user.id, request.resume_id)
    record = GapAnalysisRecord(
        user_id=user.id, resume_id=resume.id, job_description=request.job_description, status="processing"
    )
    db.add(record)
    await db.commit()

    async def fail(reason: str) -> None:
        record.status, record.failure_reason = "failed", reason
        await db.commit()

    await enqueue_or_fail(jobs, TaskName.RUN_GAP_ANALYSIS, str(record.id), fail)
    return record


async def get_analysis(db: AsyncSession, user: User, analysis_id: uuid.UUID) -> GapAnalysisStatus:
    record = await owned_gap_analysis(db, user.id, analysis_id)
    return GapAnalysisStatus(
        analysis_id=record.id,
        status=as_state(record.status),
        resume_id=record.resume_id,
        result=GapAnalysis.model_validate(record.result) if record.result else None,
        failure_reason=record.failure_reason,
        created_at=record.created_at,
    )


async def run_analysis(context: Resources, analysis_id: uuid.UUID) -> None:
    async with context.session_factory() as db:
        record = await db.get(GapAnalysisRecord, analysis_id)
        if record is None or record.status in ("complete", "failed"):
            return
        resume_text = await owned_resume_text(db, record.user_id, record.resume_id)
        if not resume_text:
            raise PermanentJobError("The resume was deleted; upload it again")
        job_description, user_id = record.job_description, record.user_id

    tools = AgentTools(
        session_factory=context.session_factory,
        embeddings=context.embeddings,
        user_id=user_id,
    )
    analysis = await analyze_gaps(context, tools, resume_text, job_description)
    async with context.session_factory() as db:
        await db.execute(
            update(GapAnalysisRecord)
            .where(GapAnalysisRecord.id == analysis_id)
            .values(status="complete", result=analysis.model_dump(mode="json"), failure_reason=None)
        )
        await db.commit()


async def mark_analysis_failed(context: Resources, analysis_id: uuid.UUID, reason: str) -> None:
    async with context.session_factory() as db:
        await db.execute(
            update(GapAnalysisRecord)
            .where(GapAnalysisRecord.id == analysis_id, GapAnalysisRecord.status != "complete")
            .values(status="failed", failure_reason=reason)
        )
        await db.commit()
