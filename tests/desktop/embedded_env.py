"""The environment the desktop tests run the real embedded stack in.

Real: PostgreSQL, the broker, the object store, the worker, the API and the speech-recognition server
(whisper.cpp with the pinned base model). Left out to keep the suite within minutes on two cores:
the language model, except in the one journey that needs it (elsewhere its URL points at a port
nothing listens on, so question writing and feedback fail the way they do on a laptop whose model
isn't running), and the knowledge-base seeding, which embeds every guide on each fresh data dir and
which no desktop screen reads.
"""

from __future__ import annotations

import os
from pathlib import Path

from app.core.config import Settings
from bundled_services import paths
from bundled_services.models import knowledge_base_fingerprint
from bundled_services.supervisor.stack import KNOWLEDGE_BASE_DIR, KNOWLEDGE_BASE_MARKER

UNREACHABLE_LLM = "http://127.0.0.1:9/v1"


def inherited_server_settings() -> list[str]:
    """Server settings in this process's environment, which a laptop's environment doesn't have.

    The suite's own service stack (tests/conftest.py) exports its settings for the whole session: the
    embedded stack would take `WHISPER_SERVICE_URL` as "speech recognition runs elsewhere", and its
    worker probe would ping the broker named by `CELERY_BROKER_URL` instead of its own.
    """
    return [name for name in Settings.model_fields if name in os.environ]


def embedded_environment(data_dir: Path, *, language_model: bool = False) -> dict[str, str]:
    """Variables for a stack on `data_dir`; prepares the data dir so the stack skips seeding.

    With `language_model`, the stack starts the small pinned model itself, as a laptop's would.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / KNOWLEDGE_BASE_MARKER).write_text(knowledge_base_fingerprint(KNOWLEDGE_BASE_DIR) + "\n")
    env = {
        "ASCEND_DATA_DIR": str(data_dir),
        # One machine-wide copy of the models (the Makefile exports it); without it the fresh data dir
        # would assemble them again on every run.
        "ASCEND_MODELS_DIR": os.environ.get("ASCEND_MODELS_DIR") or str(paths.models_dir()),
    }
    if language_model:
        return {**env, "ASCEND_LLM_MODEL": "small"}
    # The language model is configured "elsewhere", so the stack neither provisions nor starts one.
    placeholder = data_dir / "no-language-model.gguf"
    placeholder.write_bytes(b"")
    return {
        **env,
        "ASCEND_LLM_MODEL": str(placeholder),
        "LOCAL_LLM_API_BASE": UNREACHABLE_LLM,
        "TASK_MAX_RETRIES": "0",
    }
