"""Provisioning: a reproducible conversion, idempotence, and refusal of unverified files."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from bundled_services.provisioning._verify import ChecksumMismatchError, sha256_file
from bundled_services.provisioning.whisper_model import RECIPES, provision
from tests.whisper.service_process import REPO_ROOT, service_env

CLI = ["-m", "bundled_services.provisioning.whisper_model"]


def test_a_fresh_conversion_reproduces_the_pinned_checksum(tmp_path: Path) -> None:
    path = provision("base", tmp_path)
    assert path == tmp_path / "ggml-base.bin"
    assert sha256_file(path) == RECIPES["base"].ggml_sha256
    # Nothing but the model is left behind: the scratch space is removed.
    assert [p.name for p in tmp_path.iterdir()] == ["ggml-base.bin"]


def test_a_verified_model_is_not_rebuilt(whisper_model: Path, caplog: pytest.LogCaptureFixture) -> None:
    before = whisper_model.stat()
    with caplog.at_level(logging.INFO, logger="bundled_services.provisioning.whisper_model"):
        assert provision("base", whisper_model.parent) == whisper_model
    assert f"{whisper_model} is already provisioned and verified" in caplog.text
    assert "Installed" not in caplog.text
    # Not converted again and put in place: the very same file.
    after = whisper_model.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_an_unverified_file_in_place_is_refused_not_overwritten(tmp_path: Path) -> None:
    impostor = tmp_path / "ggml-base.bin"
    impostor.write_bytes(b"someone else's model")
    with pytest.raises(ChecksumMismatchError, match="sha256") as excinfo:
        provision("base", tmp_path)
    assert "--replace" in str(excinfo.value)
    assert impostor.read_bytes() == b"someone else's model"


def test_the_cli_reports_a_refusal_with_exit_status_1(tmp_path: Path) -> None:
    (tmp_path / "ggml-base.bin").write_bytes(b"junk")
    result = subprocess.run(
        [sys.executable, *CLI, "--dest", str(tmp_path)],
        check=False,
        cwd=REPO_ROOT,
        env=service_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "error:" in result.stderr
    assert "pinned" in result.stderr


def test_the_cli_prints_the_path_of_a_verified_model(whisper_model: Path) -> None:
    result = subprocess.run(
        [sys.executable, *CLI, "--dest", str(whisper_model.parent)],
        check=False,
        cwd=REPO_ROOT,
        env=service_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(whisper_model)
