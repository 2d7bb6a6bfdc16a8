"""The real audio system, through sounddevice (PortAudio)."""

from __future__ import annotations

from typing import Any

import numpy as np

from desktop.audio.backend import AudioDeviceError, BlockCallback, InputDevice, Samples

# Speech recognisers work at 16 kHz; asking for it keeps answer files small when the device can.
PREFERRED_SAMPLERATE = 16_000
BLOCK_FRAMES = 1024


def load_sounddevice() -> Any:
    """The sounddevice module, or an AudioDeviceError when PortAudio isn't installed."""
    try:
        import sounddevice  # type: ignore[import-untyped]
    except OSError as error:
        raise AudioDeviceError(
            "No audio system was found on this computer (the PortAudio library is missing)."
        ) from error
    return sounddevice


class _Stream:
    def __init__(self, stream: Any, samplerate: int, portaudio_error: type[Exception]) -> None:
        self._stream = stream
        self.samplerate = samplerate
        self._error = portaudio_error

    def start(self) -> None:
        try:
            self._stream.start()
        except self._error as error:
            raise AudioDeviceError(f"The microphone couldn't start: {error}") from error

    def stop(self) -> None:
        self._stream.stop()

    def close(self) -> None:
        self._stream.close()


class SoundDeviceBackend:
    def __init__(self) -> None:
        self._sd = load_sounddevice()
        self._error: type[Exception] = self._sd.PortAudioError

    def input_devices(self) -> list[InputDevice]:
        try:
            devices = self._sd.query_devices()
            default_input = int(self._sd.default.device[0])
        except self._error as error:
            raise AudioDeviceError(f"The list of microphones isn't available: {error}") from error
        return [
            InputDevice(index=index, name=str(info["name"]), is_default=index == default_input)
            for index, info in enumerate(devices)
            if int(info["max_input_channels"]) > 0
        ]

    def _samplerate_for(self, device: int | None) -> int:
        try:
            self._sd.check_input_settings(
                device=device, channels=1, dtype="int16", samplerate=PREFERRED_SAMPLERATE
            )
        except self._error:
            info = self._sd.query_devices(device, "input")
            return int(float(info["default_samplerate"]))
        except ValueError as error:
            raise AudioDeviceError(f"That microphone can't record: {error}") from error
        return PREFERRED_SAMPLERATE

    def open_input(self, device: int | None, callback: BlockCallback) -> _Stream:
        samplerate = self._samplerate_for(device)

        def on_block(indata: Samples, _frames: int, _time: Any, _status: Any) -> None:
            callback(np.array(indata[:, 0], dtype=np.int16, copy=True))

        try:
            stream = self._sd.InputStream(
                device=device,
                channels=1,
                samplerate=samplerate,
                dtype="int16",
                blocksize=BLOCK_FRAMES,
                callback=on_block,
            )
        except (self._error, ValueError) as error:
            raise AudioDeviceError(f"The microphone couldn't be opened: {error}") from error
        return _Stream(stream, samplerate, self._error)

    def play(self, samples: Samples, samplerate: int) -> None:
        try:
            self._sd.play(samples, samplerate)
        except (self._error, ValueError) as error:
            raise AudioDeviceError(f"The recording couldn't be played: {error}") from error

    def stop_playback(self) -> None:
        self._sd.stop()

    def playback_active(self) -> bool:
        return bool(self._sd.get_stream().active) if self._has_stream() else False

    def _has_stream(self) -> bool:
        try:
            self._sd.get_stream()
        except RuntimeError:
            return False
        return True
