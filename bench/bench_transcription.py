"""Which Whisper decoding keeps what a coach quotes: the labelled answers (bench/coaching_set) spoken by
espeak-ng in several voices and rates, transcribed by the bundled Whisper base model under each
decoding configuration, scored against what was said.

Per configuration: word error rate (numbers compared by value, so "900" and "nine hundred" agree),
numbers right and names right (share of those said that the transcript gives), filler recall (the
spec's fillers kept, phrase by phrase), answers whose filler count is within one of the truth, and the
real-time factor on this machine.

    python -m bench.bench_transcription [--only dev|holdout] [--configs NAME ...] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.bench_coaching_quality import FILLERS, Labelled, load_answers, speak
from bundled_services.provisioning.whisper_model import provision
from bundled_services.whisper_service.audio import SAMPLE_RATE, decode_audio
from bundled_services.whisper_service.engine import DecodeOptions, Transcriber

SHORT_FILLER_PROMPT = "Um, uh, hmm, er, ah."


@dataclass(frozen=True)
class Config:
    beam_size: int = 0
    prompt: str | None = None  # None: the service's default filler prompt
    fallback: bool = True
    with_question: bool = False  # the interview question follows the prompt


CONFIGS = {
    "greedy, long filler prompt": Config(),
    "greedy, no prompt": Config(prompt=""),
    "greedy, short filler prompt": Config(prompt=SHORT_FILLER_PROMPT),
    "greedy, short prompt + question": Config(prompt=SHORT_FILLER_PROMPT, with_question=True),
    "greedy, long prompt, no fallback": Config(fallback=False),
    "beam 5, long filler prompt (default)": Config(beam_size=5),
}

_UNIT_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen"
)
_TENS_LIST = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_NUMBER_WORDS = {word: value for value, word in enumerate(_UNIT_WORDS.split(" "))} | {
    word: 10 * (index + 2) for index, word in enumerate(_TENS_LIST)
}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}


def _value(group: list[str]) -> int:
    total = current = 0
    for word in group:
        if word in _SCALES:
            current = max(current, 1) * _SCALES[word]
            if _SCALES[word] >= 1000:
                total, current = total + current, 0
        elif word != "and":
            current += _NUMBER_WORDS[word]
    return total + current


def _number(run: list[str]) -> list[str]:
    """A run of number words as spoken: "nine hundred and eighty" is 980, "twenty twenty two" the year
    2022, "two three" two numbers."""
    groups: list[list[str]] = [[]]
    for word in run:
        last = groups[-1][-1] if groups[-1] else None
        starts_anew = (
            last is not None
            and word not in _SCALES
            and word != "and"
            and last != "and"
            and (last not in _SCALES and not (last in _TENS_WORDS and _NUMBER_WORDS[word] < 10))
        )
        if starts_anew:
            groups.append([])
        groups[-1].append(word)
    values = [_value(group) for group in groups]
    if len(values) == 2 and all(10 <= value < 100 for value in values):
        return [f"{values[0]}{values[1]:02d}"]
    return [str(value) for value in values]


_TENS_WORDS = set(_TENS_LIST)


def tokens(text: str) -> list[str]:
    """Lower-case words, each spoken number (or digits) one token holding its value."""
    spoken = text.lower().replace("-", " ").replace("%", " percent")
    words = re.findall(r"[a-z]+(?:'[a-z]+)?|\d[\d,.]*\d|\d|[,.;:!?]", spoken)
    out: list[str] = []
    run: list[str] = []
    for word in words:
        if word in _NUMBER_WORDS or word in _SCALES or (word == "and" and run and run[-1] in _SCALES):
            run.append(word)
            continue
        trailing_and = bool(run) and run[-1] == "and"
        if run:
            out.extend(_number(run[:-1] if trailing_and else run))
            if trailing_and:
                out.append("and")
            run = []
        if word[0].isdigit():
            out.append(word.replace(",", ""))
        elif word.isalpha() or "'" in word:
            out.append(word)
    if run:
        out.extend(_number(run))
    return out


def edit_distance(ref: Sequence[str], hyp: Sequence[str]) -> int:
    previous = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, start=1):
        current = [i] + [0] * len(hyp)
        for j, other in enumerate(hyp, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != other))
        previous = current
    return previous[-1]


def filler_counts(text: str) -> dict[str, int]:
    lowered = " ".join(re.findall(r"[a-z']+", text.lower()))
    return {filler: len(re.findall(rf"\b{filler}\b", lowered)) for filler in FILLERS}


def names(text: str) -> set[str]:
    """Capitalised words that do not open a sentence: the names a coach would quote back."""
    found = set()
    for match in re.finditer(r"[A-Za-z][A-Za-z']*", text):
        before = text[: match.start()].rstrip()
        word = match.group()
        if (
            word[0].isupper()
            and word not in ("I", "I'm", "I'd", "I've")
            and before
            and before[-1] not in ".!?"
        ):
            found.add(word.lower())
    return found


@dataclass
class Tally:
    edits: int = 0
    words: int = 0
    numbers_said: int = 0
    numbers_right: int = 0
    names_said: int = 0
    names_right: int = 0
    fillers_said: int = 0
    fillers_kept: int = 0
    within_one: int = 0
    answers: int = 0
    audio_seconds: float = 0.0
    seconds: float = 0.0

    def add(self, item: Labelled, transcript: str, audio_seconds: float, seconds: float) -> None:
        ref, hyp = tokens(item.answer), tokens(transcript)
        self.edits += edit_distance(ref, hyp)
        self.words += len(ref)
        said_numbers = [token for token in ref if token.isdigit()]
        self.numbers_said += len(said_numbers)
        self.numbers_right += sum(number in hyp for number in said_numbers)
        said_names = names(item.answer)
        self.names_said += len(said_names)
        heard = set(hyp)
        self.names_right += sum(name in heard for name in said_names)
        said, kept = filler_counts(item.answer), filler_counts(transcript)
        self.fillers_said += sum(said.values())
        self.fillers_kept += sum(min(said[f], kept[f]) for f in FILLERS)
        self.within_one += abs(sum(kept.values()) - item.fillers) <= 1
        self.answers += 1
        self.audio_seconds += audio_seconds
        self.seconds += seconds

    def row(self, name: str) -> str:
        def pct(part: int, whole: int) -> str:
            return f"{part}/{whole} ({100 * part / max(1, whole):.0f} %)"

        wer = 100 * self.edits / max(1, self.words)
        return (
            f"| {name} | {wer:.1f} % | {pct(self.numbers_right, self.numbers_said)} "
            f"| {pct(self.names_right, self.names_said)} | {pct(self.fillers_kept, self.fillers_said)} "
            f"| {pct(self.within_one, self.answers)} | {self.seconds / max(1e-9, self.audio_seconds):.3f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--only", choices=("dev", "holdout"))
    parser.add_argument("--configs", nargs="+", choices=sorted(CONFIGS), default=sorted(CONFIGS))
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    numbered = [
        (number, item) for number, item in enumerate(load_answers()) if args.only in (None, item.split)
    ]
    model = provision("base")
    with tempfile.TemporaryDirectory(prefix="bench-transcription-") as scratch:
        clips = []
        for number, item in numbered:
            wav, seconds = speak(item, number, Path(scratch))
            with wav.open("rb") as audio:
                clips.append((item, decode_audio(audio, max_seconds=3600), seconds))
    print(
        f"\n### Transcription of {len(clips)} spoken answers ({args.only or 'all'}), Whisper base, "
        f"{args.threads} threads ({os.cpu_count()} cores, {platform.machine()})\n"
    )
    print("| decoding | WER | numbers right | names right | filler recall | fillers within +-1 | RTF |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in args.configs:
        config = CONFIGS[name]
        options = DecodeOptions(
            threads=args.threads,
            language="en",
            verbatim=True,
            beam_size=config.beam_size,
            prompt=config.prompt,
            temperature_fallback=config.fallback,
        )
        transcriber = Transcriber(model, options)
        tally = Tally()
        for item, samples, _ in clips:
            prompt = f"{config.prompt} {item.question}" if config.with_question else None
            started = time.perf_counter()
            transcript = transcriber.transcribe(samples, prompt)
            tally.add(item, transcript, samples.size / SAMPLE_RATE, time.perf_counter() - started)
        print(tally.row(name), flush=True)
        print(f"{name}: done", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
