from __future__ import annotations

from pathlib import Path

import pytest

from app.schemas.user import UserCreate
from bundled_services.local_user import local_identity
from desktop.connection.embedded import read_env_file
from desktop.limits import (
    MAX_RESUME_BYTES,
    audio_problem,
    job_description_problem,
    question_problem,
    resume_problem,
)
from desktop.report import highlighted_transcript
from desktop.text_analysis import filler_spans, pace_verdict


def fillers(text: str) -> list[str]:
    return [text[start:end] for start, end in filler_spans(text)]


def test_every_filler_is_found_case_insensitively_and_phrases_count_once() -> None:
    text = "Um, I was LIKE, you know, sort of unsure. Uh, it was kind of hard."
    assert fillers(text) == ["Um", "LIKE", "you know", "sort of", "Uh", "kind of"]


def test_words_that_merely_contain_a_filler_are_not_fillers() -> None:
    assert fillers("I liked the umbrella; a likely outcome; you knowingly sorted it.") == []


def test_a_phrase_split_by_punctuation_is_still_one_filler_like_the_server_counts_it() -> None:
    assert fillers("you, know") == ["you, know"]


def test_highlighting_escapes_the_transcript_and_marks_each_filler() -> None:
    html = highlighted_transcript("um <b>bold</b> & you know")
    assert "&lt;b&gt;" in html
    assert "&amp;" in html
    assert html.count("<span") == 2


@pytest.mark.parametrize(
    ("wpm", "expected"),
    [
        (150, "Inside the ideal"),
        (140, "Inside the ideal"),
        (120, "20 WPM slower"),
        (175, "15 WPM faster"),
        (0, "No speech"),
    ],
)
def test_pace_is_judged_against_the_140_to_160_band(wpm: float, expected: str) -> None:
    assert pace_verdict(wpm).startswith(expected)


def test_resume_limits_match_the_servers() -> None:
    assert resume_problem(Path("cv.pdf"), 1000) is None
    assert resume_problem(Path("cv.DOCX"), MAX_RESUME_BYTES) is None
    assert "PDF or Word" in (resume_problem(Path("cv.txt"), 1000) or "")
    assert "at most 5.0 MB" in (resume_problem(Path("cv.pdf"), MAX_RESUME_BYTES + 1) or "")
    assert "empty" in (resume_problem(Path("cv.pdf"), 0) or "")


def test_job_description_must_be_50_to_5000_characters() -> None:
    assert "at least 50" in (job_description_problem("x" * 49) or "")
    assert job_description_problem("x" * 50) is None
    assert job_description_problem("x" * 5000) is None
    assert "limit is 5000" in (job_description_problem("x" * 5001) or "")
    assert "at least 50" in (job_description_problem("   " + "x" * 10 + " " * 60) or "")


def test_question_and_audio_limits() -> None:
    assert question_problem("   ") is not None
    assert question_problem("Why us?") is None
    assert "1000" in (question_problem("w " * 600) or "")
    assert audio_problem(Path("a.wav"), 10) is None
    assert audio_problem(Path("a.ogg"), 10) is not None
    assert "at most 50.0 MB" in (audio_problem(Path("a.wav"), 51 * 1024 * 1024) or "")


def test_the_local_identity_is_a_valid_account_email() -> None:
    email, name = local_identity()
    assert UserCreate(email=email, name=name).email == email
    assert name


def test_the_server_env_file_is_read_as_key_value_lines(tmp_path: Path) -> None:
    env = tmp_path / "server.env"
    env.write_text("DATABASE_URL=postgresql+asyncpg://a:b@127.0.0.1:5/x?ssl=off\n\nNEXTAUTH_SECRET=a=b=c\n")
    assert read_env_file(env) == {
        "DATABASE_URL": "postgresql+asyncpg://a:b@127.0.0.1:5/x?ssl=off",
        "NEXTAUTH_SECRET": "a=b=c",
    }
