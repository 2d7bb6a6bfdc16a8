"""Files and text built to hurt the API get a 4xx, leave nothing behind, and cost it no memory.

The memory figure is the API process's own (the API runs in this process): its resident size is
sampled while each request runs, and may not grow by more than `FLAT_BYTES` over where it started.
"""

from __future__ import annotations

import io
import json
import os
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import av
import httpx
import numpy as np
import psutil
import pytest
import redis
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import GapAnalysisRecord, InterviewSession, Recording
from app.services.practice import audio as audio_module
from app.services.practice.audio import AudioError, probe_duration_seconds
from app.services.practice.session_progress import complete_session_if_done
from app.services.resumes import documents
from app.services.resumes.documents import TOO_COMPLEX, DocumentError, ReaderLimits, read_in_child
from app.services.storage import ObjectStorage
from tests.conftest import Account
from tests.files import (
    JOB_DESCRIPTION,
    make_docx_bomb,
    make_docx_of_many_parts,
    make_pdf_bomb,
    make_pdf_of_pages,
    make_wav,
)
from tests.server.test_recordings import recording_count, stored_recordings, submit
from tests.server.test_resumes import resume_rows, stored_keys, upload
from tests.server.test_sessions import new_resume, new_session, queued_tasks

FLAT_BYTES = 32 * 1024 * 1024
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@contextmanager
def resident_growth() -> Iterator[Callable[[], int]]:
    """The most this process's resident memory rose above its starting point while the block ran."""
    process = psutil.Process()
    baseline = process.memory_info().rss
    peak = baseline
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, process.memory_info().rss)
            done.wait(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield lambda: peak - baseline
    finally:
        done.set()
        sampler.join()


def mp3_pieces(seconds_each: int, *, xing: bool) -> bytes:
    """`seconds_each` of silence as an 8 kb/s MP3; with `xing` its first frame states that duration."""
    buffer = io.BytesIO()
    options = {"write_xing": "1" if xing else "0", "id3v2_version": "0"}
    with av.open(buffer, "w", format="mp3", options=options) as out:
        stream = out.add_stream("libmp3lame", rate=8000, layout="mono")
        stream.bit_rate = 8000
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, 8000 * seconds_each), dtype=np.int16), format="s16", layout="mono"
        )
        frame.sample_rate = 8000
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    return buffer.getvalue()


def three_hour_mp3() -> bytes:
    # Frames without a header frame join into one stream: 10.9 MB of three hours, like a real 8 kb/s file.
    return mp3_pieces(10, xing=False) * (3 * 360)


@pytest.mark.parametrize(
    ("name", "make", "kind", "message"),
    [
        ("bomb.docx", make_docx_bomb, DOCX, "unpacks to 300 MB"),
        ("parts.docx", lambda: make_docx_of_many_parts(1200), DOCX, "parts; a resume has far fewer"),
        ("pages.pdf", lambda: make_pdf_of_pages(80), "application/pdf", "80 pages"),
        ("bomb.pdf", make_pdf_bomb, "application/pdf", "could not be read"),
    ],
)
async def test_a_hostile_resume_is_a_400_and_costs_the_api_no_memory(
    api: httpx.AsyncClient,
    alice: Account,
    db: AsyncSession,
    storage: ObjectStorage,
    name: str,
    make: Callable[[], bytes],
    kind: str,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    content = make()

    def in_the_api(path: Path, extension: str) -> str:
        raise AssertionError("the resume was read inside the API process")

    # The child process imports its own copy; this one must never run.
    monkeypatch.setattr(documents, "extract_resume_text", in_the_api)
    with resident_growth() as growth:
        response = await upload(api, alice, name, content, kind)
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == "INVALID_INPUT"
    assert message in response.json()["detail"]
    assert growth() < FLAT_BYTES
    assert await resume_rows(db, alice) == 0
    assert stored_keys(storage, alice) == []


async def test_a_reader_over_its_memory_limit_is_stopped_and_reported(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(make_pdf_bomb())
    # pypdf holds well over 100 MB of the bomb before its own 75 MB cap trips; a 200 MB reader cannot.
    with pytest.raises(DocumentError, match="too complex"):
        await read_in_child(
            bomb, ".pdf", ReaderLimits(memory_bytes=200 * 1024 * 1024, cpu_seconds=20, wall_seconds=60)
        )


# Run in the reader's place: answers with the environment it was given.
PRINT_ENVIRONMENT = (
    "import json, os, sys; sys.stdout.write(json.dumps({'text': json.dumps(dict(os.environ))}))"
)


async def test_the_reader_is_given_none_of_the_apis_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JWT_SECRET_KEY", "signing-key-value")
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://ascend:db-password@db/ascend")
    monkeypatch.setenv("S3_SECRET_KEY", "storage-secret")
    monkeypatch.setattr(
        documents, "_module_command", lambda _module: [sys.executable, "-c", PRINT_ENVIRONMENT]
    )
    resume = tmp_path / "resume.pdf"
    resume.write_bytes(make_pdf_of_pages(1))
    limits = ReaderLimits(memory_bytes=512 * 1024 * 1024, cpu_seconds=20, wall_seconds=60)
    seen = json.loads(await read_in_child(resume, ".pdf", limits))
    assert not {"JWT_SECRET_KEY", "DATABASE_URL", "S3_SECRET_KEY"} & seen.keys()
    assert seen["PATH"] == os.environ["PATH"]


async def test_a_reader_over_its_time_is_killed_and_reported(tmp_path: Path) -> None:
    resume = tmp_path / "resume.pdf"
    resume.write_bytes(make_pdf_of_pages(3))
    # No interpreter starts in a millisecond: the wait gives up and the child is killed.
    with pytest.raises(DocumentError) as refused:
        await read_in_child(
            resume, ".pdf", ReaderLimits(memory_bytes=512 * 1024 * 1024, cpu_seconds=20, wall_seconds=0.001)
        )
    assert str(refused.value) == TOO_COMPLEX


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        ("/api/v1/sessions", JOB_DESCRIPTION + "\x00", "control character U+0000"),
        ("/api/v1/sessions", JOB_DESCRIPTION.replace(" ", "\x1b", 1), "control character U+001B"),
        ("/api/v1/sessions", JOB_DESCRIPTION + "\ud800", "not valid Unicode"),
        ("/api/v1/gap-analysis", "\x00" + JOB_DESCRIPTION, "control character U+0000"),
    ],
)
async def test_control_characters_in_json_text_are_a_400(
    api: httpx.AsyncClient,
    alice: Account,
    db: AsyncSession,
    broker: redis.Redis,
    path: str,
    text: str,
    expected: str,
) -> None:
    field = "job_description"
    resume_id = await new_resume(api, alice)
    broker.flushdb()
    # Escaped as JSON allows (\u0000, \ud800), the way a client would send them.
    body = f'{{"resume_id": "{resume_id}", "{field}": {_json_string(text)}}}'
    response = await api.post(
        path, content=body, headers={**alice.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == "INVALID_INPUT"
    assert f"'{field}'" in response.json()["detail"]
    assert expected in response.json()["detail"]
    sessions = await db.scalars(select(InterviewSession).where(InterviewSession.user_id == alice.user.id))
    assert list(sessions) == []
    analyses = await db.scalars(select(GapAnalysisRecord).where(GapAnalysisRecord.user_id == alice.user.id))
    assert list(analyses) == []
    assert queued_tasks(broker) == []


def _json_string(text: str) -> str:
    escaped = "".join(c if " " <= c < "\x7f" and c not in '"\\' else f"\\u{ord(c):04x}" for c in text)
    return f'"{escaped}"'


async def test_tabs_and_line_breaks_are_text_like_any_other(api: httpx.AsyncClient, alice: Account) -> None:
    resume_id = await new_resume(api, alice)
    text = "Requirements:\n\t- Go\r\n\t- Kafka\n" + JOB_DESCRIPTION
    response = await api.post(
        "/api/v1/sessions", json={"resume_id": resume_id, "job_description": text}, headers=alice.headers
    )
    assert response.status_code == 202, response.text


@pytest.mark.parametrize(
    ("question", "filename", "named"),
    [
        ("Tell me about\x00 a migration you led.", "answer.wav", "form field 'question'"),
        ("Tell me about a migration you led.", "ans\x07wer.wav", "file name of 'audio'"),
    ],
)
async def test_control_characters_in_multipart_text_are_a_400(
    api: httpx.AsyncClient,
    alice: Account,
    db: AsyncSession,
    storage: ObjectStorage,
    broker: redis.Redis,
    question: str,
    filename: str,
    named: str,
) -> None:
    session_id = await new_session(api, alice)
    broker.flushdb()
    # Written by hand: httpx would percent-encode a control character in a file name.
    boundary = "hostile-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="question"\r\n\r\n{question}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="audio"; filename="{filename}"\r\n'
            "Content-Type: audio/wav\r\n\r\n"
        ).encode()
        + make_wav(1.0)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = await api.post(
        f"/api/v1/sessions/{session_id}/recordings",
        content=body,
        headers={**alice.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 400, response.text
    assert named in response.json()["detail"]
    assert await recording_count(db, session_id) == 0
    assert stored_recordings(storage, alice) == []
    assert queued_tasks(broker) == []


async def test_a_three_hour_answer_is_refused_at_upload_from_its_header(
    api: httpx.AsyncClient,
    alice: Account,
    db: AsyncSession,
    storage: ObjectStorage,
    broker: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session_id = await new_session(api, alice)
    broker.flushdb()
    audio = three_hour_mp3()

    def decoding(*args: object) -> float:
        raise AssertionError("the header should have refused it before decoding")

    monkeypatch.setattr(audio_module, "_decoded_duration", decoding)
    with resident_growth() as growth:
        response = await submit(api, alice, session_id, audio, name="answer.mp3")
    assert response.status_code == 400, response.text
    assert "longer than 15 minutes" in response.json()["detail"]
    assert growth() < FLAT_BYTES
    assert await recording_count(db, session_id) == 0
    assert stored_recordings(storage, alice) == []
    assert queued_tasks(broker) == []


def test_an_answer_whose_header_understates_it_is_stopped_while_decoding(tmp_path: Path) -> None:
    # The first piece's header frame says 10 s; three pieces follow each other: 30 s in all.
    audio = tmp_path / "answer.mp3"
    audio.write_bytes(mp3_pieces(10, xing=True) + mp3_pieces(10, xing=False) * 2)
    with pytest.raises(AudioError, match=r"longer than 0\.333333 minutes"):
        probe_duration_seconds(audio, ".mp3", max_seconds=20)
    assert probe_duration_seconds(audio, ".mp3", max_seconds=40) == pytest.approx(30, abs=0.5)


async def test_an_answer_to_a_session_whose_questions_failed_leaves_it_failed_once_done(
    api: httpx.AsyncClient, alice: Account, db: AsyncSession
) -> None:
    session_id = await new_session(api, alice)
    reason = "The language model did not answer"
    await db.execute(
        update(InterviewSession)
        .where(InterviewSession.id == uuid.UUID(session_id))
        .values(status="failed", failure_reason=reason)
    )
    await db.commit()
    # The candidate answers a question of their own meanwhile.
    response = await submit(api, alice, session_id, make_wav(1.0))
    assert response.status_code == 202, response.text
    status = await api.get(f"/api/v1/sessions/{session_id}", headers=alice.headers)
    assert status.json()["status"] == "processing"

    recording = await db.get(Recording, uuid.UUID(response.json()["recording_id"]))
    assert recording is not None
    recording.feedback_status = "complete"
    await db.flush()
    await complete_session_if_done(db, uuid.UUID(session_id))
    await db.commit()
    status = await api.get(f"/api/v1/sessions/{session_id}", headers=alice.headers)
    assert (status.json()["status"], status.json()["failure_reason"]) == ("failed", reason)
