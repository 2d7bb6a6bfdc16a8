"""Generates spoken answers with espeak-ng and sox, and encodes them with PyAV.

Needs the Debian packages espeak-ng and sox. Each answer becomes a 44.1 kHz stereo WAV
(sox upsamples espeak's 22.05 kHz mono, so decoding exercises resampling and downmixing)
plus MP3, M4A (AAC) and WebM (Opus) encodings of it.
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import av
from av.audio.stream import AudioStream

from tests.whisper.answers import Answer

FORMATS = ("wav", "mp3", "m4a", "webm")

# extension -> (PyAV container format, codec, sample rate, bit rate)
_ENCODINGS = {
    "mp3": ("mp3", "libmp3lame", 22_050, 64_000),
    "m4a": ("ipod", "aac", 22_050, 64_000),
    "webm": ("webm", "libopus", 48_000, 48_000),
}

VOICE = "en-us"
WORDS_PER_MINUTE = 155


@dataclass(frozen=True)
class SpokenAnswer:
    answer: Answer
    files: dict[str, Path]  # extension -> file
    duration_seconds: float  # of the synthesised speech, before any lossy encoding


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"{name} is not installed: apt-get install -y espeak-ng sox")
    return path


def wav_duration(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def encode(source: Path, extension: str, out: Path) -> Path:
    container_format, codec, rate, bit_rate = _ENCODINGS[extension]
    with av.open(str(source)) as src, av.open(str(out), "w", format=container_format) as dst:
        stream = dst.add_stream(codec, rate=rate, layout="mono")
        if not isinstance(stream, AudioStream):
            raise TypeError(f"{codec} did not give an audio stream")
        stream.bit_rate = bit_rate
        for frame in src.decode(audio=0):
            frame.pts = None  # let the encoder's resampler re-time the frames
            dst.mux(stream.encode(frame))
        dst.mux(stream.encode(None))
    return out


def synthesize(answer: Answer, directory: Path) -> SpokenAnswer:
    directory.mkdir(parents=True, exist_ok=True)
    raw = directory / f"{answer.name}.espeak.wav"
    subprocess.run(
        [_tool("espeak-ng"), "-v", VOICE, "-s", str(WORDS_PER_MINUTE), "-w", str(raw), answer.spoken],
        check=True,
        capture_output=True,
    )
    wav = directory / f"{answer.name}.wav"
    subprocess.run(
        [_tool("sox"), str(raw), "-r", "44100", "-c", "2", "-b", "16", str(wav)],
        check=True,
        capture_output=True,
    )
    files = {"wav": wav}
    for extension in _ENCODINGS:
        files[extension] = encode(wav, extension, directory / f"{answer.name}.{extension}")
    return SpokenAnswer(answer=answer, files=files, duration_seconds=wav_duration(wav))
