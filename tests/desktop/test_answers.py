"""Answers are kept on disk before upload, retried when the network fails, and never lost.

The uploads go to the real API. Between the app and it runs a relay (tests/desktop/relay.py) where a
test needs the network itself to misbehave: cut connections mid-request, or a link slow enough that an
upload is still in flight when the candidate cancels it.
"""

from __future__ import annotations

import json
import uuid
import wave
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.answers.store import AnswerStore, SavedAnswer
from desktop.api.client import ApiClient
from desktop.context import AppContext
from desktop.controllers.uploads import Uploader
from tests.conftest import Account
from tests.desktop.api_server import Practice, closed_port_url, start_practice
from tests.desktop.relay import Relay, relay_to
from tests.files import make_wav

SESSION = uuid.uuid4()
UPLOADING = "Uploading your answer"
# Five minutes of 16 kHz mono (9.6 MB): more than a held connection's buffers take in, so a held
# upload is still reading the file when the candidate cancels it.
LONG_ANSWER_SECONDS = 300


def take(store: AnswerStore, session_id: uuid.UUID = SESSION, seconds: float = 0.5) -> Path:
    path = store.new_take_path(session_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(make_wav(seconds))
    return path


def silent_take(store: AnswerStore, session_id: uuid.UUID, seconds: int) -> Path:
    path = store.new_take_path(session_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(16_000)
        writer.writeframes(bytes(2 * 16_000 * seconds))
    return path


@pytest.fixture
def practice(server_url: str, candidate: Account) -> Practice:
    return start_practice(server_url, candidate)


@pytest.fixture
def network(server_url: str) -> Iterator[Relay]:
    with relay_to(server_url) as relay:
        yield relay


@pytest.fixture
def server(server_url: str, candidate: Account) -> Iterator[ApiClient]:
    """The candidate's view of the server, to check what reached it."""
    client = ApiClient(server_url, candidate.token)
    yield client
    client.close()


Connect = Callable[[str, Account], None]


@pytest.fixture
def connect(context: AppContext) -> Iterator[Connect]:
    """Signs the app in to the server at a URL; the connection is closed after the test."""

    def to(url: str, account: Account) -> None:
        context.replace_client(ApiClient(url, account.token))

    yield to
    context.replace_client(None)


def statuses_of(uploader: Uploader) -> list[str]:
    seen: list[str] = []
    uploader.status.connect(seen.append)
    return seen


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


def test_failed_uploads_are_retried_then_succeed(
    qtbot: QtBot,
    context: AppContext,
    connect: Connect,
    candidate: Account,
    practice: Practice,
    network: Relay,
    server: ApiClient,
) -> None:
    network.drop(2)
    connect(network.url, candidate)
    uploader = Uploader(context, retry_delays=(0.05, 0.05, 0.05))
    statuses = statuses_of(uploader)
    with qtbot.waitSignal(uploader.uploaded, timeout=30_000) as done:
        uploader.submit_take(take(context.answers, practice.session_id), practice.session_id, "Why us?")
    answer = done.args[0]
    assert isinstance(answer, SavedAnswer)
    assert network.dropped == 2
    assert statuses.count(UPLOADING) == 3
    assert sum("can't reach its server" in status and "Trying again" in status for status in statuses) == 2
    assert context.answers.pending() == []
    # The third attempt is the one the server kept, once.
    [result] = server.session(practice.session_id).results
    assert result.recording_id == answer.recording_id
    assert result.question == "Why us?"


def test_after_the_last_retry_the_answer_waits_on_disk(
    qtbot: QtBot, context: AppContext, connect: Connect, candidate: Account
) -> None:
    connect(closed_port_url(), candidate)
    uploader = Uploader(context, retry_delays=(0.05,))
    statuses = statuses_of(uploader)
    with qtbot.waitSignal(uploader.gave_up, timeout=30_000) as gave_up:
        uploader.submit_take(take(context.answers), SESSION, "Why us?")
    assert "can't reach its server" in gave_up.args[1]
    assert statuses.count(UPLOADING) == 2
    pending = context.answers.pending(SESSION)
    assert len(pending) == 1
    assert pending[0].wav_path.exists()
    assert pending[0].last_error == gave_up.args[1]
    assert not uploader.busy


def test_a_rejected_answer_is_not_retried(
    qtbot: QtBot,
    context: AppContext,
    connect: Connect,
    server_url: str,
    candidate: Account,
    practice: Practice,
) -> None:
    path = context.answers.new_take_path(practice.session_id)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"RIFF" + bytes(300_000))
    connect(server_url, candidate)
    uploader = Uploader(context, retry_delays=(0.05, 0.05))
    statuses = statuses_of(uploader)
    with qtbot.waitSignal(uploader.gave_up, timeout=30_000) as gave_up:
        uploader.submit_take(path, practice.session_id, "Why us?")
    assert gave_up.args[1] == "The audio could not be decoded; the .wav file may be damaged."
    assert statuses == [UPLOADING]
    assert not uploader.busy
    [kept] = context.answers.pending(practice.session_id)
    assert kept.last_error == gave_up.args[1]


def test_an_upload_can_be_cancelled_and_sent_later(
    qtbot: QtBot,
    context: AppContext,
    connect: Connect,
    candidate: Account,
    practice: Practice,
    network: Relay,
    server: ApiClient,
) -> None:
    connect(network.url, candidate)
    uploader = Uploader(context, retry_delays=(5.0,))
    path = silent_take(context.answers, practice.session_id, LONG_ANSWER_SECONDS)
    network.hold_uploads_after(256 * 1024)
    uploader.submit_take(path, practice.session_id, "Why us?")
    qtbot.waitUntil(network.held.is_set, timeout=30_000)
    with qtbot.waitSignal(uploader.cancelled, timeout=30_000):
        uploader.cancel()
        network.go_on()
    pending = context.answers.pending(practice.session_id)
    assert [answer.wav_path for answer in pending] == [path]
    assert server.session(practice.session_id).results == [], "a cancelled upload leaves nothing behind"

    network.hold_uploads_after(None)
    with qtbot.waitSignal(uploader.uploaded, timeout=60_000) as sent:
        uploader.upload(pending[0])
    assert context.answers.pending(practice.session_id) == []
    [result] = server.session(practice.session_id).results
    assert result.recording_id == sent.args[0].recording_id
    assert server.recording(result.recording_id).audio_duration_seconds == pytest.approx(LONG_ANSWER_SECONDS)
