"""Speech-to-text benchmark: real-time factor, WER and filler recall per model and mode.

Generates the scripted interview answers of the test suite with espeak-ng and sox, decodes
them as the service does, and transcribes each one `--runs` times per model and mode. WER and
filler recall are pooled over all answers (total edits over total reference words; fillers kept
over fillers spoken); the real-time factor (processing time / audio duration, lower is faster)
is given as the median and the best over runs of the pooled time. Prints a Markdown table.

    python -m bench.bench_whisper [--models base tiny.en] [--runs 3] [--threads 2]

Run from the repository root; needs espeak-ng and sox, and provisions the models it lacks
into the models dir (`ASCEND_MODELS_DIR` overrides it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bundled_services.provisioning.whisper_model import RECIPES, provision
from bundled_services.whisper_service.audio import SAMPLE_RATE, decode_audio
from bundled_services.whisper_service.engine import DecodeOptions, Transcriber
from tests.whisper.answers import ALL_ANSWERS, Answer
from tests.whisper.metrics import normalize, score
from tests.whisper.speech import synthesize

MODES = {"verbatim": True, "plain": False}


@dataclass(frozen=True)
class Row:
    model: str
    mode: str
    rtf: float
    best_rtf: float
    wer: float
    fillers_kept: int
    fillers_total: int


def _measure(
    transcriber: Transcriber, clips: Sequence[tuple[Answer, npt.NDArray[np.float32]]], runs: int
) -> tuple[float, float, float, int, int]:
    audio_seconds = sum(samples.size for _, samples in clips) / SAMPLE_RATE
    rtfs: list[float] = []
    transcripts: dict[str, str] = {}
    for _ in range(runs):
        elapsed = 0.0
        for answer, samples in clips:
            started = time.perf_counter()
            transcripts[answer.name] = transcriber.transcribe(samples)
            elapsed += time.perf_counter() - started
        rtfs.append(elapsed / audio_seconds)
    errors = words = kept = total = 0.0
    for answer, _ in clips:
        result = score(answer, transcripts[answer.name])
        reference_words = len(normalize(answer.reference))
        errors += result.wer * reference_words
        words += reference_words
        kept += result.fillers_kept
        total += result.fillers_total
    return statistics.median(rtfs), min(rtfs), errors / words, int(kept), int(total)


def run(models: Sequence[str], runs: int, threads: int, workdir: Path) -> tuple[list[Row], float]:
    """The table rows, and the seconds of speech each run transcribes."""
    clips = []
    for answer in ALL_ANSWERS:
        spoken = synthesize(answer, workdir)
        with spoken.files["wav"].open("rb") as f:
            clips.append((answer, decode_audio(f, max_seconds=3600)))
    rows = []
    for model in models:
        transcriber = Transcriber(
            provision(model), DecodeOptions(threads=threads, language="en", verbatim=True)
        )
        for mode, verbatim in MODES.items():
            transcriber.options = replace(transcriber.options, verbatim=verbatim)
            rtf, best_rtf, wer, kept, total = _measure(transcriber, clips, runs)
            rows.append(Row(model, mode, rtf, best_rtf, wer, kept, total))
    return rows, sum(samples.size for _, samples in clips) / SAMPLE_RATE


def markdown(rows: Sequence[Row], audio_seconds: float, runs: int, threads: int, load: str) -> str:
    lines = [
        f"{len(ALL_ANSWERS)} answers, {audio_seconds:.0f} s of speech, {runs} runs, {threads} threads, "
        f"1-min load average {load}",
        "",
        "| model | mode | RTF (median) | RTF (best) | WER | filler recall |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {r.model} | {r.mode} | {r.rtf:.3f} | {r.best_rtf:.3f} | {r.wer:.1%} | "
        f"{r.fillers_kept}/{r.fillers_total} ({r.fillers_kept / r.fillers_total:.0%}) |"
        for r in rows
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--models", nargs="+", choices=sorted(RECIPES), default=["base", "tiny.en"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    # Other work on the machine slows whisper.cpp's threads a lot; the load shows how much
    # to trust the timings, and the best run approximates an idle machine.
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-whisper-") as tmp:
        rows, audio_seconds = run(args.models, args.runs, args.threads, Path(tmp))
    load = f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    print(markdown(rows, audio_seconds, args.runs, args.threads, load))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
