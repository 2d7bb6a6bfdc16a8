"""Recording, playback and the record / re-record / submit flow, with the test audio system."""

from __future__ import annotations

import uuid
import wave
from datetime import UTC, datetime

import pytest
from pytestqt.qtbot import QtBot

from app.schemas.session import RecordingResult, SessionStatus
from desktop.api.client import ApiClient
from desktop.audio.player import Player
from desktop.audio.recorder import Recorder
from desktop.context import AppContext
from desktop.controllers.answer_flow import AnswerFlow, TakeState
from desktop.tasks import TaskRunner
from desktop.views.interview import InterviewView
from tests.conftest import Account
from tests.desktop.api_server import start_practice
from tests.desktop.fake_audio import SAMPLERATE, FakeAudioBackend

SESSION = uuid.uuid4()


def test_the_recorder_writes_a_wav_and_reports_level_and_time(
    qtbot: QtBot, audio: FakeAudioBackend, context: AppContext
) -> None:
    recorder = Recorder(audio)
    levels: list[float] = []
    times: list[float] = []
    recorder.level.connect(levels.append)
    recorder.elapsed.connect(times.append)
    target = context.answers.new_take_path(SESSION)
    recorder.start(0, target)
    qtbot.waitUntil(lambda: bool(times) and times[-1] >= 0.6, timeout=5_000)
    with qtbot.waitSignal(recorder.saved, timeout=5_000) as saved:
        recorder.stop()
    path, seconds = saved.args
    assert path == target
    with wave.open(str(target), "rb") as reader:
        assert reader.getframerate() == SAMPLERATE
        assert reader.getnchannels() == 1
        assert abs(reader.getnframes() / SAMPLERATE - seconds) < 0.01
    assert seconds >= 0.6
    assert max(levels) > 0.7  # a tone at -10 dBFS
    assert not recorder.recording


def test_a_missing_microphone_is_reported_in_words(qtbot: QtBot, context: AppContext) -> None:
    recorder = Recorder(FakeAudioBackend(broken=True))
    with qtbot.waitSignal(recorder.failed) as failed:
        recorder.start(0, context.answers.new_take_path(SESSION))
    assert failed.args[0].startswith("The microphone couldn't be opened")
    assert not recorder.recording


def test_playback_plays_the_recording_and_finishes(
    qtbot: QtBot, audio: FakeAudioBackend, runner: TaskRunner, context: AppContext
) -> None:
    recorder = Recorder(audio)
    times: list[float] = []
    recorder.elapsed.connect(times.append)
    recorder.start(0, context.answers.new_take_path(SESSION))
    qtbot.waitUntil(lambda: bool(times) and times[-1] >= 0.3, timeout=5_000)
    with qtbot.waitSignal(recorder.saved) as saved:
        recorder.stop()
    player = Player(audio, runner)
    with qtbot.waitSignal(player.started):
        player.play(saved.args[0])
    assert player.playing
    with qtbot.waitSignal(player.finished, timeout=5_000):
        pass
    samples, rate = audio.played[0]
    assert rate == SAMPLERATE
    assert abs(len(samples) / rate - saved.args[1]) < 0.01


def session(questions: list[str], results: list[RecordingResult] | None = None) -> SessionStatus:
    return SessionStatus(
        session_id=SESSION,
        status="complete" if questions else "processing",
        results=results or [],
        generated_questions=questions,
        job_description="Staff Engineer\nMore text",
        created_at=datetime.now(UTC),
    )


def test_the_interview_shows_one_question_at_a_time(qtbot: QtBot) -> None:
    view = InterviewView()
    qtbot.addWidget(view)
    view.reset()
    assert view.question_busy.isVisibleTo(view)
    view.show_session(session(["First?", "Second?", "Third?"]))
    assert view.position.text() == "Question 1 of 3"
    assert not view.previous.isEnabled()
    view.next.click()
    view.next.click()
    assert view.current_question() == "Third?"
    assert not view.next.isEnabled()
    view.own_toggle.click()
    assert view.current_question() == ""
    view.own_question.setText("My own question?")
    assert view.current_question() == "My own question?"
    view.own_toggle.click()
    assert view.current_question() == "Third?"
    assert view.subtitle.text() == "Staff Engineer"


def record_a_take(qtbot: QtBot, flow: AnswerFlow, seconds: float) -> None:
    """Record until the microphone has given `seconds` of audio, then stop and wait for the file."""
    longest = [0.0]

    def note(elapsed: float) -> None:
        longest[0] = max(longest[0], elapsed)

    flow.elapsed.connect(note)
    with qtbot.waitSignal(flow.take_ready, timeout=10_000):
        flow.record(0)
        qtbot.waitUntil(lambda: longest[0] >= seconds, timeout=10_000)
        flow.stop()
    flow.elapsed.disconnect(note)


def test_record_rerecord_and_submit(
    qtbot: QtBot, context: AppContext, server_url: str, candidate: Account
) -> None:
    practice = start_practice(server_url, candidate)
    context.replace_client(ApiClient(server_url, candidate.token))
    flow = AnswerFlow(context)
    flow.set_session(practice.session_id)
    record_a_take(qtbot, flow, 0.5)
    first = flow.take
    assert first is not None
    assert first.exists()
    flow.discard()
    assert not first.exists(), "a re-recorded take leaves nothing behind"
    assert flow.state is TakeState.IDLE
    record_a_take(qtbot, flow, 0.5)
    with qtbot.waitSignal(flow.problem) as problem:
        flow.submit("   ")
    assert problem.args[0] == "Write the question you want to answer first."
    kept = flow.take
    try:
        with qtbot.waitSignal(flow.submitted, timeout=30_000) as submitted:
            flow.submit("  Why   this job? ")
        stored = context.client().recording(submitted.args[0].recording_id)
    finally:
        context.replace_client(None)
    answer = submitted.args[0]
    assert answer.question == "Why this job?"
    assert answer.wav_path == kept
    assert flow.state is TakeState.IDLE
    # The server has the second take under the cleaned question, and its length is the take's.
    assert stored.session_id == practice.session_id
    assert stored.question_text == "Why this job?"
    with wave.open(str(kept), "rb") as take:
        assert stored.audio_duration_seconds == pytest.approx(take.getnframes() / take.getframerate())


def test_answers_show_their_progress_and_failures_in_words(qtbot: QtBot) -> None:
    view = InterviewView()
    qtbot.addWidget(view)
    transcribing = RecordingResult(recording_id=uuid.uuid4(), question="One?", feedback_status="processing")
    failed = RecordingResult(
        recording_id=uuid.uuid4(),
        question="Two?",
        feedback_status="failed",
        failure_reason="speech service down",
    )
    view.show_session(session(["One?"], [transcribing, failed]))
    texts = [child.text() for child in view.findChildren(type(view.position))]
    assert "Transcribing your answer…" in texts
    assert "This answer couldn't be transcribed. The recording is kept on this computer." in texts
