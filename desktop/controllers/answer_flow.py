"""One answer from microphone to server: record, listen back, re-record, submit (kept on disk first)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from uuid import UUID

from desktop.answers.store import SavedAnswer
from desktop.audio.player import Player
from desktop.audio.recorder import Recorder
from desktop.context import AppContext
from desktop.controllers.uploads import Uploader
from desktop.limits import question_problem
from desktop.qt import QObject, Signal


class TakeState(StrEnum):
    IDLE = "idle"
    RECORDING = "recording"
    RECORDED = "recorded"
    PLAYING = "playing"
    UPLOADING = "uploading"


class AnswerFlow(QObject):
    state_changed = Signal(str)  # TakeState
    level = Signal(float)
    elapsed = Signal(float)
    take_ready = Signal(float)  # seconds recorded
    problem = Signal(str)
    upload_status = Signal(str)
    upload_progress = Signal(int, int)
    submitted = Signal(object)  # SavedAnswer, uploaded
    upload_failed = Signal(object, str)  # SavedAnswer, why (the answer stays on disk)

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context
        self.state = TakeState.IDLE
        self.session_id: UUID | None = None
        self.take: Path | None = None
        self.uploader = Uploader(context)
        self.uploader.status.connect(self.upload_status)
        self.uploader.progress.connect(self.upload_progress)
        self.uploader.uploaded.connect(self._uploaded)
        self.uploader.gave_up.connect(self._gave_up)
        self.uploader.cancelled.connect(self._upload_cancelled)
        self.uploader.failed.connect(self._upload_not_started)
        self.recorder: Recorder | None = None
        self.player: Player | None = None
        if context.audio is not None:
            self.recorder = Recorder(context.audio, self)
            self.recorder.level.connect(self.level)
            self.recorder.elapsed.connect(self.elapsed)
            self.recorder.saved.connect(self._saved)
            self.recorder.failed.connect(self._recorder_failed)
            self.player = Player(context.audio, context.runner, self)
            self.player.finished.connect(lambda: self._set(TakeState.RECORDED) if self.take else None)
            self.player.failed.connect(self.problem)

    def _set(self, state: TakeState) -> None:
        self.state = state
        self.state_changed.emit(state.value)

    def set_session(self, session_id: UUID) -> None:
        if session_id != self.session_id:
            self.discard()
        self.session_id = session_id

    def record(self, device: int | None) -> None:
        if self.recorder is None or self.session_id is None:
            self.problem.emit(self._context.audio_problem or "Recording isn't available on this computer.")
            return
        self.discard()
        self._set(TakeState.RECORDING)
        self.recorder.start(device, self._context.answers.new_take_path(self.session_id))

    def stop(self) -> None:
        if self.recorder is not None and self.recorder.recording:
            self.recorder.stop()

    def _saved(self, path: Path, seconds: float) -> None:
        self.take = path
        self._set(TakeState.RECORDED)
        self.take_ready.emit(seconds)

    def _recorder_failed(self, message: str) -> None:
        self._set(TakeState.IDLE)
        self.problem.emit(message)

    def play(self) -> None:
        if self.player is not None and self.take is not None:
            self._set(TakeState.PLAYING)
            self.player.play(self.take)

    def stop_playback(self) -> None:
        if self.player is not None:
            self.player.stop()

    def discard(self) -> None:
        """Throw the current take away (it was never submitted, so nothing is lost)."""
        self.stop_playback()
        if self.take is not None:
            self._context.answers.discard_take(self.take)
            self.take = None
        if self.state is not TakeState.UPLOADING:
            self._set(TakeState.IDLE)

    def submit(self, question: str) -> None:
        if self.take is None or self.session_id is None:
            self.problem.emit("Record an answer first.")
            return
        problem = question_problem(question)
        if problem:
            self.problem.emit(problem)
            return
        self.stop_playback()
        take, self.take = self.take, None
        self._set(TakeState.UPLOADING)
        self.uploader.submit_take(take, self.session_id, " ".join(question.split()))

    def upload_again(self, answer: SavedAnswer) -> None:
        if self.uploader.busy:
            self.problem.emit("Another answer is uploading; this one will be next once it's done.")
            return
        self._set(TakeState.UPLOADING)
        self.uploader.upload(answer)

    def cancel_upload(self) -> None:
        self.uploader.cancel()

    def _uploaded(self, answer: SavedAnswer) -> None:
        self._set(TakeState.IDLE)
        self.submitted.emit(answer)

    def _gave_up(self, answer: SavedAnswer, message: str) -> None:
        self._set(TakeState.IDLE)
        self.upload_failed.emit(answer, message)

    def _upload_not_started(self, message: str) -> None:
        self._set(TakeState.IDLE)
        self.upload_failed.emit(None, f"{message} Your answer is saved on this computer.")

    def _upload_cancelled(self) -> None:
        self._set(TakeState.IDLE)
        self.upload_failed.emit(
            None, "Upload cancelled. Your answer is saved on this computer; send it when you're ready."
        )
