"""The feedback job's body (the spec's `workers.feedback.generate_feedback_report` steps).

The model supplies judgements only (each STAR component's assessment and points, the overall
assessment, recommendations); every number in the report is computed with the spec's formulas.
"""

from __future__ import annotations

import logging
import uuid
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy.dialects.postgresql import insert

from app.db.models import Feedback, InterviewSession, Recording
from app.schemas.feedback import DeliveryMetrics, FeedbackReport, STARAnalysis
from app.services import delivery_metrics
from app.services.job_context import JobContext
from app.services.job_errors import PermanentJobError
from app.services.llm import get_llm_provider
from app.services.prompts import COACH_SYSTEM_PROMPT
from app.services.session_progress import complete_session_if_done

logger = logging.getLogger(__name__)

StarPoints = Literal[25, 15, 5, 0]


class StarComponentJudgement(BaseModel):
    assessment: str = Field(min_length=1)
    points: StarPoints


class FeedbackJudgement(BaseModel):
    situation: StarComponentJudgement
    task: StarComponentJudgement
    action: StarComponentJudgement
    result: StarComponentJudgement
    overall_assessment: str = Field(min_length=1)
    recommendations: list[str] = Field(min_length=3, max_length=5)

    @property
    def star_quality(self) -> int:
        return self.situation.points + self.task.points + self.action.points + self.result.points


def build_report(
    judgement: FeedbackJudgement, metrics: delivery_metrics.RawDeliveryMetrics
) -> FeedbackReport:
    confidence = delivery_metrics.confidence_score(
        metrics.filler_word_count, metrics.total_words, metrics.pace_rating
    )
    delivery = delivery_metrics.delivery_quality(metrics.pace_rating, metrics.filler_word_count)
    overall = delivery_metrics.overall_score(judgement.star_quality, delivery, confidence)
    return FeedbackReport(
        star_analysis=STARAnalysis(
            situation=judgement.situation.assessment,
            task=judgement.task.assessment,
            action=judgement.action.assessment,
            result=judgement.result.assessment,
            overall_assessment=judgement.overall_assessment,
        ),
        delivery_metrics=DeliveryMetrics(
            filler_word_count=metrics.filler_word_count,
            words_per_minute=round(metrics.words_per_minute, 2),
            pace_rating=round(metrics.pace_rating, 2),
            confidence_score=round(min(10.0, max(0.0, confidence)), 2),
        ),
        recommendations=[" ".join(item.split()) for item in judgement.recommendations],
        overall_score=round(min(100.0, max(0.0, overall)), 2),
        star_quality=float(judgement.star_quality),
        delivery_quality=round(delivery, 2),
    )


def build_prompt(question: str, transcript: str, metrics: delivery_metrics.RawDeliveryMetrics) -> str:
    return (
        f"## Interview question\n{question}\n\n"
        f"## Candidate's transcribed answer\n{transcript}\n\n"
        "## Delivery metrics (measured)\n"
        f"- words: {metrics.total_words}\n"
        f"- filler words: {metrics.filler_word_count}\n"
        f"- words per minute: {metrics.words_per_minute:.0f} (ideal 140-160)\n"
        f"- pace rating: {metrics.pace_rating:.1f}/10\n\n"
        "Judge each STAR component: give a specific assessment quoting the answer, and points: "
        "25 fully present and detailed, 15 present but vague, 5 mentioned but insufficient, 0 missing. "
        "Then an overall assessment, and 3 to 5 specific, actionable recommendations that quote the "
        "transcript. Answer with a JSON object with the keys situation, task, action, result (each "
        '{"assessment": "...", "points": 25|15|5|0}), overall_assessment, recommendations.'
    )


async def generate_feedback(context: JobContext, recording_id: uuid.UUID) -> None:
    async with context.session_factory() as db:
        recording = await db.get(Recording, recording_id)
        if recording is None:
            logger.info("recording %s no longer exists; no feedback to write", recording_id)
            return
        if recording.feedback_status in ("complete", "failed"):
            return
        interview = await db.get(InterviewSession, recording.session_id)
        if interview is None:
            return
        transcript = (recording.transcript or "").strip()
        question = recording.question_text
        duration = recording.audio_duration_seconds

    metrics = delivery_metrics.analyze(transcript, duration)
    if metrics.total_words == 0:
        raise PermanentJobError("No speech was detected in the recording; record the answer again")
    judgement = await get_llm_provider(context.settings).generate_structured_response(
        build_prompt(question, transcript, metrics),
        FeedbackJudgement,
        system_prompt=COACH_SYSTEM_PROMPT,
        temperature=0.3,
    )
    report = build_report(judgement, metrics)

    async with context.session_factory() as db:
        await db.execute(
            insert(Feedback)
            .values(recording_id=recording_id, report=report.model_dump(mode="json"))
            .on_conflict_do_update(
                index_elements=[Feedback.recording_id], set_={"report": report.model_dump(mode="json")}
            )
        )
        recording = await db.get(Recording, recording_id, with_for_update=True)
        if recording is None:
            return
        recording.feedback_status = "complete"
        recording.failure_reason = None
        await db.flush()
        await complete_session_if_done(db, recording.session_id)
        await db.commit()
