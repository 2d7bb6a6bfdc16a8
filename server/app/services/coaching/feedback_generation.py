"""The feedback job's body (the spec's `workers.feedback.generate_feedback_report` steps).

The spec's ReAct agent reads the answer and decides what a small model can decide reliably and code
can check: a STAR letter per sentence and whether the answer addresses the question. The report is
composed by code from that and from evidence it measures itself (the rest of this package): every quote is
the candidate's sentence, every number is computed with the spec's formulas, and no advice states a
fact the candidate did not give. When the agent gives no usable reading, the evidence alone decides.
"""

from __future__ import annotations

import logging
import uuid
from typing import Literal

from sqlalchemy.dialects.postgresql import insert

from app.db.models import Feedback, InterviewSession, Recording
from app.services.agent import AgentTools, PriorToolCall, run_structured_agent
from app.services.coaching import delivery_metrics
from app.services.coaching.judge import judge_answer
from app.services.coaching.reading import AnswerReading, model_labels, reading_request
from app.services.coaching.report import build_report
from app.services.coaching.transcript import Unit, split_units
from app.services.jobs.errors import PermanentJobError
from app.services.llm import without_control_characters
from app.services.ownership import owned_resume_text
from app.services.practice.session_progress import complete_session_if_done
from app.services.prompts import COACH_SYSTEM_PROMPT
from app.services.resources import Resources

logger = logging.getLogger(__name__)

ReportPath = Literal["agent", "fallback"]
METRICS_CALL_ID = "measured-delivery"
# Knowledge-base passages searched per recommendation; the tip is their one sentence closest to it.
TIP_PASSAGES = 2


def measured_delivery_call(transcript: str) -> PriorToolCall:
    """The agent starts with the delivery measured: the call's argument is the whole transcript, which
    a small local model would copy slowly and may garble."""
    return PriorToolCall(METRICS_CALL_ID, "analyze_delivery_metrics", {"transcript": transcript})


async def read_answer(
    context: Resources,
    tools: AgentTools,
    question: str,
    transcript: str,
    units: list[Unit],
    recording_id: uuid.UUID,
    session_id: uuid.UUID,
) -> AnswerReading | None:
    settings = context.settings
    return await run_structured_agent(
        settings,
        tools,
        system_prompt=COACH_SYSTEM_PROMPT,
        request=reading_request(question, units, recording_id, session_id),
        response_model=AnswerReading,
        prior_calls=(measured_delivery_call(transcript),),
        plan=(),
        max_steps=settings.AGENT_MAX_STEPS,
        timeout_seconds=settings.AGENT_TIMEOUT_SECONDS,
    )


async def generate_feedback(context: Resources, recording_id: uuid.UUID) -> None:
    async with context.session_factory() as db:
        recording = await db.get(Recording, recording_id)
        if recording is None:
            logger.info("recording %s no longer exists; no feedback to write", recording_id)
            return
        if recording.feedback_status in ("complete", "failed"):
            return
        session = await db.get(InterviewSession, recording.session_id)
        if session is None:
            return
        transcript = (recording.transcript or "").strip()
        question = recording.question_text
        duration = recording.audio_duration_seconds
        user_id = session.user_id
        session_id = session.id
        resume_text = await owned_resume_text(db, user_id, session.resume_id)

    metrics = delivery_metrics.analyze(transcript, duration)
    units = split_units(transcript)
    if metrics.total_words == 0 or not units:
        raise PermanentJobError("No speech was detected in the recording; record the answer again")
    embeddings = context.embeddings
    tools = AgentTools(
        session_factory=context.session_factory,
        embeddings=embeddings,
        user_id=user_id,
        audio_duration_seconds=duration,
    )
    reading = await read_answer(context, tools, question, transcript, units, recording_id, session_id)
    path: ReportPath = "agent" if model_labels(reading, units) is not None else "fallback"

    async def search(query: str) -> list[str]:
        return await tools.rag_knowledge_search(query, TIP_PASSAGES)

    judgement = await judge_answer(
        question, transcript, units, metrics, embeddings, search, reading=reading, resume_text=resume_text
    )
    report = build_report(judgement, metrics)
    logger.info(
        "feedback for recording %s written by the %s path (the agent's reading %s; tools used: %s)",
        recording_id,
        path,
        "used" if path == "agent" else "not usable",
        tools.calls,
    )

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
