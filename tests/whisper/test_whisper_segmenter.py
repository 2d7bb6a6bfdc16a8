"""Long audio is cut into Whisper-sized pieces in pauses, not inside words."""

from __future__ import annotations

import itertools

import numpy as np

from bundled_services.whisper_service.audio import SAMPLE_RATE, decode_audio
from bundled_services.whisper_service.segmenter import split_at_pauses
from tests.whisper.answers import MIGRATION
from tests.whisper.speech import SpokenAnswer


def test_a_minute_of_speech_is_cut_in_pauses_into_pieces_under_30_seconds(
    spoken: dict[str, SpokenAnswer],
) -> None:
    with spoken[MIGRATION.name].files["wav"].open("rb") as f:
        audio = decode_audio(f, max_seconds=600)
    pieces = split_at_pauses(audio, SAMPLE_RATE)

    assert len(pieces) >= 3
    assert pieces[0][0] == 0
    assert pieces[-1][1] == audio.size
    for (_, end), (start, _) in itertools.pairwise(pieces):
        assert end == start
    assert all(end - start <= 28 * SAMPLE_RATE for start, end in pieces)
    speech_level = float(np.sqrt(np.mean(np.square(audio))))
    window = SAMPLE_RATE // 20
    for _, cut in pieces[:-1]:
        around_cut = audio[cut - window : cut + window]
        assert float(np.sqrt(np.mean(np.square(around_cut)))) < 0.1 * speech_level


def test_short_audio_is_left_whole() -> None:
    audio = np.ones(SAMPLE_RATE * 10, dtype=np.float32)
    assert split_at_pauses(audio, SAMPLE_RATE) == [(0, audio.size)]


def test_no_piece_is_left_shorter_than_the_minimum_tail() -> None:
    audio = np.ones(int(SAMPLE_RATE * 28.5), dtype=np.float32)
    pieces = split_at_pauses(audio, SAMPLE_RATE)
    assert all(end - start >= 2 * SAMPLE_RATE for start, end in pieces)
