"""The HTTP contract of the speech-to-text service, against the real running service."""

from __future__ import annotations

import asyncio
import os

import httpx
import pytest

from tests.whisper.answers import MIGRATION, MOTIVATION, STRENGTH, WEAKNESS
from tests.whisper.metrics import score
from tests.whisper.speech import FORMATS, SpokenAnswer

TIMEOUT = httpx.Timeout(240.0)
MAX_WER = 0.15
MIN_FILLER_RECALL = 0.75
MAX_DURATION_ERROR = 0.02
MIB = 1024 * 1024


def post_audio(url: str, name: str, content: bytes, client: httpx.Client | None = None) -> httpx.Response:
    files = {"audio": (name, content, "application/octet-stream")}
    if client is not None:
        return client.post(f"{url}/transcribe", files=files)
    return httpx.post(f"{url}/transcribe", files=files, timeout=TIMEOUT)


def test_health_reports_the_loaded_model(service_url: str) -> None:
    response = httpx.get(f"{service_url}/health")
    assert response.status_code == 200
    body = response.json()
    assert body["model"] == "ggml-base.bin"
    assert body["verbatim"] is True
    assert body["beam_size"] == 5  # the default the labelled answers chose


@pytest.mark.parametrize("extension", FORMATS)
def test_long_answer_is_transcribed_verbatim_in_every_format(
    service_url: str, spoken: dict[str, SpokenAnswer], extension: str
) -> None:
    answer = spoken[MIGRATION.name]
    path = answer.files[extension]
    response = post_audio(service_url, path.name, path.read_bytes())

    assert response.status_code == 200, response.text
    body = response.json()
    result = score(MIGRATION, body["text"])
    assert result.wer <= MAX_WER, body["text"]
    assert result.filler_recall >= MIN_FILLER_RECALL, body["text"]
    duration_error = abs(body["duration_seconds"] - answer.duration_seconds) / answer.duration_seconds
    assert duration_error <= MAX_DURATION_ERROR, (body["duration_seconds"], answer.duration_seconds)


@pytest.mark.parametrize(
    "content",
    [
        os.urandom(4096),
        b"This is a text file, not a recording.\n" * 20,
        b"RIFF\x00\x10\x00\x00WAVE" + os.urandom(4096),
        b"ID3\x03\x00\x00\x00\x00\x00\x00" + os.urandom(4096),
        b"\x1a\x45\xdf\xa3" + os.urandom(4096),
        b"",
    ],
    ids=["random", "text", "wav-header-junk", "id3-junk", "webm-header-junk", "empty"],
)
def test_undecodable_audio_is_rejected(service_url: str, content: bytes) -> None:
    response = post_audio(service_url, "answer.mp3", content)
    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_INPUT"


def test_a_request_without_the_audio_field_is_rejected(
    service_url: str, spoken: dict[str, SpokenAnswer]
) -> None:
    path = spoken[STRENGTH.name].files["wav"]
    response = httpx.post(f"{service_url}/transcribe", files={"file": (path.name, path.read_bytes())})
    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_INPUT"


def test_a_non_multipart_request_is_rejected(service_url: str) -> None:
    response = httpx.post(f"{service_url}/transcribe", content=b"RIFF", headers={"content-type": "audio/wav"})
    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_INPUT"


def test_an_upload_over_the_default_50_mb_limit_is_refused(service_url: str) -> None:
    response = post_audio(service_url, "huge.wav", b"\0" * (50 * MIB + 1))
    assert response.status_code == 413
    assert response.json() == {"detail": "File exceeds size limit", "error_code": "FILE_TOO_LARGE"}


def test_the_upload_limit_comes_from_the_environment(
    tight_service_url: str, spoken: dict[str, SpokenAnswer]
) -> None:
    small = spoken[STRENGTH.name].files["mp3"]
    large = spoken[MIGRATION.name].files["wav"]
    assert small.stat().st_size < MIB < large.stat().st_size

    refused = post_audio(tight_service_url, large.name, large.read_bytes())
    assert refused.status_code == 413
    assert refused.json()["error_code"] == "FILE_TOO_LARGE"
    accepted = post_audio(tight_service_url, small.name, small.read_bytes())
    assert accepted.status_code == 200, accepted.text


async def test_concurrent_requests_queue_and_all_succeed(
    service_url: str, spoken: dict[str, SpokenAnswer]
) -> None:
    batch = [(STRENGTH, "m4a"), (WEAKNESS, "webm"), (MOTIVATION, "mp3")]
    async with httpx.AsyncClient(base_url=service_url, timeout=TIMEOUT) as client:

        async def transcribe(extension: str, name: str) -> httpx.Response:
            path = spoken[name].files[extension]
            return await client.post("/transcribe", files={"audio": (path.name, path.read_bytes())})

        tasks = [asyncio.create_task(transcribe(ext, answer.name)) for answer, ext in batch]
        # The event loop must stay responsive while the transcriptions queue on the model: the
        # health probe answers while they are pending.
        health = await client.get("/health")
        while health.json()["pending"] == 0 and not all(task.done() for task in tasks):
            health = await client.get("/health")
        responses = await asyncio.gather(*tasks)

    assert health.status_code == 200
    assert health.json()["pending"] >= 1
    for (answer, _), response in zip(batch, responses, strict=True):
        assert response.status_code == 200, response.text
        # Each response must carry its own answer's words, not another request's.
        assert score(answer, response.json()["text"]).wer <= 0.25, response.json()["text"]


async def test_a_full_queue_answers_busy_instead_of_failing(
    tight_service_url: str, spoken: dict[str, SpokenAnswer]
) -> None:
    path = spoken[WEAKNESS.name].files["mp3"]
    async with httpx.AsyncClient(base_url=tight_service_url, timeout=TIMEOUT) as client:
        responses = await asyncio.gather(
            *(client.post("/transcribe", files={"audio": (path.name, path.read_bytes())}) for _ in range(3))
        )
    statuses = sorted(response.status_code for response in responses)
    # One is transcribed while the others find the one-slot queue taken: seconds of work
    # against milliseconds between the requests.
    assert statuses[0] == 200
    assert statuses[-1] == 503
    assert set(statuses) == {200, 503}
    for response in responses:
        if response.status_code == 503:
            assert response.json()["error_code"] == "BUSY"
