from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from app.core.config import Settings


def test_short_secret_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValidationError, match="NEXTAUTH_SECRET must be at least 32 characters"):
        Settings(NEXTAUTH_SECRET=SecretStr("too-short"))


def test_missing_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEXTAUTH_SECRET", raising=False)
    with pytest.raises(ValidationError, match="NEXTAUTH_SECRET"):
        Settings(_env_file=None)


def test_extension_lists_come_from_comma_separated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_RESUME_EXTENSIONS", ".PDF, .docx")
    monkeypatch.setenv("MAX_RESUME_FILE_SIZE_MB", "2")
    settings = Settings(NEXTAUTH_SECRET=SecretStr("x" * 32))
    assert settings.ALLOWED_RESUME_EXTENSIONS == [".pdf", ".docx"]
    assert settings.max_resume_bytes == 2 * 1024 * 1024


def test_extension_without_dot_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_AUDIO_EXTENSIONS", "wav")
    with pytest.raises(ValidationError, match="must start with a dot"):
        Settings(NEXTAUTH_SECRET=SecretStr("x" * 32))


def test_a_stall_no_longer_than_a_heartbeat_is_refused() -> None:
    secret = SecretStr("x" * 40)
    with pytest.raises(ValidationError, match=r"JOB_STALL_SECONDS \(30\) must be longer than JOB_HEARTBEAT"):
        Settings(NEXTAUTH_SECRET=secret, JOB_HEARTBEAT_SECONDS=30, JOB_STALL_SECONDS=30)
    accepted = Settings(NEXTAUTH_SECRET=secret, JOB_HEARTBEAT_SECONDS=1, JOB_STALL_SECONDS=3)
    assert accepted.JOB_STALL_SECONDS == 3
