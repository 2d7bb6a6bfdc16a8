"""Decoding uploads: accepted containers, exact durations, and limits."""

from __future__ import annotations

import io

import pytest

from bundled_services.whisper_service.audio import (
    SAMPLE_RATE,
    AudioDecodeError,
    AudioTooLongError,
    decode_audio,
    sniff_container,
)
from tests.whisper.answers import STRENGTH
from tests.whisper.speech import FORMATS, SpokenAnswer


@pytest.mark.parametrize("extension", FORMATS)
def test_every_accepted_format_decodes_to_16k_mono_of_the_right_length(
    spoken: dict[str, SpokenAnswer], extension: str
) -> None:
    answer = spoken[STRENGTH.name]
    with answer.files[extension].open("rb") as f:
        audio = decode_audio(f, max_seconds=600)
    assert audio.dtype.name == "float32"
    assert audio.ndim == 1
    assert abs(audio.size / SAMPLE_RATE - answer.duration_seconds) <= 0.02 * answer.duration_seconds
    # Speech, not silence; resampling may overshoot full scale a little, which Whisper tolerates.
    assert 0.1 < float(abs(audio).max()) < 2.0


def test_audio_longer_than_the_limit_is_refused(spoken: dict[str, SpokenAnswer]) -> None:
    with spoken[STRENGTH.name].files["mp3"].open("rb") as f, pytest.raises(AudioTooLongError):
        decode_audio(f, max_seconds=5)


def test_an_ogg_file_is_not_opened() -> None:
    with pytest.raises(AudioDecodeError, match="Unsupported"):
        decode_audio(io.BytesIO(b"OggS\x00\x02" + b"\x00" * 64), max_seconds=600)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "wav"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "mp3"),
        (b"\xff\xfb\x90\x64\x00\x00", "mp3"),
        (b"\xff\xf1\x50\x80\x00\x1f", None),  # ADTS AAC shares MP3's sync word
        (b"\x00\x00\x00\x20ftypM4A \x00\x00", "mov"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81", "matroska"),
        (b"#EXTM3U\n#EXT-X-VERSION:3\n", None),  # playlists could make FFmpeg open other files
    ],
)
def test_containers_are_recognised_by_their_leading_bytes(head: bytes, expected: str | None) -> None:
    assert sniff_container(head) == expected
