"""What the journeys through the real app share: finding screens, clicking, recording, waiting."""

from __future__ import annotations

import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
from pytestqt.qtbot import QtBot

from app.schemas.gap_analysis import GapAnalysis
from desktop.composition.build import build_app
from desktop.composition.root import DesktopApp
from desktop.connection.local_signin import LocalSignIn
from desktop.context import AppContext
from desktop.controllers.gap import analysis_pending
from desktop.qt import QAbstractButton, QLabel, QSettings, QWidget
from desktop.settings import AppSettings, Mode
from desktop.tasks import TaskRunner
from desktop.views.main_window import MainWindow, Screen
from tests.desktop.virtual_mic import VirtualMicrophone

Screenshot = Callable[[QWidget, str], Path]
ANSWER = (
    "Um, when our payments service slowed down at peak, you know, I owned the fix. I profiled it, "
    "split out the ledger, and rolled it out behind a flag. Latency fell from nine hundred to one "
    "hundred and eighty milliseconds."
)


def current(window: MainWindow) -> Screen:
    return Screen(window.pages.currentIndex())


def session_settled(app: DesktopApp) -> bool:
    latest = app.controllers.gap.latest
    return latest is not None and not analysis_pending(latest)


def standalone_settled(app: DesktopApp) -> bool:
    latest = app.controllers.gap.latest_analysis
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


def answer_failed(app: DesktopApp) -> bool:
    latest = app.controllers.interview.latest
    return bool(latest and latest.results and latest.results[0].feedback_status == "failed")


def record_answer(
    qtbot: QtBot, window: MainWindow, mic: VirtualMicrophone, screenshot: Screenshot | None
) -> None:
    view = window.interview
    click(view.record)
    qtbot.waitUntil(lambda: view.record.text().endswith("Stop"), timeout=5_000)
    speaker = mic.say(ANSWER)
    qtbot.waitUntil(lambda: view.meter.level > 0.3, timeout=10_000)
    # Mid-answer, as the screenshot shows it: the take's clock past two seconds.
    qtbot.waitUntil(lambda: view.timer.text() >= "00:02", timeout=10_000)
    if screenshot is not None:
        screenshot(window, "interview-recording")
    speaker.wait(timeout=30)
    click(view.record)
    qtbot.waitUntil(view.submit.isEnabled, timeout=10_000)


def sign_in_to_team_server(qtbot: QtBot, app: DesktopApp, workspace: Path) -> None:
    """A second copy of the app, in team-server mode, signs in to the running server with a token."""
    tokens: list[str] = []
    local = LocalSignIn()
    local.signed_in.connect(tokens.append)
    local.start(app.context.server_env)
    qtbot.waitUntil(lambda: bool(tokens), timeout=30_000)
    assert app.context.api is not None
    settings = AppSettings(QSettings(str(workspace / "team.ini"), QSettings.Format.IniFormat))
    settings.mode = Mode.TEAM
    runner = TaskRunner()
    team_app = build_app(
        AppContext(settings=settings, runner=runner, data_dir=workspace / "team", audio=None)
    )
    team = team_app.window
    qtbot.addWidget(team)
    team.show()
    team_app.start()
    assert current(team) is Screen.SIGN_IN
    team.sign_in.url.setText(app.context.api.base_url)
    team.sign_in.token.setText("not-a-token")
    click(team.sign_in.submit)
    qtbot.waitUntil(lambda: "Sign in again" in team.sign_in.banner.text.text(), timeout=10_000)
    team.sign_in.token.setText(tokens[-1])
    click(team.sign_in.submit)
    qtbot.waitUntil(lambda: current(team) is Screen.HOME, timeout=10_000)
    qtbot.waitUntil(lambda: team.home.sessions.count() >= 1, timeout=10_000)
    assert team_app.context.tokens.get(settings.server_url) == tokens[-1]
    assert tokens[-1] not in (workspace / "team.ini").read_text()
    team.close()
    qtbot.waitUntil(lambda: not runner.busy, timeout=30_000)
