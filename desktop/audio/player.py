"""Plays a recorded answer back so the candidate can hear it before submitting."""

from __future__ import annotations

from pathlib import Path

from desktop.audio import wav
from desktop.audio.backend import AudioBackend, AudioDeviceError, Samples
from desktop.qt import QObject, QTimer, Signal
from desktop.tasks import TaskRunner, simple


class Player(QObject):
    started = Signal()
    finished = Signal()
    failed = Signal(str)

    def __init__(self, backend: AudioBackend, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._backend = backend
        self._runner = runner
        self._playing = False
        self._watch = QTimer(self)
        self._watch.setInterval(100)
        self._watch.timeout.connect(self._check_done)

    @property
    def playing(self) -> bool:
        return self._playing

    def play(self, path: Path) -> None:
        self.stop()
        self._runner.submit(simple(lambda: wav.read_samples(path)), self._start, self.failed.emit)

    def _start(self, loaded: tuple[Samples, int]) -> None:
        samples, samplerate = loaded
        try:
            self._backend.play(samples, samplerate)
        except AudioDeviceError as error:
            self.failed.emit(str(error))
            return
        self._playing = True
        self._watch.start()
        self.started.emit()

    def _check_done(self) -> None:
        if not self._backend.playback_active():
            self._finish()

    def stop(self) -> None:
        if self._playing:
            self._backend.stop_playback()
            self._finish()

    def _finish(self) -> None:
        self._watch.stop()
        self._playing = False
        self.finished.emit()
