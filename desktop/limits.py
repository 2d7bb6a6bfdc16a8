"""The server's upload limits, checked before a byte is sent so the candidate hears about them at once.

Every value comes from the server's schemas (app.schemas.limits), none is restated here.
"""

from __future__ import annotations

from pathlib import Path

from app.schemas import limits

MEGABYTE = 1024 * 1024
# Server settings the API does not report: a deployment that changes them is checked against the defaults.
MAX_RESUME_MB = limits.DEFAULT_MAX_RESUME_FILE_SIZE_MB
MAX_RESUME_BYTES = MAX_RESUME_MB * MEGABYTE
RESUME_EXTENSIONS = limits.DEFAULT_RESUME_EXTENSIONS
MAX_AUDIO_BYTES = limits.DEFAULT_MAX_AUDIO_FILE_SIZE_MB * MEGABYTE
AUDIO_EXTENSIONS = limits.DEFAULT_AUDIO_EXTENSIONS
MAX_ANSWER_SECONDS = limits.DEFAULT_MAX_ANSWER_MINUTES * 60
# Fixed by the API.
JOB_DESCRIPTION_MIN_CHARS = limits.JOB_DESCRIPTION_MIN_CHARS
JOB_DESCRIPTION_MAX_CHARS = limits.JOB_DESCRIPTION_MAX_CHARS
QUESTION_MAX_CHARS = limits.MAX_QUESTION_LENGTH


def _megabytes(size: int) -> str:
    return f"{size / MEGABYTE:.1f} MB"


def resume_problem(path: Path, size: int) -> str | None:
    """Why this file can't be uploaded as a resume, or None when it can."""
    if path.suffix.lower() not in RESUME_EXTENSIONS:
        return f"“{path.name}” isn't a PDF or Word (.docx) file. Save your resume in one of those formats."
    if size == 0:
        return f"“{path.name}” is empty."
    if size > MAX_RESUME_BYTES:
        return f"“{path.name}” is {_megabytes(size)}; resumes can be at most {_megabytes(MAX_RESUME_BYTES)}."
    return None


def job_description_problem(text: str) -> str | None:
    length = len(text.strip())
    if length < JOB_DESCRIPTION_MIN_CHARS:
        return (
            f"Paste a little more of the job description: at least {JOB_DESCRIPTION_MIN_CHARS} "
            f"characters (now {length})."
        )
    if length > JOB_DESCRIPTION_MAX_CHARS:
        return (
            f"The job description is {length} characters; the limit is {JOB_DESCRIPTION_MAX_CHARS}. "
            "Keep the responsibilities and requirements and trim the rest."
        )
    return None


def question_problem(text: str) -> str | None:
    cleaned = " ".join(text.split())
    if not cleaned:
        return "Write the question you want to answer first."
    if len(cleaned) > QUESTION_MAX_CHARS:
        return f"Questions can be at most {QUESTION_MAX_CHARS} characters (this one has {len(cleaned)})."
    return None


def audio_problem(path: Path, size: int) -> str | None:
    if path.suffix.lower() not in AUDIO_EXTENSIONS:
        return f"“{path.name}” isn't an audio format the server accepts."
    if size > MAX_AUDIO_BYTES:
        return f"This recording is {_megabytes(size)}; answers can be at most {_megabytes(MAX_AUDIO_BYTES)}."
    return None
