from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx

from tests.stack import ServiceStack

ASCEND = str(Path(sys.executable).with_name("ascend"))


def run_ascend(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ASCEND, *args], capture_output=True, text=True, timeout=60, env=env or dict(os.environ), check=False
    )


async def test_token_creates_the_user_once_and_prints_a_working_jwt(
    stack: ServiceStack, api: httpx.AsyncClient
) -> None:
    email = f"cli-{uuid.uuid4().hex[:8]}@example.com"
    first = run_ascend("token", "--email", email, "--name", "Casey")
    assert first.returncode == 0, first.stderr
    token = first.stdout.strip().splitlines()[-1]

    verified = await api.post("/api/v1/auth/verify", headers={"Authorization": f"Bearer {token}"})
    assert verified.status_code == 200
    assert verified.json()["email"] == email
    assert verified.json()["name"] == "Casey"

    again = run_ascend("token", "--email", email.upper())
    assert again.returncode == 0, again.stderr
    second = await api.post(
        "/api/v1/auth/verify", headers={"Authorization": f"Bearer {again.stdout.strip().splitlines()[-1]}"}
    )
    assert second.json()["id"] == verified.json()["id"]
    assert second.json()["name"] == "Casey"


def test_token_refuses_an_invalid_email(stack: ServiceStack) -> None:
    result = run_ascend("token", "--email", "not-an-email")
    assert result.returncode == 2
    assert "error:" in result.stderr
    assert result.stdout == ""


def test_a_short_secret_is_a_clear_configuration_error(stack: ServiceStack) -> None:
    result = run_ascend("token", "--email", "a@example.com", env={**os.environ, "NEXTAUTH_SECRET": "short"})
    assert result.returncode == 2
    assert "NEXTAUTH_SECRET must be at least 32 characters" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_command_shows_usage() -> None:
    result = run_ascend("frobnicate")
    assert result.returncode == 2
    assert "unknown command 'frobnicate'" in result.stderr
