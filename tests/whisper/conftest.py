"""Session fixtures: the provisioned model, generated speech, and running services."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bundled_services.paths import models_dir
from bundled_services.provisioning.whisper_model import provision
from tests.whisper.answers import ALL_ANSWERS
from tests.whisper.service_process import running_service
from tests.whisper.speech import SpokenAnswer, synthesize

THREADS = "2"


@pytest.fixture(scope="session")
def whisper_model() -> Path:
    """The verified ggml base model in the models dir (ASCEND_MODELS_DIR), provisioned if absent."""
    return provision("base", models_dir())


@pytest.fixture(scope="session")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SpokenAnswer]:
    directory = tmp_path_factory.mktemp("speech")
    return {answer.name: synthesize(answer, directory) for answer in ALL_ANSWERS}


@pytest.fixture(scope="session")
def service_url(whisper_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The service with its defaults (verbatim, 50 MB uploads), as users run it."""
    log = tmp_path_factory.mktemp("service") / "service.log"
    with running_service(log, ("--model", str(whisper_model), "--threads", THREADS)) as url:
        yield url


@pytest.fixture(scope="session")
def tight_service_url(whisper_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The service with small limits, set through the environment-variable fallbacks."""
    log = tmp_path_factory.mktemp("tight-service") / "service.log"
    env = {
        "WHISPER_MODEL_PATH": str(whisper_model),
        "WHISPER_MAX_UPLOAD_MB": "1",
        "WHISPER_MAX_PENDING": "1",
        "WHISPER_THREADS": THREADS,
    }
    with running_service(log, env=env) as url:
        yield url
