"""Client of the transcription service (the spec's WHISPER_SERVICE_URL contract)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx
from pydantic import BaseModel, Field, ValidationError

from app.core.config import Settings
from app.services.jobs.errors import PermanentJobError, TransientJobError


class TranscriptionResult(BaseModel):
    text: str
    # Our service adds the audio's duration to the spec's `{"text": ...}`; others may not.
    duration_seconds: float | None = Field(default=None, ge=0)


@dataclass(frozen=True, slots=True)
class WhisperClient:
    """The transcription service at `service_url`."""

    service_url: str
    timeout_seconds: float

    @classmethod
    def from_settings(cls, settings: Settings) -> WhisperClient:
        return cls(settings.WHISPER_SERVICE_URL, settings.WHISPER_REQUEST_TIMEOUT_SECONDS)

    async def transcribe(self, audio_path: Path, filename: str, content_type: str) -> TranscriptionResult:
        # A connection per answer: one transcription takes minutes, and a kept one could go stale between.
        timeout = httpx.Timeout(self.timeout_seconds, connect=10.0)
        try:
            async with httpx.AsyncClient(timeout=timeout) as client:
                with audio_path.open("rb") as audio:
                    response = await client.post(
                        self.service_url, files={"audio": (filename, audio, content_type)}
                    )
        except httpx.TransportError as exc:
            raise TransientJobError(
                f"the transcription service is unreachable ({type(exc).__name__})"
            ) from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientJobError(f"the transcription service answered HTTP {response.status_code}")
        if response.status_code >= 400:
            raise PermanentJobError(f"The transcription service rejected the audio: {_detail(response)}")
        try:
            return TranscriptionResult.model_validate_json(response.content)
        except ValidationError as exc:
            raise TransientJobError("the transcription service returned a malformed answer") from exc


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    detail = body.get("detail") if isinstance(body, dict) else None
    return str(detail) if detail else f"HTTP {response.status_code}"
