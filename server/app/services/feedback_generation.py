"""The feedback job's body (the spec's `workers.feedback.generate_feedback_report` steps).

The model supplies judgements only (each STAR component's assessment and points, the overall
assessment, recommendations); every number in the report is computed with the spec's formulas.
The ReAct agent is tried first; when it gives no valid judgement within its step and time budget,
one schema-constrained generation fed with the tools' outputs writes it instead.
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
from app.services.agent import AgentTools, run_structured_agent
from app.services.embedding import get_embedding_service
from app.services.job_context import JobContext
from app.services.job_errors import PermanentJobError
from app.services.llm import get_llm_provider, without_control_characters
from app.services.prompts import COACH_SYSTEM_PROMPT
from app.services.session_progress import complete_session_if_done

logger = logging.getLogger(__name__)

StarPoints = Literal[25, 15, 5, 0]
ReportPath = Literal["agent", "fallback"]


class StarComponentJudgement(BaseModel):
    assessment: str = Field(min_length=1)
    points: StarPoints


class FeedbackJudgement(BaseModel):
    """What the model decides; the application turns it into the spec's FeedbackReport."""

    situation: StarComponentJudgement
    task: StarComponentJudgement
    action: StarComponentJudgement
    result: StarComponentJudgement
    overall_assessment: str = Field(min_length=1)
    recommendations: list[str] = Field(min_length=3, max_length=5)

    @property
    def star_quality(self) -> int:
        return self.situation.points + self.task.points + self.action.points + self.result.points


JUDGEMENT_INSTRUCTIONS = (
    "Judge each STAR component: a specific assessment that quotes the answer, and points: 25 fully "
    "present and detailed, 15 present but vague, 5 mentioned but insufficient, 0 missing. Then an overall "
    "assessment, and 3 to 5 specific, actionable recommendations that quote the transcript and draw on the "
    "knowledge base. The application computes every score of the FeedbackReport from your points and the "
    "measured delivery metrics, so give judgements, not scores."
)


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


def agent_request(question: str, transcript: str, recording_id: uuid.UUID, session_id: uuid.UUID) -> str:
    return (
        f"Interview question: {question}\n"
        f"recording_id: {recording_id}\nsession_id: {session_id}\n\n"
        f"Candidate's transcribed answer:\n{transcript}\n\n"
        "Call analyze_delivery_metrics on the transcript and rag_knowledge_search for best practices "
        f"that apply, then submit_answer with your judgement. {JUDGEMENT_INSTRUCTIONS}"
    )


def fallback_prompt(
    question: str, transcript: str, measured: dict[str, int | float], knowledge: list[str]
) -> str:
    passages = "\n\n".join(f"[{index + 1}] {passage}" for index, passage in enumerate(knowledge)) or "(none)"
    return (
        f"## Interview question\n{question}\n\n"
        f"## Candidate's transcribed answer\n{transcript}\n\n"
        "## Delivery metrics (analyze_delivery_metrics)\n"
        f"- filler words: {measured['filler_word_count']}\n"
        f"- words per minute: {measured['words_per_minute']} (ideal 140-160)\n"
        f"- pace rating: {measured['pace_rating']}/10\n\n"
        f"## Best practices (rag_knowledge_search)\n{passages}\n\n"
        f"{JUDGEMENT_INSTRUCTIONS}\n"
        "Answer with a JSON object with the keys situation, task, action, result (each "
        '{"assessment": "...", "points": 25|15|5|0}), overall_assessment, recommendations.'
    )


async def judge_answer(
    context: JobContext,
    tools: AgentTools,
    question: str,
    transcript: str,
    recording_id: uuid.UUID,
    session_id: uuid.UUID,
) -> tuple[FeedbackJudgement, ReportPath]:
    settings = context.settings
    answer = await run_structured_agent(
        settings,
        tools,
        system_prompt=COACH_SYSTEM_PROMPT,
        request=agent_request(question, transcript, recording_id, session_id),
        response_model=FeedbackJudgement,
        plan=("analyze_delivery_metrics", "rag_knowledge_search"),
        max_steps=settings.AGENT_MAX_STEPS,
        timeout_seconds=settings.AGENT_TIMEOUT_SECONDS,
    )
    if answer is not None:
        return answer, "agent"
    knowledge = await tools.rag_knowledge_search(f"{question} {transcript[:400]}", 3)
    measured = await tools.analyze_delivery_metrics(transcript)
    judgement = await get_llm_provider(settings).generate_structured_response(
        fallback_prompt(question, transcript, measured, knowledge),
        FeedbackJudgement,
        system_prompt=COACH_SYSTEM_PROMPT,
        temperature=0.3,
    )
    return judgement, "fallback"


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
        user_id = interview.user_id
        session_id = interview.id

    metrics = delivery_metrics.analyze(transcript, duration)
    if metrics.total_words == 0:
        raise PermanentJobError("No speech was detected in the recording; record the answer again")
    tools = AgentTools(
        session_factory=context.session_factory,
        embeddings=get_embedding_service(context.settings),
        user_id=user_id,
        audio_duration_seconds=duration,
    )
    judgement, path = await judge_answer(context, tools, question, transcript, recording_id, session_id)
    report = build_report(judgement, metrics)
    logger.info(
        "feedback for recording %s written by the %s path (tools used: %s)", recording_id, path, tools.calls
    )

    # The agent's answer reaches here through LangChain's tool call, not validate_output: clean it too.
    values = {"report": without_control_characters(report.model_dump(mode="json")), "generated_by": path}
    async with context.session_factory() as db:
        await db.execute(
            insert(Feedback)
            .values(recording_id=recording_id, **values)
            .on_conflict_do_update(index_elements=[Feedback.recording_id], set_=values)
        )
        recording = await db.get(Recording, recording_id, with_for_update=True)
        if recording is None:
            return
        recording.feedback_status = "complete"
        recording.failure_reason = None
        await db.flush()
        await complete_session_if_done(db, recording.session_id)
        await db.commit()
