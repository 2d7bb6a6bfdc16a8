"""The feedback job's body (the spec's `workers.feedback.generate_feedback_report` steps).

The model supplies judgements only (each STAR component's coverage and assessment, the overall
assessment, recommendations); every number in the report is computed with the spec's formulas.
The ReAct agent is tried first; when it gives no valid judgement within its step and time budget,
one schema-constrained generation fed with the tools' outputs writes it instead.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, Field, field_validator
from sqlalchemy.dialects.postgresql import insert

from app.db.models import Feedback, InterviewSession, Recording
from app.schemas.feedback import DeliveryMetrics, FeedbackReport, STARAnalysis
from app.services import delivery_metrics
from app.services.agent import AgentTools, PriorToolCall, run_structured_agent
from app.services.embedding import get_embedding_service
from app.services.job_context import JobContext
from app.services.job_errors import PermanentJobError
from app.services.knowledge_base import excerpt
from app.services.llm import get_llm_provider, without_control_characters
from app.services.prompts import COACH_SYSTEM_PROMPT
from app.services.quotes import verified_quote
from app.services.sentences import finished_sentence, one_sentence
from app.services.session_progress import complete_session_if_done

logger = logging.getLogger(__name__)

# How the model says a STAR component is covered, which the application turns into the spec's points.
# Asked for the points themselves, the 1.5B model gave the sample answer's four well-quoted components
# 5 each (20/100) once in 10 judgements under a question it answers and 6 times in 10 under one it
# answers only in part, beside assessments saying each was described; asked in words, 80-100 and
# 70-100 (README, bench_judgement).
Coverage = Literal["specific", "vague", "barely mentioned", "missing"]
COVERAGE_POINTS: dict[Coverage, int] = {"specific": 25, "vague": 15, "barely mentioned": 5, "missing": 0}
ReportPath = Literal["agent", "fallback"]
# The instructions ask for one sentence, which the report agent, deep in its long context, ignores:
# it has written a paragraph for each recommendation and the same paragraph twice more (250 tokens,
# 25 s on two cores). The schema holds the local model to one sentence of so many characters.
QUOTE_CHARS = 120
REMARK_CHARS = 100
SENTENCE_CHARS = 180
# Asked for, and the fewest the report may carry (the spec allows 5): each further one is some 40
# tokens, 4 s to write.
RECOMMENDATIONS = 3


Remark = Annotated[str, one_sentence(REMARK_CHARS)]
Sentence = Annotated[str, one_sentence(SENTENCE_CHARS)]


class StarComponentJudgement(BaseModel):
    # Asked for first: a model that has to point at the candidate's words before judging them judges
    # the answer, not the knowledge base's example answers sitting in the same prompt.
    quote: str = Field(json_schema_extra={"maxLength": QUOTE_CHARS})
    # Before the assessment: when its points were asked for after it, the 1.5B model wrote the points
    # there ("25") and in the agent's long context never got to words at all.
    coverage: Coverage
    assessment: Remark

    @property
    def points(self) -> int:
        """The spec's 25/15/5/0 for this component."""
        return COVERAGE_POINTS[self.coverage]

    @field_validator("assessment")
    @classmethod
    def assessment_in_words(cls, assessment: str) -> str:
        # The 1.5B model has written its points into the assessment ("25"), which the report would
        # show as the component's whole judgement.
        if not re.search(r"[A-Za-z]{2,}", assessment):
            raise ValueError("the assessment must say in words how the component was covered")
        return assessment


class FeedbackJudgement(BaseModel):
    """What the model decides; the application turns it into the spec's FeedbackReport."""

    situation: StarComponentJudgement
    task: StarComponentJudgement
    action: StarComponentJudgement
    result: StarComponentJudgement
    overall_assessment: Sentence
    recommendations: list[Sentence] = Field(
        min_length=RECOMMENDATIONS, max_length=5, json_schema_extra={"maxItems": RECOMMENDATIONS}
    )

    @property
    def star_quality(self) -> int:
        return self.situation.points + self.task.points + self.action.points + self.result.points


_COVERAGE_WORDS = get_args(Coverage)
_COVERAGE_CHOICES = ", ".join(_COVERAGE_WORDS[:-1]) + f" or {_COVERAGE_WORDS[-1]}"
JUDGEMENT_INSTRUCTIONS = (
    "Judge only what the candidate said in the transcript; never describe anything that is not in it. "
    "For each STAR component (situation, task, action, result): quote the few words of the candidate's "
    "own (at most 12) that show it (empty when they never said it), say how it is covered "
    f"({_COVERAGE_CHOICES}) and judge it in a few words. "
    "Then one sentence of overall assessment, and 3 recommendations for answering better next time: "
    "each one sentence that names what to add, cut or rephrase (quoting the words to change in single "
    "quotes), never something the candidate already did, following the coaching notes. The "
    "application computes every score from your coverage and the measured delivery, so give "
    "judgements, not scores."
)
# Coaching notes are cut to whole sentences: three whole 512-token chunks are some 1,500 prompt tokens
# (about 20 s on 2 cores), and a small model copies their example answers into its judgement.
KNOWLEDGE_PASSAGES = 2
KNOWLEDGE_EXCERPT_CHARS = 500
# The agent reads the sentences of each passage closest to its query (agent.AGENT_PASSAGE_CHARS); the
# best passage carries advice enough for three recommendations.
AGENT_KNOWLEDGE_PASSAGES = 1
METRICS_CALL_ID = "measured-delivery"


def component_text(judgement: StarComponentJudgement, transcript: str) -> str:
    """The assessment, with the candidate's words it rests on when they really are in the answer."""
    assessment = finished_sentence(judgement.assessment, REMARK_CHARS)
    quoted = judgement.quote
    if len(quoted) >= QUOTE_CHARS:
        # Cut by the cap, most likely inside a word, which is not the candidate's.
        quoted = quoted.rsplit(" ", 1)[0]
    quote = verified_quote(quoted, transcript)
    return f'{assessment} You said: "{quote}"' if quote else assessment


def build_report(
    judgement: FeedbackJudgement, metrics: delivery_metrics.RawDeliveryMetrics, transcript: str
) -> FeedbackReport:
    confidence = delivery_metrics.confidence_score(
        metrics.filler_word_count, metrics.total_words, metrics.pace_rating
    )
    delivery = delivery_metrics.delivery_quality(metrics.pace_rating, metrics.filler_word_count)
    overall = delivery_metrics.overall_score(judgement.star_quality, delivery, confidence)
    return FeedbackReport(
        star_analysis=STARAnalysis(
            situation=component_text(judgement.situation, transcript),
            task=component_text(judgement.task, transcript),
            action=component_text(judgement.action, transcript),
            result=component_text(judgement.result, transcript),
            overall_assessment=finished_sentence(judgement.overall_assessment, SENTENCE_CHARS),
        ),
        delivery_metrics=DeliveryMetrics(
            filler_word_count=metrics.filler_word_count,
            words_per_minute=round(metrics.words_per_minute, 2),
            pace_rating=round(metrics.pace_rating, 2),
            confidence_score=round(min(10.0, max(0.0, confidence)), 2),
        ),
        recommendations=[finished_sentence(item, SENTENCE_CHARS) for item in judgement.recommendations],
        overall_score=round(min(100.0, max(0.0, overall)), 2),
        star_quality=float(judgement.star_quality),
        delivery_quality=round(delivery, 2),
    )


def agent_request(question: str, recording_id: uuid.UUID, session_id: uuid.UUID) -> str:
    # The answer itself is not repeated here: the agent reads it as the argument of its delivery
    # measurement, right below, and again in the closing note before it judges (each copy of a
    # minute's answer is some 220 prompt tokens, 3 s on two cores).
    return (
        f"Interview question: {question}\n"
        f"recording_id: {recording_id}\nsession_id: {session_id}\n\n"
        "The candidate's transcribed answer is the transcript whose delivery is measured below. "
        "Call rag_knowledge_search "
        f"(top_k {AGENT_KNOWLEDGE_PASSAGES}) for the coaching advice that applies to this answer's "
        "weakest part, then submit_answer with your "
        f"judgement. {JUDGEMENT_INSTRUCTIONS}"
    )


def closing_note(transcript: str) -> str:
    return (
        "Now submit_answer with your judgement of the candidate's answer, quoted again here; the "
        f'knowledge base\'s examples are not the candidate\'s words.\n"""\n{transcript}\n"""'
    )


def quotes_the_answer(judgement: FeedbackJudgement, transcript: str) -> bool:
    """Whether any STAR component rests on words the candidate said: a judgement that quotes none of
    them was written about something else, typically the knowledge base's example answers."""
    components = (judgement.situation, judgement.task, judgement.action, judgement.result)
    return any(verified_quote(component.quote, transcript) for component in components)


def advice_query(question: str) -> str:
    """Searching with the answer itself finds the guides' example answers on the same topic, which a
    small model then reviews in place of the candidate's: the search asks for advice instead."""
    return f"How to structure a strong STAR answer to the interview question: {question}"


def measured_delivery_call(transcript: str) -> PriorToolCall:
    """The agent starts with the delivery measured: the call's argument is the whole transcript, which
    a small local model copies at ~10 tokens/s (20 s for a minute's answer) and may garble, skewing
    the metrics it then reasons about."""
    return PriorToolCall(METRICS_CALL_ID, "analyze_delivery_metrics", {"transcript": transcript})


def fallback_prompt(
    question: str, transcript: str, measured: dict[str, int | float], knowledge: list[str]
) -> str:
    notes = "\n\n".join(
        f"[{index + 1}] {excerpt(passage, KNOWLEDGE_EXCERPT_CHARS)}"
        for index, passage in enumerate(knowledge[:KNOWLEDGE_PASSAGES])
    )
    # The answer comes last, next to the instructions: a small model judges what it read most recently,
    # and must not mistake the notes' example answers for the candidate's.
    return (
        "## Coaching notes (rag_knowledge_search; general advice, not the candidate's words)\n"
        f"{notes or '(none)'}\n\n"
        "## Measured delivery (analyze_delivery_metrics)\n"
        f"- filler words: {measured['filler_word_count']}\n"
        f"- words per minute: {measured['words_per_minute']} (ideal 140-160)\n"
        f"- pace rating: {measured['pace_rating']}/10\n\n"
        f"## Interview question\n{question}\n\n"
        f'## The candidate\'s answer (transcript)\n"""\n{transcript}\n"""\n\n'
        f"{JUDGEMENT_INSTRUCTIONS}"
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
        request=agent_request(question, recording_id, session_id),
        response_model=FeedbackJudgement,
        prior_calls=(measured_delivery_call(transcript),),
        plan=("rag_knowledge_search",),
        closing_note=closing_note(transcript),
        max_steps=settings.AGENT_MAX_STEPS,
        timeout_seconds=settings.AGENT_TIMEOUT_SECONDS,
    )
    if answer is not None and quotes_the_answer(answer, transcript):
        return answer, "agent"
    if answer is not None:
        logger.info("the agent's judgement quotes nothing the candidate said; the fallback writes it")
    knowledge = await tools.rag_knowledge_search(advice_query(question), KNOWLEDGE_PASSAGES)
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
    report = build_report(judgement, metrics, transcript)
    logger.info(
        "feedback for recording %s written by the %s path (tools used: %s; knowledge passages: %d)",
        recording_id,
        path,
        tools.calls,
        tools.passages_read,
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
