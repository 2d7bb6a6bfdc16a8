"""What the desktop client's tests find on the real API: a user's resume and practice session.

Made over plain HTTP, not with the client under test, so a broken client fails its own test and no
other's set-up.
"""

from __future__ import annotations

import socket
import uuid
from dataclasses import dataclass

import httpx

from tests.conftest import Account
from tests.files import JOB_DESCRIPTION, make_pdf


@dataclass(frozen=True, slots=True)
class Practice:
    resume_id: uuid.UUID
    session_id: uuid.UUID


def upload_resume(server_url: str, account: Account) -> uuid.UUID:
    with httpx.Client(base_url=server_url, headers=account.headers, timeout=60) as http:
        uploaded = http.post("/resumes", files={"file": ("cv.pdf", make_pdf(), "application/pdf")})
    assert uploaded.status_code == 201, uploaded.text
    return uuid.UUID(uploaded.json()["resume_id"])


def start_practice(server_url: str, account: Account) -> Practice:
    """A resume and a session on it; the session's questions wait in the queue (no worker runs)."""
    resume_id = upload_resume(server_url, account)
    with httpx.Client(base_url=server_url, headers=account.headers, timeout=60) as http:
        created = http.post(
            "/sessions", json={"resume_id": str(resume_id), "job_description": JOB_DESCRIPTION}
        )
    assert created.status_code == 202, created.text
    return Practice(resume_id=resume_id, session_id=uuid.UUID(created.json()["session_id"]))


def closed_port_url() -> str:
    """An API URL on a loopback port nothing listens on: connecting is refused, as by a stopped server."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/v1"
