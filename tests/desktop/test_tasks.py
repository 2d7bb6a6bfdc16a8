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
    go_on = threading.Event()
    steps: list[int] = []

    def work(token: CancelToken, progress: Progress) -> str:
        started.set()
        # Held mid-way until the test has cancelled it, so the cancel always lands while it runs.
        assert go_on.wait(30), "the test never let the work go on"
        for step in (1, 2):
            token.raise_if_cancelled()
            steps.append(step)
            progress(step, 2)
        return "done"

    results: list[str] = []
    handle = runner.submit(work, results.append)
    assert started.wait(30), "the work never started"
    with qtbot.waitSignal(handle.cancelled):
        handle.cancel()
        go_on.set()
    assert results == []
    assert steps == [], "the work stopped at its first look at the token"


def test_work_cancelled_after_it_finished_still_reports_cancelled(qtbot: QtBot, runner: TaskRunner) -> None:
    go_on = threading.Event()

    def work(_token: CancelToken, _progress: Progress) -> str:
        # Never looks at its token: the cancel arrives while it runs, and it finishes all the same.
        assert go_on.wait(30), "the test never let the work go on"
        return "done"

    results: list[str] = []
    handle = runner.submit(work, results.append)
    with qtbot.waitSignal(handle.cancelled):
        handle.cancel()
        go_on.set()
    assert results == []
