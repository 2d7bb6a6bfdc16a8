"""Runs whisper.cpp on decoded audio, one transcription at a time, off the event loop.

A whisper.cpp context is not safe to use from two threads at once, and pywhispercpp keeps
decode parameters on the model object between calls, so every call goes through one lock
and passes the complete parameter set.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pywhispercpp.model import Model

from bundled_services.whisper_service.audio import SAMPLE_RATE
from bundled_services.whisper_service.model_file import GgmlModelInfo, check_ggml_model
from bundled_services.whisper_service.segmenter import split_at_pauses

# Whisper learned from captions that drop disfluencies, so it drops them too unless its
# context shows text that keeps them. This prompt is that context.
VERBATIM_PROMPT = "Umm, let me think, uh, like, you know, I mean, it's sort of, kind of... so, um, yeah."

# Peak amplitude below which a piece is taken as digital silence (about -80 dBFS).
_DIGITAL_SILENCE = 1e-4


@dataclass(frozen=True)
class DecodeOptions:
    threads: int
    language: str  # a Whisper language code, or "auto"
    verbatim: bool
    # 0 decodes greedily; more keeps that many candidates (beam search).
    beam_size: int = 0
    # The context shown to Whisper in verbatim mode; None is VERBATIM_PROMPT.
    prompt: str | None = None
    # Decode again at a higher temperature when a segment comes out repetitive or unlikely.
    temperature_fallback: bool = True


class Transcriber:
    """A loaded model; `transcribe` may be called from any thread and is serialised."""

    def __init__(self, model_path: Path, options: DecodeOptions) -> None:
        # A file whisper.cpp cannot load would crash the process on first use, so it is
        # checked before whisper.cpp sees it.
        self.info: GgmlModelInfo = check_ggml_model(model_path)
        if options.language not in {"en", "auto"} and not self.info.multilingual:
            raise ValueError(
                f"{model_path} is an English-only model; it cannot transcribe {options.language!r}"
            )
        self.model_path = model_path
        self.options = options
        self._lock = threading.Lock()
        self._model = Model(
            str(model_path),
            params_sampling_strategy=1 if options.beam_size > 0 else 0,
            redirect_whispercpp_logs_to=False,
            print_progress=False,
        )

    def transcribe(self, audio: npt.NDArray[np.float32], prompt: str | None = None) -> str:
        """The audio's text; `prompt`, when given, is shown to Whisper instead of the options' one."""
        if self.options.verbatim:
            pieces = [audio[start:end] for start, end in split_at_pauses(audio, SAMPLE_RATE)]
        else:
            pieces = [audio]
        texts: list[str] = []
        with self._lock:
            for piece in pieces:
                # Whisper invents words ("Thank you.") for pure silence, e.g. padding.
                if piece.size and float(np.max(np.abs(piece))) >= _DIGITAL_SILENCE:
                    texts.extend(self._decode(piece, prompt))
        return " ".join(texts)

    def _decode(self, audio: npt.NDArray[np.float32], prompt: str | None) -> list[str]:
        options = self.options
        if prompt is None:
            prompt = VERBATIM_PROMPT if options.prompt is None else options.prompt
        segments = self._model.transcribe(
            audio,
            n_threads=options.threads,
            language=options.language,
            detect_language=False,
            translate=False,
            # A filler prompt with timestamp decoding skips speech (docs/embedded-stack.md#why-these-limits).
            initial_prompt=prompt if options.verbatim else "",
            no_timestamps=options.verbatim,
            carry_initial_prompt=False,
            no_context=True,
            single_segment=False,
            token_timestamps=False,
            max_len=0,
            max_tokens=0,
            split_on_word=False,
            offset_ms=0,
            duration_ms=0,
            audio_ctx=0,
            temperature=0.0,
            temperature_inc=0.2 if options.temperature_fallback else 0.0,
            beam_search={"beam_size": max(options.beam_size, 1), "patience": -1.0},
            suppress_blank=True,
            suppress_nst=False,
            tdrz_enable=False,
            vad=False,
            print_progress=False,
            print_realtime=False,
            print_special=False,
            print_timestamps=False,
        )
        return [text for segment in segments if (text := segment.text.strip())]


class ServiceBusyError(RuntimeError):
    """More transcriptions are pending than the service accepts."""


class TranscriptionQueue:
    """Feeds a Transcriber from asyncio through one worker thread, with a bounded backlog."""

    def __init__(self, transcriber: Transcriber, max_pending: int) -> None:
        self.transcriber = transcriber
        self._max_pending = max_pending
        self._pending = 0
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="whisper")

    @property
    def pending(self) -> int:
        return self._pending

    async def transcribe(self, audio: npt.NDArray[np.float32]) -> str:
        if self._pending >= self._max_pending:
            raise ServiceBusyError(f"{self._pending} transcriptions are already pending")
        self._pending += 1
        try:
            future = self._executor.submit(self.transcriber.transcribe, audio)
            return await asyncio.wrap_future(future)
        finally:
            self._pending -= 1

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
