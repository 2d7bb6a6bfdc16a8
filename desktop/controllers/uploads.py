"""Sends recorded answers to the server: kept on disk first, retried on failure, cancellable."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import httpx

from desktop.answers.store import SavedAnswer
from desktop.api.errors import ApiError, describe
from desktop.context import AppContext
from desktop.limits import audio_problem
from desktop.qt import QObject, QTimer, Signal
from desktop.tasks import CancelToken, Progress, TaskHandle

RETRY_DELAYS_SECONDS = (2.0, 5.0, 15.0)


@dataclass(frozen=True, slots=True)
class UploadOutcome:
    answer: SavedAnswer
    error: str | None = None
    retryable: bool = False


class Uploader(QObject):
    progress = Signal(int, int)
    status = Signal(str)
    uploaded = Signal(object)  # SavedAnswer, with its recording id
    gave_up = Signal(object, str)  # SavedAnswer, why
    cancelled = Signal()
    failed = Signal(str)  # the upload couldn't even start (for example: not connected)

    def __init__(self, context: AppContext, retry_delays: tuple[float, ...] = RETRY_DELAYS_SECONDS) -> None:
        super().__init__()
        self._context = context
        self._delays = retry_delays
        self._running: TaskHandle | None = None
        self._attempts = 0
        self._retry_timer = QTimer(self)
        self._retry_timer.setSingleShot(True)
        self._retry_timer.timeout.connect(self._retry_due)
        self._waiting: SavedAnswer | None = None

    @property
    def busy(self) -> bool:
        return self._running is not None or self._retry_timer.isActive()

    def submit_take(self, take: Path, session_id: UUID, question: str) -> None:
        """Keep the take as an answer on disk, then upload it."""
        self._attempts = 0
        self._run(take=take, session_id=session_id, question=question, saved=None)

    def upload(self, answer: SavedAnswer) -> None:
        self._attempts = 0
        self._run(take=answer.wav_path, session_id=answer.session_id, question=answer.question, saved=answer)

    def cancel(self) -> None:
        if self._retry_timer.isActive():
            self._retry_timer.stop()
            self._waiting = None
            self.cancelled.emit()
        if self._running is not None:
            self._running.cancel()

    def _run(self, *, take: Path, session_id: UUID, question: str, saved: SavedAnswer | None) -> None:
        store = self._context.answers
        context = self._context

        def work(token: CancelToken, progress: Progress) -> UploadOutcome:
            answer = saved or store.keep(take, session_id, question)
            problem = audio_problem(answer.wav_path, answer.wav_path.stat().st_size)
            if problem:
                return UploadOutcome(store.mark_failed(answer, problem), problem)
            try:
                response = context.client().submit_recording(
                    session_id, question, answer.wav_path, progress, lambda: token.cancelled
                )
            except ApiError as error:
                message = describe(error)
                return UploadOutcome(store.mark_failed(answer, message), message, error.status_code >= 500)
            except httpx.TransportError as error:
                message = describe(error)
                return UploadOutcome(store.mark_failed(answer, message), message, retryable=True)
            return UploadOutcome(store.mark_uploaded(answer, response.recording_id))

        self.status.emit("Uploading your answer")
        handle = context.runner.submit(
            work, self._finished, self._failed, on_progress=self.progress.emit, on_cancelled=self._cancelled
        )
        self._running = handle

    def _finished(self, outcome: UploadOutcome) -> None:
        self._running = None
        if outcome.error is None:
            self.uploaded.emit(outcome.answer)
            return
        if outcome.retryable and self._attempts < len(self._delays):
            delay = self._delays[self._attempts]
            self._attempts += 1
            self._waiting = outcome.answer
            self.status.emit(f"{outcome.error} Trying again in {delay:.0f} seconds.")
            self._retry_timer.start(int(delay * 1000))
            return
        self.gave_up.emit(outcome.answer, outcome.error)

    def _retry_due(self) -> None:
        answer, self._waiting = self._waiting, None
        if answer is not None:
            self._run(
                take=answer.wav_path, session_id=answer.session_id, question=answer.question, saved=answer
            )

    def _failed(self, message: str) -> None:
        self._running = None
        self.failed.emit(message)

    def _cancelled(self) -> None:
        self._running = None
        self.cancelled.emit()
