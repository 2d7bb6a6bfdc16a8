"""The typed client's parsing of the API contract's answers, and the sentences errors become."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest

from desktop.api.client import ApiClient
from desktop.api.errors import ApiError, TaskCancelledError, describe

BASE = "http://127.0.0.1:1/api/v1"


def client_answering(handler: httpx.MockTransport) -> ApiClient:
    return ApiClient(BASE, "token-123", transport=handler)


def test_requests_carry_the_bearer_token_and_parse_the_schemas() -> None:
    session_id = uuid.uuid4()

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer token-123"
        assert request.url.path == f"/api/v1/sessions/{session_id}"
        return httpx.Response(
            200,
            json={
                "session_id": str(session_id),
                "status": "failed",
                "results": [],
                "generated_questions": [],
                "failure_reason": "No model",
            },
        )

    status = client_answering(httpx.MockTransport(answer)).session(session_id)
    assert status.status == "failed"
    assert status.failure_reason == "No model"


@pytest.mark.parametrize(
    ("response", "code", "sentence"),
    [
        (
            httpx.Response(
                400, json={"detail": "The question must not be empty", "error_code": "INVALID_INPUT"}
            ),
            "INVALID_INPUT",
            "The question must not be empty.",
        ),
        (
            httpx.Response(401, json={"detail": "Invalid or expired token", "error_code": "UNAUTHORIZED"}),
            "UNAUTHORIZED",
            "Sign in again from Settings.",
        ),
        (
            httpx.Response(404, json={"detail": "Session not found", "error_code": "NOT_FOUND"}),
            "NOT_FOUND",
            "Session not found. It may have been deleted.",
        ),
        (
            httpx.Response(413, json={"detail": "File exceeds size limit", "error_code": "FILE_TOO_LARGE"}),
            "FILE_TOO_LARGE",
            "Choose a smaller file.",
        ),
        (
            httpx.Response(
                422, json={"detail": [{"loc": ["body", "job_description"], "msg": "too short", "type": "x"}]}
            ),
            "VALIDATION_ERROR",
            "Too short.",
        ),
        (httpx.Response(502, text="<html>Bad gateway</html>"), None, "couldn't recover"),
    ],
)
def test_error_responses_become_sentences(response: httpx.Response, code: str | None, sentence: str) -> None:
    client = client_answering(httpx.MockTransport(lambda _request: response))
    with pytest.raises(ApiError) as caught:
        client.recordings()
    assert caught.value.error_code == code
    assert sentence in describe(caught.value)


def test_an_unreachable_server_is_explained_without_jargon() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(httpx.ConnectError) as caught:
        client_answering(httpx.MockTransport(refuse)).sessions()
    message = describe(caught.value)
    assert "can't reach its server" in message
    assert "ConnectError" not in message


def test_a_gap_analysis_of_a_deleted_resume_is_explained() -> None:
    resume_id = uuid.uuid4()

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/gap-analysis"
        assert json.loads(request.content) == {"resume_id": str(resume_id), "job_description": "x" * 60}
        return httpx.Response(404, json={"detail": "Resume not found", "error_code": "NOT_FOUND"})

    with pytest.raises(ApiError) as caught:
        client_answering(httpx.MockTransport(answer)).start_gap_analysis(resume_id, "x" * 60)
    assert describe(caught.value) == "Resume not found. It may have been deleted."


def test_uploads_report_progress_and_send_the_form_fields(tmp_path: Path) -> None:
    audio = tmp_path / "answer.wav"
    audio.write_bytes(b"RIFF" + bytes(300_000))
    recording_id = uuid.uuid4()

    def accept(request: httpx.Request) -> httpx.Response:
        body = request.read()
        assert b'name="question"' in body
        assert b"Why this job?" in body
        assert b'filename="answer.wav"' in body
        return httpx.Response(202, json={"recording_id": str(recording_id), "status": "processing"})

    seen: list[tuple[int, int]] = []
    response = client_answering(httpx.MockTransport(accept)).submit_recording(
        uuid.uuid4(), "Why this job?", audio, lambda done, total: seen.append((done, total))
    )
    assert response.recording_id == recording_id
    assert seen[-1] == (audio.stat().st_size, audio.stat().st_size)


def test_a_cancelled_upload_stops_reading_the_file(tmp_path: Path) -> None:
    resume = tmp_path / "cv.pdf"
    resume.write_bytes(bytes(200_000))

    def accept(request: httpx.Request) -> httpx.Response:
        request.read()
        return httpx.Response(500)

    with pytest.raises(TaskCancelledError):
        client_answering(httpx.MockTransport(accept)).upload_resume(resume, is_cancelled=lambda: True)
