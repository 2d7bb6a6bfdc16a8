"""Answers are kept as 16-bit mono WAV: lossless, and accepted by the server as they are."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from desktop.audio.backend import Samples


def open_writer(path: Path, samplerate: int) -> wave.Wave_write:
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = wave.open(str(path), "wb")  # noqa: SIM115 - closed by the recorder's writer thread
    writer.setnchannels(1)
    writer.setsampwidth(2)
    writer.setframerate(samplerate)
    return writer


def read_samples(path: Path) -> tuple[Samples, int]:
    with wave.open(str(path), "rb") as reader:
        if reader.getsampwidth() != 2:
            raise ValueError(f"{path.name} is not a 16-bit recording")
        frames = reader.readframes(reader.getnframes())
        samples = np.frombuffer(frames, dtype="<i2").astype(np.int16)
        channels = reader.getnchannels()
        if channels > 1:
            samples = samples.reshape(-1, channels)[:, 0].copy()
        return samples, reader.getframerate()


def duration_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as reader:
        return reader.getnframes() / float(reader.getframerate())


def level(block: Samples) -> float:
    """Loudness of a block on a 0-1 scale spanning -60 dBFS (silence) to 0 dBFS."""
    if block.size == 0:
        return 0.0
    rms = float(np.sqrt(np.mean(np.square(block.astype(np.float64))))) / 32768.0
    if rms <= 1e-6:
        return 0.0
    decibels = 20.0 * np.log10(rms)
    return float(min(1.0, max(0.0, (decibels + 60.0) / 60.0)))
