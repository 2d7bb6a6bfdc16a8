"""Records one answer from a microphone into a WAV file, reporting level and time as it goes.

The audio system calls back on its own thread; blocks go through a queue to a writer thread, so
neither the audio callback nor the UI thread ever waits on the disk. Everything the UI needs comes
out of the signals.
"""

from __future__ import annotations

import queue
import threading
from pathlib import Path

from desktop.audio import wav
from desktop.audio.backend import AudioBackend, AudioDeviceError, InputStream, Samples
from desktop.limits import MAX_ANSWER_SECONDS, MAX_AUDIO_BYTES
from desktop.qt import QObject, QTimer, Signal

# A ten-minute answer is already far longer than any interviewer would listen to; never past the
# server's own limit on an answer's length, or a finished take would be refused at upload.
MAX_SECONDS = min(600.0, MAX_ANSWER_SECONDS)
_WAV_HEADER_BYTES = 44
_STOP = None


class Recorder(QObject):
    level = Signal(float)
    elapsed = Signal(float)
    saved = Signal(object, float)  # (Path, duration in seconds)
    failed = Signal(str)

    def __init__(self, backend: AudioBackend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._backend = backend
        self._stream: InputStream | None = None
        self._blocks: queue.Queue[Samples | None] = queue.Queue()
        self._writer: threading.Thread | None = None
        self._frames = 0
        self._samplerate = 0
        self._max_frames = 0
        self._clock = QTimer(self)
        self._clock.setInterval(100)
        self._clock.timeout.connect(self._tick)

    @property
    def recording(self) -> bool:
        return self._stream is not None

    def start(self, device: int | None, target: Path) -> None:
        if self._stream is not None:
            return
        self._frames = 0
        self._blocks = queue.Queue()
        try:
            stream = self._backend.open_input(device, self._on_block)
        except AudioDeviceError as error:
            self.failed.emit(str(error))
            return
        self._samplerate = stream.samplerate
        limit_by_size = (MAX_AUDIO_BYTES - _WAV_HEADER_BYTES) // 2
        self._max_frames = min(int(MAX_SECONDS * stream.samplerate), limit_by_size)
        self._writer = threading.Thread(
            target=self._write,
            args=(target, stream.samplerate, self._blocks),
            name="answer-writer",
            daemon=True,
        )
        self._writer.start()
        try:
            stream.start()
        except AudioDeviceError as error:
            stream.close()
            self._blocks.put(_STOP)
            self.failed.emit(str(error))
            return
        self._stream = stream
        self._clock.start()

    def stop(self) -> None:
        stream, self._stream = self._stream, None
        if stream is None:
            return
        self._clock.stop()
        stream.stop()
        stream.close()
        self.level.emit(0.0)
        self._blocks.put(_STOP)

    def _on_block(self, block: Samples) -> None:
        room = self._max_frames - self._frames
        if room <= 0:
            return
        block = block[:room]
        self._frames += len(block)
        self._blocks.put(block)
        self.level.emit(wav.level(block))

    def _tick(self) -> None:
        if self._samplerate:
            self.elapsed.emit(self._frames / self._samplerate)
        if self._frames >= self._max_frames:
            self.stop()

    def _write(self, target: Path, samplerate: int, blocks: queue.Queue[Samples | None]) -> None:
        frames = 0
        try:
            with wav.open_writer(target, samplerate) as writer:
                while (block := blocks.get()) is not None:
                    writer.writeframes(block.astype("<i2").tobytes())
                    frames += len(block)
        except OSError as error:
            self.failed.emit(f"Your answer couldn't be saved to {target}: {error.strerror or error}.")
            return
        self.saved.emit(target, frames / samplerate if samplerate else 0.0)
