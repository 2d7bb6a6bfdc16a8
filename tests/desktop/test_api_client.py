"""The typed client against the real API: the answers it parses, and the sentences errors become.

Every answer comes from the server itself (FastAPI on the suite's PostgreSQL, broker and object store).
Stood in for are only what cannot exist here: a network that breaks mid-request (a relay that cuts the
connection) and a proxy in front of the server that answers with its own HTML page.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.services.practice.session_progress import mark_session_failed
from app.services.resources import Resources
from desktop.api.client import ApiClient, error_from_response
from desktop.api.errors import ApiError, TaskCancelledError, describe
from desktop.limits import MAX_RESUME_BYTES
from tests.conftest import Account
from tests.desktop.api_server import Practice, closed_port_url, start_practice, upload_resume
from tests.desktop.relay import relay_to
from tests.files import JOB_DESCRIPTION, make_pdf, make_wav

NO_MODEL = "The coaching model is not running"


@pytest.fixture
def client(server_url: str, candidate: Account) -> Iterator[ApiClient]:
    created = ApiClient(server_url, candidate.token)
    yield created
    created.close()


@pytest.fixture
def practice(server_url: str, candidate: Account) -> Practice:
    return start_practice(server_url, candidate)


def refused(call: Callable[[], object]) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call()
    return caught.value


@contextmanager
def bad_gateway() -> Iterator[str]:
    """A reverse proxy whose server is down: every request gets its own 502 page, in HTML."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
            self.send_response(502)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    proxy = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = Thread(target=proxy.serve_forever, name="bad-gateway", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{proxy.server_address[1]}/api/v1"
    finally:
        proxy.shutdown()
        proxy.server_close()
        thread.join(timeout=10)


async def test_requests_carry_the_bearer_token_and_parse_the_schemas(
    client: ApiClient,
    candidate: Account,
    practice: Practice,
    resources: Resources,
    committing_factory: async_sessionmaker[AsyncSession],
) -> None:
    assert client.verify().id == candidate.user.id
    status = client.session(practice.session_id)
    assert status.session_id == practice.session_id
    assert status.status == "processing"
    assert status.resume_id == practice.resume_id
    assert status.job_description == JOB_DESCRIPTION
    assert (status.results, status.generated_questions, status.failure_reason) == ([], [], None)
    assert [summary.session_id for summary in client.sessions()] == [practice.session_id]
    assert "Jordan Rivera" in client.resume(practice.resume_id).parsed_text

    # The worker's last word on a session it gave up on, written by the worker's own code.
    worker = replace(resources, session_factory=committing_factory)
    await mark_session_failed(worker, practice.session_id, NO_MODEL)
    failed = client.session(practice.session_id)
    assert (failed.status, failed.failure_reason) == ("failed", NO_MODEL)


def test_a_request_the_server_refuses_becomes_its_sentence(
    client: ApiClient, practice: Practice, tmp_path: Path
) -> None:
    audio = tmp_path / "answer.wav"
    audio.write_bytes(make_wav(1.0))
    error = refused(lambda: client.submit_recording(practice.session_id, "   ", audio))
    assert (error.status_code, error.error_code) == (400, "INVALID_INPUT")
    assert describe(error) == "The question must not be empty."


def test_a_token_the_server_does_not_accept_asks_to_sign_in_again(server_url: str) -> None:
    stale = ApiClient(server_url, "not-a-token")
    try:
        error = refused(stale.recordings)
    finally:
        stale.close()
    assert (error.status_code, error.error_code, error.detail) == (
        401,
        "UNAUTHORIZED",
        "Invalid or expired token",
    )
    assert describe(error) == "Your sign-in isn't valid on this server any more. Sign in again from Settings."


def test_another_users_session_is_not_found(client: ApiClient, server_url: str, stranger: Account) -> None:
    theirs = start_practice(server_url, stranger)
    error = refused(lambda: client.session(theirs.session_id))
    assert (error.status_code, error.error_code) == (404, "NOT_FOUND")
    assert describe(error) == "Session not found. It may have been deleted."


def test_a_file_over_the_servers_limit_asks_for_a_smaller_one(client: ApiClient, tmp_path: Path) -> None:
    resume = tmp_path / "cv.pdf"
    resume.write_bytes(make_pdf() + bytes(MAX_RESUME_BYTES))
    error = refused(lambda: client.upload_resume(resume))
    assert (error.status_code, error.error_code) == (413, "FILE_TOO_LARGE")
    assert describe(error) == "File exceeds size limit. Choose a smaller file."
    assert client.resumes() == []


def test_a_validation_error_becomes_its_first_words(server_url: str, candidate: Account) -> None:
    # The client's own schemas refuse this before sending; a client built on older ones would not.
    response = httpx.post(
        f"{server_url}/sessions",
        headers=candidate.headers,
        json={"resume_id": str(uuid.uuid4()), "job_description": "Too short"},
    )
    error = error_from_response(response)
    assert (error.status_code, error.error_code) == (422, "VALIDATION_ERROR")
    assert describe(error) == "String should have at least 50 characters."


def test_a_proxys_error_page_is_explained_without_its_html() -> None:
    with bad_gateway() as url:
        proxied = ApiClient(url, "token")
        try:
            error = refused(proxied.recordings)
        finally:
            proxied.close()
    assert (error.status_code, error.error_code) == (502, None)
    assert "<html>" not in error.detail
    assert describe(error) == (
        "The server ran into a problem it couldn't recover from. Wait a moment, then try again."
    )


def test_an_unreachable_server_is_explained_without_jargon() -> None:
    nowhere = ApiClient(closed_port_url(), "token")
    try:
        with pytest.raises(httpx.ConnectError) as caught:
            nowhere.sessions()
    finally:
        nowhere.close()
    message = describe(caught.value)
    assert "can't reach its server" in message
    assert "ConnectError" not in message


def test_a_connection_cut_mid_request_is_explained_without_jargon(
    server_url: str, candidate: Account, practice: Practice, tmp_path: Path
) -> None:
    audio = tmp_path / "answer.wav"
    audio.write_bytes(make_wav(2.0))
    with relay_to(server_url) as network:
        network.drop(1)
        cut = ApiClient(network.url, candidate.token)
        try:
            with pytest.raises(httpx.TransportError) as caught:
                cut.submit_recording(practice.session_id, "Why this job?", audio)
        finally:
            cut.close()
    assert network.dropped == 1
    message = describe(caught.value)
    assert "can't reach its server" in message
    assert type(caught.value).__name__ not in message


def test_a_gap_analysis_of_a_resume_that_is_not_yours_is_explained(
    client: ApiClient, server_url: str, candidate: Account, stranger: Account
) -> None:
    theirs = upload_resume(server_url, stranger)
    error = refused(lambda: client.start_gap_analysis(theirs, JOB_DESCRIPTION))
    assert (error.status_code, error.error_code) == (404, "NOT_FOUND")
    assert describe(error) == "Resume not found. It may have been deleted."

    # The same request on one's own resume is accepted, and the server kept what was sent.
    mine = upload_resume(server_url, candidate)
    accepted = client.start_gap_analysis(mine, JOB_DESCRIPTION)
    assert client.gap_analysis(accepted.analysis_id).resume_id == mine


def test_uploads_report_progress_and_send_the_form_fields(
    client: ApiClient, practice: Practice, tmp_path: Path
) -> None:
    audio = tmp_path / "answer.wav"
    audio.write_bytes(make_wav(3.0))
    size = audio.stat().st_size
    seen: list[tuple[int, int]] = []
    response = client.submit_recording(
        practice.session_id, "Why this job?", audio, lambda done, total: seen.append((done, total))
    )
    assert response.status == "processing"
    stored = client.recording(response.recording_id)
    assert stored.session_id == practice.session_id
    assert stored.question_text == "Why this job?"
    assert stored.audio_duration_seconds == pytest.approx(3.0, abs=0.01)
    assert seen[-1] == (size, size)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert {total for _, total in seen} == {size}


def test_a_cancelled_upload_stops_reading_the_file(client: ApiClient, tmp_path: Path) -> None:
    resume = tmp_path / "cv.pdf"
    resume.write_bytes(make_pdf())
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))

    with pytest.raises(TaskCancelledError):
        client.upload_resume(resume, progress, is_cancelled=lambda: True)
    assert seen == [], "not a byte of the file was read"
    assert client.resumes() == []
