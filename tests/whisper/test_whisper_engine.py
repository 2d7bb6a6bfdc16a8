"""The transcriber in-process: verbatim decoding, and no parameter leaking between calls."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from bundled_services.whisper_service.audio import decode_audio
from bundled_services.whisper_service.engine import DecodeOptions, Transcriber
from tests.whisper.answers import MOTIVATION
from tests.whisper.metrics import score
from tests.whisper.speech import SpokenAnswer

VERBATIM = DecodeOptions(threads=2, language="en", verbatim=True)
PLAIN = dataclasses.replace(VERBATIM, verbatim=False)


@pytest.fixture(scope="module")
def transcriber(whisper_model: Path) -> Transcriber:
    return Transcriber(whisper_model, VERBATIM)


def test_verbatim_keeps_fillers_plain_drops_and_no_setting_leaks_between_calls(
    transcriber: Transcriber, whisper_model: Path, spoken: dict[str, SpokenAnswer]
) -> None:
    with spoken[MOTIVATION.name].files["wav"].open("rb") as f:
        audio = decode_audio(f, max_seconds=600)
    plain_on_fresh_model = Transcriber(whisper_model, PLAIN).transcribe(audio)

    verbatim = transcriber.transcribe(audio)  # sets a prompt and turns timestamps off
    transcriber.options = PLAIN
    try:
        plain_after_verbatim = transcriber.transcribe(audio)
    finally:
        transcriber.options = VERBATIM

    # pywhispercpp keeps decode settings on the model between calls; the transcriber sets
    # all of them on every call, so the plain call after a verbatim one is unaffected.
    assert plain_after_verbatim == plain_on_fresh_model
    verbatim_kept = score(MOTIVATION, verbatim).fillers_kept
    assert verbatim_kept == len(MOTIVATION.fillers), verbatim
    assert score(MOTIVATION, plain_on_fresh_model).fillers_kept < verbatim_kept, plain_on_fresh_model


def test_pure_silence_gives_an_empty_transcript(transcriber: Transcriber) -> None:
    assert transcriber.transcribe(np.zeros(16_000 * 5, dtype=np.float32)) == ""


def test_beam_search_keeps_the_fillers_and_a_call_with_its_own_prompt_leaves_the_next_alone(
    whisper_model: Path, spoken: dict[str, SpokenAnswer]
) -> None:
    with spoken[MOTIVATION.name].files["wav"].open("rb") as f:
        audio = decode_audio(f, max_seconds=600)
    beam = Transcriber(whisper_model, dataclasses.replace(VERBATIM, beam_size=5))
    first = beam.transcribe(audio)
    assert score(MOTIVATION, first).fillers_kept == len(MOTIVATION.fillers), first
    beam.transcribe(audio, prompt="")  # no filler context for this call only
    assert beam.transcribe(audio) == first
