"""Whether the models behind transcription and feedback are answering, for the Settings screen."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

PROBE_TIMEOUT = httpx.Timeout(3.0)


@dataclass(frozen=True, slots=True)
class ModelStatus:
    role: str
    name: str
    ready: bool
    detail: str


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=PROBE_TIMEOUT).status_code < 500
    except httpx.HTTPError:
        return False


def _speech(env: dict[str, str]) -> ModelStatus:
    url = env.get("WHISPER_SERVICE_URL")
    role = "Speech-to-text"
    if not url:
        return ModelStatus(
            role,
            "Whisper",
            False,
            "Not set up on this computer yet: answers are kept, but can't be transcribed.",
        )
    parts = urlsplit(url)
    health = urlunsplit((parts.scheme, parts.netloc, "/health", "", ""))
    if _answers(health):
        return ModelStatus(role, "Whisper", True, f"Running at {parts.netloc}")
    return ModelStatus(role, "Whisper", False, "Not answering: transcription will wait until it is back.")


def _language_model(env: dict[str, str]) -> ModelStatus:
    role = "Feedback and questions"
    if env.get("LLM_PROVIDER") == "openai":
        name = env.get("OPENAI_MODEL_NAME", "gpt-4o")
        return ModelStatus(role, name, True, "Uses OpenAI's service: transcripts leave this computer.")
    base = env.get("LOCAL_LLM_API_BASE")
    name = env.get("LOCAL_LLM_MODEL_NAME", "Local model")
    if not base:
        return ModelStatus(
            role, name, False, "Not set up on this computer yet: questions and reports can't be written."
        )
    if _answers(base.rstrip("/") + "/models"):
        return ModelStatus(role, name, True, f"Running at {urlsplit(base).netloc}")
    return ModelStatus(
        role, name, False, "Not answering: questions and feedback reports will fail until it is back."
    )


def check_models(server_env: dict[str, str]) -> list[ModelStatus]:
    """Probes the embedded stack's model services; blocking, so run it on a worker thread."""
    return [_speech(server_env), _language_model(server_env)]
