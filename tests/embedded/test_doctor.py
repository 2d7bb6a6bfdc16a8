"""`ascend doctor` on a machine that is not ready: it says what is missing, changes nothing, exits 1.

(On a ready machine with a running stack, see test_lifecycle.)"""

from __future__ import annotations

from pathlib import Path

from tests.embedded.serve_process import run_ascend, stack_environment


def test_doctor_names_what_is_missing_and_creates_nothing(scratch: Path) -> None:
    data_dir = scratch / "never-started"
    empty_models = scratch / "no-models"
    env = stack_environment(data_dir, ASCEND_MODELS_DIR=str(empty_models), ASCEND_LLM_MODEL="default")

    result = run_ascend(env, "doctor")

    assert result.returncode == 1, result.stdout
    lines = result.stdout.splitlines()
    missing = [line for line in lines if line.lstrip().startswith("!!")]
    assert any("speech model" in line and "ggml-base.bin missing" in line for line in missing)
    assert any("language model (default)" in line and "missing" in line for line in missing)
    assert any("embedding model" in line for line in missing)
    assert any("stack" in line and "not running" in line for line in lines)
    build = next(line for line in lines if "llama.cpp build" in line)
    assert build.lstrip().startswith("ok"), build
    assert "AVX" in build, build
    assert "Something needs fixing" in lines[-1]
    assert not data_dir.exists()
    assert not empty_models.exists()


def test_doctor_skips_the_models_of_services_that_run_elsewhere(scratch: Path) -> None:
    env = stack_environment(
        scratch / "elsewhere",
        ASCEND_MODELS_DIR=str(scratch / "still-no-models"),
        WHISPER_SERVICE_URL="http://speech.example:8080/transcribe",
        LOCAL_LLM_API_BASE="http://llm.example:11434/v1",
    )
    result = run_ascend(env, "doctor")
    flagged = [line for line in result.stdout.splitlines() if line.lstrip().startswith("!!")]
    # Only the embedding model, which the worker always needs, is still missing.
    assert len(flagged) == 1
    assert "embedding model" in flagged[0]
