"""The question-generation job's body (the spec's `workers.session.generate_interview_questions`).

The session's gap analysis is written first, so the questions can probe the gaps it finds. The
ReAct agent writes the questions; when it gives no usable set within its budget, one
schema-constrained generation does.
"""

from __future__ import annotations

import logging
import uuid
from typing import Annotated

from pydantic import BaseModel, Field

from app.db.models import InterviewSession
from app.schemas.gap_analysis import GapAnalysis
from app.services.agent import AgentTools, PriorToolCall, run_structured_agent
from app.services.gap_analysis.analyzer import GapAnalyzer
from app.services.jobs.errors import PermanentJobError
from app.services.llm.sentences import finished_sentence, one_sentence
from app.services.ownership import owned_resume_text
from app.services.practice.session_progress import complete_session_if_done
from app.services.prompts import QUESTION_WRITER_SYSTEM_PROMPT
from app.services.resources import Resources

logger = logging.getLogger(__name__)

MIN_QUESTIONS = 5
MAX_QUESTIONS = 8
MIN_QUESTION_WORDS = 6
MAX_PROMPT_SECTION_CHARS = 6000
# A small model left to itself writes "What is your experience with Kafka?", which invites a list of
# tools, not a story. Naming the openings instead ("Tell me about a time") made the 0.5B model answer
# with the bare openings themselves, so the form is described, not quoted.
BEHAVIOURAL_FORM = (
    "Each question asks the candidate to tell the story of one real past experience, tied to a "
    "requirement of this job, that they can answer with a STAR story (situation, task, action, "
    "result). Never ask for a definition, an opinion, a list of tools or what the job involves. "
    # Without it a small model adds a second sentence of instructions no interviewer would say.
    "Each question is one sentence of at most 25 words."
)


# A 25-word question, as BEHAVIOURAL_FORM asks; the local model's grammar ends it there or at its
# question mark (see `sentences`).
QUESTION_CHARS = 170


class QuestionSet(BaseModel):
    # One more than the spec's fewest, a spare for a near-repeat: more only buys slow near-repeats
    # (docs/embedded-stack.md#why-these-limits).
    questions: list[Annotated[str, one_sentence(QUESTION_CHARS, endings=".?")]] = Field(
        min_length=MIN_QUESTIONS,
        max_length=MAX_QUESTIONS,
        json_schema_extra={"maxItems": MIN_QUESTIONS + 1},
    )


def distinct_questions(candidates: list[str]) -> list[str]:
    """Trimmed, de-duplicated (ignoring case and punctuation) questions, at most eight; a fragment
    ("Tell me about a time", "Why?") is no question."""
    seen: set[str] = set()
    kept: list[str] = []
    for candidate in candidates:
        question = finished_sentence(candidate, QUESTION_CHARS, ending="?").strip(" -*\"'")
        fingerprint = "".join(ch for ch in question.lower() if ch.isalnum())
        if len(question.split()) < MIN_QUESTION_WORDS or fingerprint in seen:
            continue
        seen.add(fingerprint)
        # "Walk me through how you did it." is a prompt already; only a bare clause needs the mark.
        kept.append(question if question.endswith(("?", ".")) else f"{question}?")
    return kept[:MAX_QUESTIONS]


def gaps_section(analysis: GapAnalysis) -> str:
    lines = [
        f"- {item.requirement}: {item.status}" + (f' (resume: "{item.evidence}")' if item.evidence else "")
        for item in analysis.requirements
    ]
    return "\n".join(lines) or "(no requirements found)"


def build_prompt(resume_text: str, job_description: str, analysis: GapAnalysis) -> str:
    return (
        f"Write between {MIN_QUESTIONS} and {MAX_QUESTIONS} distinct behavioural interview questions "
        f"for this candidate and this job. At least two must probe requirements marked missing or partial. "
        f"{BEHAVIOURAL_FORM}\n\n"
        f"## Job description\n{job_description[:MAX_PROMPT_SECTION_CHARS]}\n\n"
        f"## Candidate's resume\n{resume_text[:MAX_PROMPT_SECTION_CHARS]}\n\n"
        f"## Gap analysis (match {analysis.match_score:.0f}%)\n{gaps_section(analysis)}\n\n"
        'Answer with a JSON object: {"questions": ["...", "..."]}.'
    )


def agent_request(analysis: GapAnalysis) -> str:
    return (
        "The candidate's resume and the job description are read below. Write between "
        f"{MIN_QUESTIONS} and {MAX_QUESTIONS} distinct behavioural interview questions for this "
        "candidate, at least two probing these gaps:\n"
        f"{gaps_section(analysis)}\n\n{BEHAVIOURAL_FORM} Then submit_answer with the questions."
    )


def reading_calls(session_id: uuid.UUID, resume_id: uuid.UUID) -> tuple[PriorToolCall, ...]:
    """The agent starts with the resume and the job description read: their ids are the application's,
    and a small model copying a UUID into a call only risks a typo that reads as "(not found)"."""
    return (
        PriorToolCall("read-resume", "get_resume_text", {"resume_id": str(resume_id)}),
        PriorToolCall("read-job-description", "get_job_description_text", {"session_id": str(session_id)}),
    )


async def analyze_gaps(
    context: Resources, tools: AgentTools, resume_text: str, job_description: str
) -> GapAnalysis:
    analyzer = GapAnalyzer(context.llm, context.embeddings)
    return await analyzer.analyze(resume_text, job_description)


async def write_questions(
    context: Resources,
    tools: AgentTools,
    session_id: uuid.UUID,
    resume_id: uuid.UUID,
    prompt: str,
    analysis: GapAnalysis,
) -> list[str]:
    settings = context.settings
    answer = await run_structured_agent(
        settings,
        tools,
        system_prompt=QUESTION_WRITER_SYSTEM_PROMPT,
        request=agent_request(analysis),
        response_model=QuestionSet,
        prior_calls=reading_calls(session_id, resume_id),
        plan=(),
        max_steps=settings.AGENT_MAX_STEPS,
        timeout_seconds=settings.AGENT_TIMEOUT_SECONDS,
    )
    # Every attempt's distinct questions are pooled: a small model often repeats one question within
    # a set, and three sets of three different questions still make an interview.
    pooled = distinct_questions(answer.questions) if answer is not None else []
    if len(pooled) >= MIN_QUESTIONS:
        logger.info("questions for session %s written by the agent path", session_id)
        return pooled
    provider = context.llm
    for _attempt in range(2):
        fallback = await provider.generate_structured_response(
            prompt, QuestionSet, system_prompt=QUESTION_WRITER_SYSTEM_PROMPT, temperature=0.4
        )
        pooled = distinct_questions(pooled + fallback.questions)
        if len(pooled) >= MIN_QUESTIONS:
            logger.info("questions for session %s written by the fallback path", session_id)
            return pooled
        logger.info("session %s: %d distinct questions so far", session_id, len(pooled))
    raise PermanentJobError("The model could not write enough distinct questions; try again")


async def generate_questions(context: Resources, session_id: uuid.UUID) -> None:
    async with context.session_factory() as db:
        session = await db.get(InterviewSession, session_id)
        if session is None:
            logger.info("session %s no longer exists; no questions to write", session_id)
            return
        if session.generated_questions:
            return
        resume_id, user_id = session.resume_id, session.user_id
        resume_text = await owned_resume_text(db, user_id, resume_id)
        if resume_id is None or not resume_text:
            raise PermanentJobError("The session's resume was deleted; start a new session")
        job_description = session.job_description
        stored_analysis = session.gap_analysis

    tools = AgentTools(
        session_factory=context.session_factory,
        embeddings=context.embeddings,
        user_id=user_id,
    )
    if stored_analysis is None:
        analysis = await analyze_gaps(context, tools, resume_text, job_description)
        async with context.session_factory() as db:
            session = await db.get(InterviewSession, session_id, with_for_update=True)
            if session is None:
                return
            # Committed on its own: a retry of the questions does not redo the analysis.
            session.gap_analysis = analysis.model_dump(mode="json")
            await db.commit()
    else:
        analysis = GapAnalysis.model_validate(stored_analysis)

    questions = await write_questions(
        context, tools, session_id, resume_id, build_prompt(resume_text, job_description, analysis), analysis
    )
    async with context.session_factory() as db:
        session = await db.get(InterviewSession, session_id, with_for_update=True)
        if session is None:
            return
        session.generated_questions = questions
        await db.flush()
        await complete_session_if_done(db, session_id)
        await db.commit()
