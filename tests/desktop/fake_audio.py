"""A stand-in audio system for unit tests: a microphone that hums a tone in real time, and a speaker
that remembers what it was asked to play. Only tests use it; the app always uses sounddevice."""

from __future__ import annotations

import threading
import time

import numpy as np

from desktop.audio.backend import AudioDeviceError, BlockCallback, InputDevice, Samples

SAMPLERATE = 16_000
BLOCK = 800  # 50 ms


class FakeStream:
    def __init__(self, callback: BlockCallback, amplitude: float) -> None:
        self.samplerate = SAMPLERATE
        self._callback = callback
        self._amplitude = amplitude
        self._running = threading.Event()
        self._thread: threading.Thread | None = None
        self.closed = False

    def start(self) -> None:
        self._running.set()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        position = 0
        while self._running.is_set():
            times = (np.arange(BLOCK) + position) / SAMPLERATE
            block = (np.sin(2 * np.pi * 220 * times) * self._amplitude * 32767).astype(np.int16)
            self._callback(block)
            position += BLOCK
            # What it stands in for: a microphone hands over each block when it has been spoken.
            time.sleep(BLOCK / SAMPLERATE)

    def stop(self) -> None:
        self._running.clear()
        if self._thread is not None:
            self._thread.join()

    def close(self) -> None:
        self.closed = True


class FakeAudioBackend:
    def __init__(self, *, amplitude: float = 0.3, broken: bool = False) -> None:
        self.amplitude = amplitude
        self.broken = broken
        self.played: list[tuple[Samples, int]] = []
        self._playing_until = 0.0

    def input_devices(self) -> list[InputDevice]:
        return [InputDevice(0, "Built-in microphone", True), InputDevice(3, "USB headset", False)]

    def open_input(self, device: int | None, callback: BlockCallback) -> FakeStream:
        if self.broken:
            raise AudioDeviceError("The microphone couldn't be opened: device unavailable")
        return FakeStream(callback, self.amplitude)

    def play(self, samples: Samples, samplerate: int) -> None:
        self.played.append((samples, samplerate))
        self._playing_until = time.monotonic() + len(samples) / samplerate

    def stop_playback(self) -> None:
        self._playing_until = 0.0

    def playback_active(self) -> bool:
        return time.monotonic() < self._playing_until
