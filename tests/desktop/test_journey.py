"""A new user's whole practice loop, against the real embedded stack and a real (virtual) microphone.

The app starts every service itself, signs the local user in, takes a resume and a job description,
records a spoken answer through PulseAudio, uploads it, and the stack's real speech recogniser
transcribes it. The stack here runs no language model (see embedded_env), so question writing and the
feedback report end `failed`: the app must say so in words, show the transcript it did get, and still
let the candidate practise with a question of their own.
"""

from __future__ import annotations

import shutil
import tempfile
import wave
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from app.schemas.gap_analysis import GapAnalysis
from bundled_services.local_user import LOCAL_DOMAIN
from desktop.audio.sounddevice_backend import SoundDeviceBackend
from desktop.connection.local_signin import LocalSignIn
from desktop.context import AppContext
from desktop.controllers.gap import analysis_pending
from desktop.qt import QAbstractButton, QLabel, QSettings, QWidget
from desktop.settings import AppSettings, Mode, SettingKey
from desktop.tasks import TaskRunner
from desktop.views.gap import NOT_WRITTEN
from desktop.views.home import ID_ROLE
from desktop.views.main_window import MainWindow, Screen
from tests.desktop import samples
from tests.desktop.embedded_env import embedded_environment, inherited_server_settings
from tests.desktop.virtual_mic import VirtualMicrophone, virtual_microphone
from tests.files import make_pdf

Screenshot = Callable[[QWidget, str], Path]
ANSWER = (
    "Um, when our payments service slowed down at peak, you know, I owned the fix. I profiled it, "
    "split out the ledger, and rolled it out behind a flag. Latency fell from nine hundred to one "
    "hundred and eighty milliseconds."
)


@pytest.fixture
def workspace() -> Iterator[Path]:
    # PostgreSQL runs as an unprivileged user when the tests run as root, so the data dir can't live
    # under pytest's private tmp dir.
    root = Path(tempfile.mkdtemp(prefix="ascend-desktop-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def microphone(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[VirtualMicrophone]:
    with virtual_microphone(workspace / "audio") as mic:
        for key in ("PULSE_SERVER", "PULSE_RUNTIME_PATH", "PULSE_SINK", "PULSE_SOURCE"):
            monkeypatch.setenv(key, mic.env[key])
        yield mic


@pytest.fixture
def app_window(
    qtbot: QtBot, workspace: Path, microphone: VirtualMicrophone, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MainWindow]:
    data_dir = workspace / "data"
    for key in inherited_server_settings():
        monkeypatch.delenv(key)
    for key, value in embedded_environment(data_dir).items():
        monkeypatch.setenv(key, value)
    settings = AppSettings(QSettings(str(workspace / "settings.ini"), QSettings.Format.IniFormat))
    runner = TaskRunner()
    context = AppContext(settings=settings, runner=runner, data_dir=data_dir, audio=SoundDeviceBackend())
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.resize(1180, 820)
    window.show()
    qtbot.waitExposed(window)
    try:
        yield window
    finally:
        window.close()
        qtbot.waitUntil(lambda: not window.connection.embedded.running, timeout=60_000)
        qtbot.waitUntil(lambda: not runner.busy, timeout=60_000)
        runner.wait()


def current(window: MainWindow) -> Screen:
    return Screen(window.pages.currentIndex())


def session_settled(window: MainWindow) -> bool:
    latest = window.gap_controller.latest
    return latest is not None and not analysis_pending(latest)


def standalone_settled(window: MainWindow) -> bool:
    latest = window.gap_controller.latest_analysis
    return latest is not None and latest.status in ("complete", "failed")


def shows_the_analysis(qtbot: QtBot, window: MainWindow, analysis: GapAnalysis) -> None:
    gap = window.gap
    qtbot.waitUntil(lambda: not gap.overview.isHidden(), timeout=10_000)
    assert gap.banner.isHidden()
    assert gap.summary.text() == analysis.summary
    shown = [
        label.text() for label in gap.requirements_card.findChildren(QLabel) if label.objectName() == "h3"
    ]
    assert sorted(shown) == sorted(item.requirement for item in analysis.requirements)


def wav_stats(path: Path) -> tuple[float, float]:
    with wave.open(str(path), "rb") as reader:
        frames = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2").astype(np.float64)
        return reader.getnframes() / reader.getframerate(), float(np.sqrt(np.mean(frames**2)))


def click(button: QAbstractButton) -> None:
    assert button.isVisible(), f"{button.text()!r} is hidden"
    assert button.isEnabled(), f"{button.text()!r} is disabled"
    button.click()


TRANSCRIBED_NO_REPORT = (
    "Transcribed, but the feedback report couldn't be written. The recording is kept on this computer."
)


def answer_notes(view: QWidget) -> list[str]:
    return [note.text() for note in view.findChildren(QLabel) if note.accessibleName() == "answer status"]


def answer_failed(window: MainWindow) -> bool:
    latest = window.interview_controller.latest
    return bool(latest and latest.results and latest.results[0].feedback_status == "failed")


def record_answer(
    qtbot: QtBot, window: MainWindow, mic: VirtualMicrophone, screenshot: Screenshot | None
) -> None:
    view = window.interview
    click(view.record)
    qtbot.waitUntil(lambda: view.record.text().endswith("Stop"), timeout=5_000)
    speaker = mic.say(ANSWER)
    qtbot.waitUntil(lambda: view.meter.level > 0.3, timeout=10_000)
    qtbot.wait(2_500)
    if screenshot is not None:
        screenshot(window, "interview-recording")
    speaker.wait(timeout=30)
    click(view.record)
    qtbot.waitUntil(view.submit.isEnabled, timeout=10_000)


def sign_in_to_team_server(qtbot: QtBot, window: MainWindow, workspace: Path) -> None:
    """A second copy of the app, in team-server mode, signs in to the running server with a token."""
    tokens: list[str] = []
    local = LocalSignIn()
    local.signed_in.connect(tokens.append)
    local.start(window.context.server_env)
    qtbot.waitUntil(lambda: bool(tokens), timeout=30_000)
    assert window.context.api is not None
    settings = AppSettings(QSettings(str(workspace / "team.ini"), QSettings.Format.IniFormat))
    settings.mode = Mode.TEAM
    runner = TaskRunner()
    team = MainWindow(AppContext(settings=settings, runner=runner, data_dir=workspace / "team", audio=None))
    qtbot.addWidget(team)
    team.show()
    team.start()
    assert current(team) is Screen.SIGN_IN
    team.sign_in.url.setText(window.context.api.base_url)
    team.sign_in.token.setText("not-a-token")
    click(team.sign_in.submit)
    qtbot.waitUntil(lambda: "Sign in again" in team.sign_in.banner.text.text(), timeout=10_000)
    team.sign_in.token.setText(tokens[-1])
    click(team.sign_in.submit)
    qtbot.waitUntil(lambda: current(team) is Screen.HOME, timeout=10_000)
    qtbot.waitUntil(lambda: team.home.sessions.count() >= 1, timeout=10_000)
    assert settings.text(SettingKey.TEAM_TOKEN) == tokens[-1]
    team.close()
    qtbot.waitUntil(lambda: not runner.busy, timeout=30_000)


def test_a_new_user_practises_without_a_terminal(
    qtbot: QtBot,
    app_window: MainWindow,
    microphone: VirtualMicrophone,
    screenshot: Screenshot,
    workspace: Path,
) -> None:
    window = app_window
    window.context.settings.set_text(SettingKey.INPUT_DEVICE, "default")

    # Start-up: every service comes up on screen, then the local user is signed in with no login.
    window.start()
    qtbot.waitUntil(lambda: len(window.startup.step_texts()) >= 4, timeout=60_000)
    screenshot(window, "startup")
    qtbot.waitUntil(lambda: current(window) is Screen.HOME, timeout=120_000)
    steps = window.startup.step_texts()
    for service in (
        "Starting the database",
        "Loading the speech recognition model",
        "Starting the background worker and the API",
    ):
        assert service in steps
    assert steps[-1] == "Signing you in"
    assert window.context.user is not None
    assert window.context.user.email.endswith(f"@{LOCAL_DOMAIN}")

    # New practice: a PDF resume and a pasted job description.
    click(window.nav[Screen.PRACTICE])
    resume = workspace / "jordan-rivera-resume.pdf"
    resume.write_bytes(make_pdf())
    window.practice.choose_resume(resume)
    qtbot.waitUntil(lambda: "MB of 5 MB" in window.practice.resume_label.text(), timeout=10_000)
    window.practice.job.setPlainText(samples.JOB_DESCRIPTION)
    click(window.practice.start)
    qtbot.waitUntil(lambda: current(window) is Screen.GAP, timeout=30_000)

    # Gap analysis: the session's job writes it before the questions, and the screen shows the
    # server's own analysis whenever the session has one. Without a language model (as here) the job
    # fails first: the screen says so, and a fresh analysis asked for on its own (POST /gap-analysis,
    # then GET /gap-analysis/{id}) is followed until the server gives its verdict.
    gap, following = window.gap, window.gap_controller
    qtbot.waitUntil(lambda: session_settled(window), timeout=90_000)
    session = following.latest
    assert session is not None
    if session.gap_analysis is not None:
        shows_the_analysis(qtbot, window, session.gap_analysis)
    else:
        assert session.status == "failed"
        qtbot.waitUntil(lambda: gap.banner.text.text() == NOT_WRITTEN, timeout=10_000)
        assert gap.banner.details.text() == session.failure_reason
        assert gap.overview.isHidden()
        assert "Traceback" not in gap.banner.details.text()
        click(gap.banner.action)
        qtbot.waitUntil(lambda: standalone_settled(window), timeout=120_000)
        standalone = following.latest_analysis
        assert standalone is not None
        assert standalone.analysis_id == following.analysis_id
        assert standalone.resume_id == session.resume_id
        if standalone.result is not None:
            shows_the_analysis(qtbot, window, standalone.result)
        else:
            assert standalone.status == "failed"
            qtbot.waitUntil(lambda: gap.banner.details.text() == standalone.failure_reason, timeout=10_000)
            assert gap.banner.text.text() == NOT_WRITTEN
            assert gap.banner.action.text() == "Analyse again"
            screenshot(window, "gap-analysis-not-written")
    click(gap.next)
    assert current(window) is Screen.INTERVIEW

    # Interview: without a language model the questions can't be written; the app says why and
    # offers the candidate's own question instead.
    view = window.interview
    qtbot.waitUntil(view.question_busy.isHidden, timeout=90_000)
    if view.own_question.isHidden():
        question = view.current_question()
    else:
        assert "question of your own" in view.banner.text.text()
        assert view.banner.action.text() == "Ask for questions again"
        question = "Tell me about a time you improved the performance of a system under pressure."
        view.own_question.setText(question)
    qtbot.waitUntil(lambda: view.selected_device() is not None, timeout=10_000)

    # Record, listen back, decide to record again, then submit.
    record_answer(qtbot, window, microphone, None)
    click(view.play)
    qtbot.waitUntil(lambda: view.play.text().endswith("Play back") and view.play.isEnabled(), timeout=30_000)
    click(view.rerecord)
    assert not view.submit.isEnabled()
    record_answer(qtbot, window, microphone, screenshot)
    take = window.answer_flow.take
    assert take is not None
    seconds, loudness = wav_stats(take)
    assert seconds > 5
    assert loudness > 300, "the recording is silent: the virtual microphone didn't reach the app"
    click(view.submit)

    # The answer is kept on disk first and is marked uploaded once the server has it.
    qtbot.waitUntil(lambda: "Answer sent" in view.take_note.text(), timeout=60_000)
    qtbot.waitUntil(
        lambda: bool(window.interview_controller.latest and window.interview_controller.latest.results)
    )
    latest = window.interview_controller.latest
    assert latest is not None
    recording_id = latest.results[0].recording_id
    kept = window.context.answers.find_by_recording(recording_id)
    assert kept is not None
    assert kept.wav_path == take
    assert kept.question == question

    # Whisper transcribes the answer; the report can't be written without the language model.
    qtbot.waitUntil(lambda: answer_failed(window), timeout=150_000)
    qtbot.waitUntil(lambda: answer_notes(view)[:1] == [TRANSCRIBED_NO_REPORT])

    # The feedback screen shows the transcript with its fillers, explains the missing report and
    # offers to check again; no traceback anywhere.
    window.open_answer(recording_id)
    qtbot.waitUntil(lambda: not window.feedback.banner.isHidden(), timeout=30_000)
    message = window.feedback.banner.text.text()
    assert message.startswith("The feedback report for this answer couldn't be written")
    assert "Traceback" not in message
    assert not window.feedback.transcript_card.isHidden()
    transcript = window.feedback.detail.transcript if window.feedback.detail else ""
    assert "payment" in (transcript or "").lower()
    assert "background-color" in window.feedback.transcript.text(), "the spoken fillers were not highlighted"
    screenshot(window, "feedback-without-report")

    # Home lists the session and the answer.
    click(window.nav[Screen.HOME])
    qtbot.waitUntil(
        lambda: window.home.answers.count() == 1 and bool(window.home.answers.item(0).data(ID_ROLE))
    )
    assert window.home.sessions.count() == 1

    # The same server, used as a team server by a second copy of the app with a pasted token.
    sign_in_to_team_server(qtbot, window, workspace)

    # Settings: the models' state is reported, and "delete all my data" leaves an empty account.
    click(window.nav[Screen.SETTINGS])
    qtbot.waitUntil(lambda: window.settings_view.models.count() == 2, timeout=30_000)
    click(window.settings_view.delete)
    assert window.settings_view.confirm_box is not None
    window.settings_view.confirm_box.done(0)
    click(window.settings_view.delete)
    assert isinstance(window.settings_view.confirm_button, QAbstractButton)
    click(window.settings_view.confirm_button)
    qtbot.waitUntil(lambda: current(window) is Screen.HOME, timeout=60_000)
    qtbot.waitUntil(
        lambda: window.home.answers.count() == 1 and not window.home.answers.item(0).data(ID_ROLE)
    )
    assert not kept.wav_path.exists()
