"""The HTTP API: POST /transcribe and GET /health."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from pydantic import BaseModel

from bundled_services.whisper_service.audio import (
    SAMPLE_RATE,
    AudioDecodeError,
    AudioTooLongError,
    decode_audio,
)
from bundled_services.whisper_service.config import ServiceConfig
from bundled_services.whisper_service.engine import (
    DecodeOptions,
    ServiceBusyError,
    Transcriber,
    TranscriptionQueue,
)
from bundled_services.whisper_service.errors import (
    AUDIO_TOO_LONG,
    BUSY,
    ServiceError,
    file_too_large,
    invalid_input,
    service_error_handler,
)
from bundled_services.whisper_service.upload import UploadInvalidError, UploadTooLargeError, read_file_field

logger = logging.getLogger(__name__)

AUDIO_FIELD = "audio"

_UPLOAD_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [AUDIO_FIELD],
                    "properties": {AUDIO_FIELD: {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


class Transcription(BaseModel):
    text: str
    duration_seconds: float


class Health(BaseModel):
    status: str
    model: str
    threads: int
    verbatim: bool
    beam_size: int
    pending: int


def _queue(request: Request) -> TranscriptionQueue:
    queue: TranscriptionQueue = request.app.state.queue
    return queue


def create_app(config: ServiceConfig) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        options = DecodeOptions(
            threads=config.threads,
            language=config.language,
            verbatim=config.verbatim,
            beam_size=config.beam_size,
        )
        # Loading takes a second or more; a worker thread keeps the loop responsive meanwhile.
        transcriber = await asyncio.to_thread(Transcriber, config.model_path, options)
        logger.info("Loaded %s (%d threads, verbatim=%s)", config.model_path, config.threads, config.verbatim)
        app.state.queue = TranscriptionQueue(transcriber, config.max_pending)
        try:
            yield
        finally:
            app.state.queue.close()

    app = FastAPI(title="Ascend AI speech-to-text", lifespan=lifespan)
    app.add_exception_handler(ServiceError, service_error_handler)

    @app.get("/health")
    async def health(request: Request) -> Health:
        queue = _queue(request)
        return Health(
            status="ok",
            model=queue.transcriber.model_path.name,
            threads=config.threads,
            verbatim=config.verbatim,
            beam_size=config.beam_size,
            pending=queue.pending,
        )

    @app.post(
        "/transcribe",
        openapi_extra=_UPLOAD_SCHEMA,
        responses={
            400: {"description": "INVALID_INPUT"},
            413: {"description": "FILE_TOO_LARGE or AUDIO_TOO_LONG"},
            503: {"description": "BUSY"},
        },
    )
    async def transcribe(request: Request) -> Transcription:
        try:
            upload = await read_file_field(
                request.headers.get("content-type"), request.stream(), AUDIO_FIELD, config.max_upload_bytes
            )
        except UploadTooLargeError:
            raise file_too_large() from None
        except UploadInvalidError as exc:
            raise invalid_input(str(exc)) from exc
        try:
            samples = await asyncio.to_thread(decode_audio, upload, config.max_audio_seconds)
        except AudioTooLongError as exc:
            raise ServiceError(413, AUDIO_TOO_LONG, str(exc)) from exc
        except AudioDecodeError as exc:
            raise invalid_input(str(exc)) from exc
        finally:
            upload.close()
        try:
            text = await _queue(request).transcribe(samples)
        except ServiceBusyError as exc:
            raise ServiceError(503, BUSY, "The transcriber is busy; retry shortly") from exc
        return Transcription(text=text, duration_seconds=round(samples.size / SAMPLE_RATE, 3))

    return app
