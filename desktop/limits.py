"""The server's upload limits, checked before a byte is sent so the candidate hears about them at once."""

from __future__ import annotations

from pathlib import Path

from app.schemas.recording import MAX_QUESTION_LENGTH

MEGABYTE = 1024 * 1024
MAX_RESUME_BYTES = 5 * MEGABYTE
RESUME_EXTENSIONS = (".pdf", ".docx")
MAX_AUDIO_BYTES = 50 * MEGABYTE
AUDIO_EXTENSIONS = (".wav", ".mp3", ".m4a", ".webm")
JOB_DESCRIPTION_MIN_CHARS = 50
JOB_DESCRIPTION_MAX_CHARS = 5000
QUESTION_MAX_CHARS = MAX_QUESTION_LENGTH


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
