"""Starting the service with a bad model path fails fast with a readable message."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.whisper.service_process import REPO_ROOT, service_command, service_env


def run_service(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        service_command(*args),
        check=False,
        cwd=REPO_ROOT,
        env=service_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_missing_model_file_is_reported(tmp_path: Path) -> None:
    result = run_service("--port", "1", "--model", str(tmp_path / "absent.bin"))
    assert result.returncode == 2
    assert "No model file" in result.stderr
    assert "provisioning.whisper_model" in result.stderr


def test_a_truncated_model_file_is_reported_instead_of_crashing(whisper_model: Path, tmp_path: Path) -> None:
    truncated = tmp_path / "ggml-base.bin"
    with whisper_model.open("rb") as f:
        truncated.write_bytes(f.read(10 * 1024 * 1024))
    result = run_service("--port", "1", "--model", str(truncated))
    assert result.returncode == 2
    assert "truncated" in result.stderr


def test_invalid_settings_are_reported(whisper_model: Path) -> None:
    result = run_service("--model", str(whisper_model), "--threads", "0")
    assert result.returncode == 2
    assert "threads must be positive" in result.stderr
    result = run_service("--model", str(whisper_model), "--beam-size", "-1")
    assert result.returncode == 2
    assert "beam size must be 0 (greedy) or more" in result.stderr
