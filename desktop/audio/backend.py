"""What the recorder needs from an audio system; `sounddevice_backend` is the real one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.int16]
# Called on the audio system's own thread with each block of mono 16-bit samples.
BlockCallback = Callable[[Samples], None]


class AudioDeviceError(Exception):
    """The audio system refused: no such device, device busy, unsupported format."""


@dataclass(frozen=True, slots=True)
class InputDevice:
    index: int
    name: str
    is_default: bool


class InputStream(Protocol):
    samplerate: int

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def close(self) -> None: ...


class AudioBackend(Protocol):
    def input_devices(self) -> list[InputDevice]: ...

    def open_input(self, device: int | None, callback: BlockCallback) -> InputStream: ...

    def play(self, samples: Samples, samplerate: int) -> None: ...

    def stop_playback(self) -> None: ...

    def playback_active(self) -> bool: ...
