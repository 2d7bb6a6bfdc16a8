"""Background work reports back on the UI thread through signals only."""

from __future__ import annotations

import threading

import pytest
from pytestqt.qtbot import QtBot

from desktop.api.errors import UserFacingError
from desktop.tasks import CancelToken, Progress, TaskRunner, simple


def test_results_arrive_on_the_ui_thread(qtbot: QtBot, runner: TaskRunner) -> None:
    ui_thread = threading.get_ident()
    worker: list[int] = []
    received: list[tuple[int, bool]] = []

    def work() -> int:
        worker.append(threading.get_ident())
        return 42

    runner.submit(simple(work), lambda value: received.append((value, threading.get_ident() == ui_thread)))
    qtbot.waitUntil(lambda: bool(received))
    assert worker[0] != ui_thread
    assert received == [(42, True)]


def test_failures_become_sentences(qtbot: QtBot, runner: TaskRunner) -> None:
    def work() -> None:
        raise UserFacingError("The resume is gone.")

    errors: list[str] = []
    runner.submit(simple(work), on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors))
    assert errors == ["The resume is gone."]


def test_unexpected_errors_are_logged_and_shown_without_a_traceback(
    qtbot: QtBot, runner: TaskRunner, caplog: pytest.LogCaptureFixture
) -> None:
    def work() -> None:
        raise KeyError("boom")

    errors: list[str] = []
    runner.submit(simple(work), on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors))
    assert "Something unexpected went wrong" in errors[0]
    assert "KeyError" not in errors[0]
    assert "KeyError" in caplog.text


def test_cancelled_work_reports_cancelled_not_success(qtbot: QtBot, runner: TaskRunner) -> None:
    started = threading.Event()

    def work(token: CancelToken, progress: Progress) -> str:
        started.set()
        for step in range(200):
            progress(step, 200)
            token.raise_if_cancelled()
            threading.Event().wait(0.01)
        return "done"

    results: list[str] = []
    handle = runner.submit(work, results.append)
    started.wait(5)
    with qtbot.waitSignal(handle.cancelled):
        handle.cancel()
    assert results == []
