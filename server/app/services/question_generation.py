"""The question-generation job's body (the spec's `workers.session.generate_interview_questions`)."""

from __future__ import annotations

import logging
import uuid

from pydantic import BaseModel, Field

from app.db.models import InterviewSession, Resume
from app.services.job_context import JobContext
from app.services.job_errors import PermanentJobError
from app.services.llm import get_llm_provider
from app.services.prompts import QUESTION_WRITER_SYSTEM_PROMPT
from app.services.session_progress import complete_session_if_done

logger = logging.getLogger(__name__)

MIN_QUESTIONS = 5
MAX_QUESTIONS = 8
MAX_PROMPT_SECTION_CHARS = 6000


class QuestionSet(BaseModel):
    questions: list[str] = Field(min_length=MIN_QUESTIONS, max_length=MAX_QUESTIONS)


def distinct_questions(candidates: list[str]) -> list[str]:
    """Trimmed, de-duplicated (ignoring case and punctuation) questions, at most eight."""
    seen: set[str] = set()
    kept: list[str] = []
    for candidate in candidates:
        question = " ".join(candidate.split()).strip(" -*\"'")
        fingerprint = "".join(ch for ch in question.lower() if ch.isalnum())
        if len(fingerprint) < 10 or fingerprint in seen:
            continue
        seen.add(fingerprint)
        kept.append(question if question.endswith("?") else f"{question}?")
    return kept[:MAX_QUESTIONS]


def build_prompt(resume_text: str, job_description: str) -> str:
    return (
        f"Write between {MIN_QUESTIONS} and {MAX_QUESTIONS} distinct behavioural interview questions "
        "for this candidate and this job.\n\n"
        f"## Job description\n{job_description[:MAX_PROMPT_SECTION_CHARS]}\n\n"
        f"## Candidate's resume\n{resume_text[:MAX_PROMPT_SECTION_CHARS]}\n\n"
        'Answer with a JSON object: {"questions": ["...", "..."]}.'
    )


async def generate_questions(context: JobContext, session_id: uuid.UUID) -> None:
    async with context.session_factory() as db:
        interview = await db.get(InterviewSession, session_id)
        if interview is None:
            logger.info("session %s no longer exists; no questions to write", session_id)
            return
        if interview.generated_questions:
            return
        resume = await db.get(Resume, interview.resume_id) if interview.resume_id else None
        if resume is None or not resume.parsed_text:
            raise PermanentJobError("The session's resume was deleted; start a new session")
        prompt = build_prompt(resume.parsed_text, interview.job_description)

    provider = get_llm_provider(context.settings)
    questions: list[str] = []
    for _attempt in range(2):
        answer = await provider.generate_structured_response(
            prompt, QuestionSet, system_prompt=QUESTION_WRITER_SYSTEM_PROMPT, temperature=0.4
        )
        questions = distinct_questions(answer.questions)
        if len(questions) >= MIN_QUESTIONS:
            break
    else:
        raise PermanentJobError("The model could not write enough distinct questions; try again")

    async with context.session_factory() as db:
        interview = await db.get(InterviewSession, session_id, with_for_update=True)
        if interview is None:
            return
        interview.generated_questions = questions
        await db.flush()
        await complete_session_if_done(db, session_id)
        await db.commit()
