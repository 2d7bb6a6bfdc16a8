"""Answers are kept on disk before upload, retried when the network fails, and never lost."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
from pytestqt.qtbot import QtBot

from desktop.answers.store import AnswerStore, SavedAnswer
from desktop.api.client import ApiClient
from desktop.context import AppContext
from desktop.controllers.uploads import Uploader
from tests.files import make_wav

SESSION = uuid.uuid4()


def take(store: AnswerStore) -> Path:
    path = store.new_take_path(SESSION)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(make_wav(0.5))
    return path


def connect(context: AppContext, handler: httpx.MockTransport) -> None:
    context.api = ApiClient("http://127.0.0.1:1/api/v1", "token", transport=handler)


def test_the_store_keeps_answers_until_uploaded(tmp_path: Path) -> None:
    store = AnswerStore(tmp_path / "answers")
    first = store.keep(take(store), SESSION, "Why us?")
    second = store.keep(take(store), SESSION, "Why now?")
    assert [answer.question for answer in store.pending(SESSION)] == ["Why us?", "Why now?"]
    failed = store.mark_failed(first, "The server took too long to answer.")
    assert store.pending()[0].last_error == "The server took too long to answer."
    recording = uuid.uuid4()
    store.mark_uploaded(failed, recording)
    assert [answer.question for answer in store.pending()] == ["Why now?"]
    found = store.find_by_recording(recording)
    assert found is not None
    assert found.wav_path == first.wav_path
    assert json.loads(first.note_path.read_text())["recording_id"] == str(recording)
    store.discard_take(second.wav_path)
    assert second.wav_path.exists(), "a kept answer is never discarded as a take"
    store.delete_all()
    assert store.pending() == []


def test_an_unsubmitted_take_can_be_thrown_away(tmp_path: Path) -> None:
    store = AnswerStore(tmp_path / "answers")
    path = take(store)
    store.discard_take(path)
    assert not path.exists()


def test_failed_uploads_are_retried_then_succeed(qtbot: QtBot, context: AppContext) -> None:
    attempts: list[int] = []
    recording_id = uuid.uuid4()

    def flaky(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        if len(attempts) < 3:
            raise httpx.ConnectError("connection refused", request=request)
        request.read()
        return httpx.Response(202, json={"recording_id": str(recording_id), "status": "processing"})

    connect(context, httpx.MockTransport(flaky))
    uploader = Uploader(context, retry_delays=(0.05, 0.05, 0.05))
    statuses: list[str] = []
    uploader.status.connect(statuses.append)
    with qtbot.waitSignal(uploader.uploaded, timeout=10_000) as done:
        uploader.submit_take(take(context.answers), SESSION, "Why us?")
    answer = done.args[0]
    assert isinstance(answer, SavedAnswer)
    assert answer.recording_id == recording_id
    assert len(attempts) == 3
    assert sum("Trying again" in status for status in statuses) == 2
    assert context.answers.pending() == []


def test_after_the_last_retry_the_answer_waits_on_disk(qtbot: QtBot, context: AppContext) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    connect(context, httpx.MockTransport(down))
    uploader = Uploader(context, retry_delays=(0.05,))
    with qtbot.waitSignal(uploader.gave_up, timeout=10_000) as gave_up:
        uploader.submit_take(take(context.answers), SESSION, "Why us?")
    assert "can't reach its server" in gave_up.args[1]
    pending = context.answers.pending(SESSION)
    assert len(pending) == 1
    assert pending[0].wav_path.exists()
    assert pending[0].last_error == gave_up.args[1]


def test_a_rejected_answer_is_not_retried(qtbot: QtBot, context: AppContext) -> None:
    attempts: list[int] = []

    def reject(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        request.read()
        return httpx.Response(
            400, json={"detail": "The audio is not a WAV file", "error_code": "INVALID_INPUT"}
        )

    connect(context, httpx.MockTransport(reject))
    uploader = Uploader(context, retry_delays=(0.05, 0.05))
    with qtbot.waitSignal(uploader.gave_up, timeout=10_000) as gave_up:
        uploader.submit_take(take(context.answers), SESSION, "Why us?")
    assert gave_up.args[1] == "The audio is not a WAV file."
    assert attempts == [1]


def test_an_upload_can_be_cancelled_and_sent_later(qtbot: QtBot, context: AppContext) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        request.read()
        return httpx.Response(202, json={"recording_id": str(uuid.uuid4()), "status": "processing"})

    connect(context, httpx.MockTransport(slow))
    uploader = Uploader(context, retry_delays=(5.0,))
    path = context.answers.new_take_path(SESSION)
    path.parent.mkdir(parents=True)
    path.write_bytes(make_wav(20.0))
    with qtbot.waitSignal(uploader.cancelled, timeout=10_000):
        uploader.submit_take(path, SESSION, "Why us?")
        uploader.cancel()
    pending = context.answers.pending(SESSION)
    assert [answer.wav_path for answer in pending] == [path]
    with qtbot.waitSignal(uploader.uploaded, timeout=10_000):
        uploader.upload(pending[0])
    assert context.answers.pending(SESSION) == []
