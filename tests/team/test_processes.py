"""The exact processes the containers run (Gunicorn with Uvicorn workers, the two Celery worker services), on
real services.

Their commands are read from docker-compose.yml; only the bind address, the worker count and the Celery
node names differ.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from app.workers.celery_app import celery_app
from bundled_services.launchers.process import ManagedProcess, free_port
from tests.files import JOB_DESCRIPTION, RESUME_TEXT, make_pdf, make_wav
from tests.stack import ServiceStack
from tests.team.compose import interpolate, load_compose
from tests.team.loopback import Pkce, loopback_listener
from tests.team.oauth_provider import Account, LocalOAuthProvider

SERVER_DIR = Path(__file__).resolve().parents[2] / "server"
BIN = Path(sys.executable).parent
SECRET_MARKER = "QUASAR-MARMALADE-9931"
WORKER_SERVICES = ("worker-speech", "worker-llm")
# A node name per worker service, as each container's own hostname makes it unique there.
WORKER_NAMES = {
    service: f"{service}-{uuid.uuid4().hex[:6]}@{socket.gethostname()}" for service in WORKER_SERVICES
}


@dataclass(slots=True)
class TeamServer:
    url: str
    log_path: Path
    worker_logs: dict[str, Path]

    @property
    def api(self) -> str:
        return f"{self.url}/api/v1"


def ascend(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "ascend"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
        check=False,
    )


def container_command(service: str) -> list[str]:
    command = load_compose()["services"][service]["command"]
    resolved = [interpolate(str(part), {}) for part in command]
    return [str(BIN / resolved[0]), *resolved[1:]]


@pytest.fixture(scope="module")
def team_server(
    stack: ServiceStack, oauth_provider: LocalOAuthProvider, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TeamServer]:
    logs = tmp_path_factory.mktemp("team-logs")
    port = free_port()
    env = {
        **os.environ,
        **{key: str(value) for key, value in oauth_provider.settings().items()},
        "NEXT_PUBLIC_API_URL": f"http://127.0.0.1:{port}/api/v1",
        "RATE_LIMIT_RESUME_UPLOADS": "4",
        "MAX_REQUEST_BODY_MB": "8",
        "LOG_LEVEL": "info",
    }
    api = ManagedProcess(
        "gunicorn",
        [*container_command("api"), "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        log_path=logs / "api.log",
        env=env,
        cwd=SERVER_DIR,
    )
    workers = {
        service: ManagedProcess(
            f"celery {service}",
            [*container_command(service), "--hostname", WORKER_NAMES[service]],
            log_path=logs / f"{service}.log",
            env=env,
            cwd=SERVER_DIR,
        )
        for service in WORKER_SERVICES
    }
    api.start()
    for worker in workers.values():
        worker.start()
    try:
        api.wait_ready(lambda: _answers(f"http://127.0.0.1:{port}/ready"), timeout=60, interval=0.3)
        for service, worker in workers.items():
            worker.wait_ready(partial(_pongs, WORKER_NAMES[service]), timeout=60, interval=0.5)
        yield TeamServer(
            url=f"http://127.0.0.1:{port}",
            log_path=logs / "api.log",
            worker_logs={service: logs / f"{service}.log" for service in WORKER_SERVICES},
        )
    finally:
        api.stop(grace=20)
        for worker in workers.values():
            worker.stop(grace=30)


def _pongs(node: str) -> bool:
    return bool(celery_app.control.ping(destination=[node], timeout=0.5))


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def wait_for(
    client: httpx.Client, url: str, headers: dict[str, str], key: str, done: set[str]
) -> dict[str, Any]:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        body: dict[str, Any] = client.get(url, headers=headers).json()
        if body[key] in done:
            return body
        time.sleep(0.5)
    raise AssertionError(f"{url} never reached {done}: {body}")


def new_user(name: str) -> tuple[str, dict[str, str]]:
    email = f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    created = ascend("users", "create", "--email", email, "--name", name)
    assert created.returncode == 0, created.stderr
    token = ascend("token", "--email", email)
    assert token.returncode == 0, token.stderr
    return email, {"Authorization": f"Bearer {token.stdout.strip().splitlines()[-1]}"}


def test_the_api_and_worker_processes_serve_the_whole_workflow(team_server: TeamServer) -> None:
    email, alice = new_user("Alice")
    _, bob = new_user("Bob")
    with httpx.Client(base_url=team_server.api, timeout=30) as client:
        assert httpx.get(f"{team_server.url}/health").json() == {"status": "ok"}
        assert httpx.get(f"{team_server.url}/ready").json()["status"] == "ready"

        pdf = make_pdf(RESUME_TEXT + f"\nConfidential project {SECRET_MARKER}")
        uploaded = client.post("/resumes", files={"file": ("cv.pdf", pdf, "application/pdf")}, headers=alice)
        assert uploaded.status_code == 201, uploaded.text
        resume_id = uploaded.json()["resume_id"]
        assert SECRET_MARKER in client.get(f"/resumes/{resume_id}", headers=alice).json()["parsed_text"]
        assert client.get(f"/resumes/{resume_id}", headers=bob).status_code == 404
        assert client.get(f"/resumes/{uuid.uuid4()}", headers=alice).json()["error_code"] == "NOT_FOUND"
        assert client.get("/resumes").status_code == 401
        assert client.get("/resumes", headers={"Authorization": "Bearer nope"}).status_code == 401

        created = client.post(
            "/sessions", json={"resume_id": resume_id, "job_description": JOB_DESCRIPTION}, headers=alice
        )
        assert created.status_code == 202, created.text
        session_id = created.json()["session_id"]
        wav = make_wav(1.5)
        submitted = client.post(
            f"/sessions/{session_id}/recordings",
            data={"question": "Tell me about a time you led a migration."},
            files={"audio": ("answer.wav", wav, "audio/wav")},
            headers=alice,
        )
        assert submitted.status_code == 202, submitted.text
        recording_id = submitted.json()["recording_id"]
        assert (
            client.post(
                f"/sessions/{uuid.uuid4()}/recordings",
                data={"question": "Q?"},
                files={"audio": ("a.wav", wav, "audio/wav")},
                headers=alice,
            ).status_code
            == 404
        )

        # The speech worker takes the recording's job, the language-model worker the session's; the
        # LLM and the speech service are unreachable here, so after its retries each ends as failed.
        recording = wait_for(
            client, f"/recordings/{recording_id}", alice, "feedback_status", {"failed", "complete"}
        )
        assert recording["feedback_status"] == "failed"
        assert recording["failure_reason"]
        session = wait_for(client, f"/sessions/{session_id}", alice, "status", {"failed", "complete"})
        assert session["status"] == "failed"
        speech_log = team_server.worker_logs["worker-speech"].read_text()
        llm_log = team_server.worker_logs["worker-llm"].read_text()
        # Each job's retries are logged as `task[entity id]` by the worker that ran it, and only there.
        transcription = f"workers.transcription.process_recording[{recording_id}]"
        questions = f"workers.session.generate_interview_questions[{session_id}]"
        assert transcription in speech_log
        assert transcription not in llm_log
        assert questions in llm_log
        assert questions not in speech_log

        # Two Gunicorn workers share one count through Redis: the 4th upload in the window is the last.
        statuses = [
            client.post(
                "/resumes", files={"file": ("cv.pdf", pdf, "application/pdf")}, headers=alice
            ).status_code
            for _ in range(4)
        ]
        assert statuses == [201, 201, 201, 429]
        assert (
            client.post(
                "/resumes", files={"file": ("cv.pdf", pdf, "application/pdf")}, headers=bob
            ).status_code
            == 201
        )

        too_big = client.post(
            "/sessions",
            content=b"x" * (9 * 1024 * 1024),
            headers={**alice, "Content-Type": "application/json"},
        )
        assert too_big.status_code == 413
        assert too_big.json()["error_code"] == "FILE_TOO_LARGE"

    log_text = team_server.log_path.read_text()
    assert SECRET_MARKER not in log_text
    assert alice["Authorization"].split()[1] not in log_text
    entries = [json.loads(line) for line in log_text.splitlines() if line.strip()]
    uploads = [e for e in entries if e.get("path") == "/api/v1/resumes" and e.get("method") == "POST"]
    assert {e["status"] for e in uploads} == {201, 429}
    assert all(e["request_id"] and e["duration_ms"] >= 0 for e in uploads)
    assert email not in log_text


def test_each_worker_service_consumes_only_the_queue_compose_gives_it(team_server: TeamServer) -> None:
    replies = celery_app.control.inspect(destination=list(WORKER_NAMES.values()), timeout=2).active_queues()
    consumed = {
        service: {queue["name"] for queue in (replies or {})[WORKER_NAMES[service]]}
        for service in WORKER_SERVICES
    }
    assert consumed == {"worker-speech": {"speech"}, "worker-llm": {"language-model"}}


def test_a_desktop_signs_in_through_oauth_against_the_shared_server(
    team_server: TeamServer, oauth_provider: LocalOAuthProvider
) -> None:
    oauth_provider.deny = False
    oauth_provider.account = Account(email=f"team-{uuid.uuid4().hex[:8]}@example.com", name="Sam Shared")
    pkce = Pkce()
    with loopback_listener() as desktop, httpx.Client(timeout=30, follow_redirects=True) as browser:
        query = urlencode(
            {"redirect_uri": desktop.redirect_uri, "code_challenge": pkce.challenge, "state": "s-1"}
        )
        page = browser.get(f"{team_server.api}/auth/oauth/sign-in?{query}")
        assert page.status_code == 200
        landed = browser.get(f"{team_server.api}/auth/oauth/github/start?{query}")
        assert landed.status_code == 200
        callback = desktop.last()
    assert callback["state"] == "s-1"

    with httpx.Client(base_url=team_server.api, timeout=30) as client:
        exchanged = client.post(
            "/auth/oauth/exchange", json={"code": callback["code"], "code_verifier": pkce.verifier}
        )
        assert exchanged.status_code == 200, exchanged.text
        token = exchanged.json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        verified = client.post("/auth/verify", headers=headers)
        assert verified.json()["email"] == oauth_provider.account.email
        assert verified.json()["name"] == "Sam Shared"

        disabled = ascend("users", "disable", "--email", oauth_provider.account.email)
        assert disabled.returncode == 0, disabled.stderr
        assert "disabled" in disabled.stdout
        assert client.post("/auth/verify", headers=headers).status_code == 401
        listed = ascend("users", "list")
        assert any(
            oauth_provider.account.email in line and "disabled" in line for line in listed.stdout.splitlines()
        )
        enabled = ascend("users", "enable", "--email", oauth_provider.account.email)
        assert enabled.returncode == 0, enabled.stderr
        assert client.post("/auth/verify", headers=headers).status_code == 200
    assert token not in team_server.log_path.read_text()
    assert callback["code"] not in team_server.log_path.read_text()
