"""How true the coach's judgement is: the labelled answers (bench/coaching_set/answers*.toml) spoken by
espeak-ng in several voices and rates, each submitted to the real embedded stack (default models) and
its report compared with the hand labels; then the labelled resume/job pairs' gap analyses.

    python -m bench.bench_coaching_quality [--model default] [--text] [--only dev|holdout] [--set answers_6]

`--text` judges each answer's written text with the evidence classifier alone (no speech, no language
model, no stack): the quick loop for the deterministic parts. Prints Markdown tables per split; the
figures and the machine go to docs/benchmarks.md. Run from the repository root with the models
provisioned (`ASCEND_MODELS_DIR`, as in the Makefile).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.bench_practice import EXAMPLES, start_stack
from bench.coaching_common import SET, WAIT_SECONDS, unsupported_tokens
from bench.gap_quality import GapTally, judge_gaps, print_gaps

COMPONENTS = ("situation", "task", "action", "result")
COVERAGE_OF_POINTS = {25: "specific", 15: "vague", 5: "barely mentioned", 0: "missing"}
# Three voices and rates from 110 to 210 words a minute, assigned in turn.
VOICES = ("en-us", "en-gb", "en-us+f3", "en-gb-scotland")
RATES = (110, 135, 160, 185, 210)
POLL_SECONDS = 0.25


@dataclass
class Labelled:
    id: str
    split: str
    kind: str
    question: str
    answer: str
    points: dict[str, int]
    addresses_question: bool
    fillers: int
    # The file it comes from ("answers_4"): each later part was written blind, after the rules the
    # parts before it were read for, so each is reported on its own.
    part: str = ""

    @property
    def truth_quality(self) -> float:
        """The labels' STAR quality by the rule the coach states (docs/coaching.md): an answer to
        another question keeps half its points."""
        total = sum(self.points.values())
        return float(total if self.addresses_question else total / 2)


@dataclass
class Outcome:
    item: Labelled
    star_quality: float
    coverages: dict[str, str]
    answers_question: bool
    fillers: int | None = None
    wpm: float | None = None
    true_wpm: float | None = None
    invented: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)
    transcript: str = ""
    audio_seconds: float | None = None


def load_answers() -> list[Labelled]:
    rows = [
        (path.stem, row)
        for path in sorted(SET.glob("answers*.toml"))
        for row in tomllib.loads(path.read_text())["answer"]
    ]
    return [
        Labelled(
            part=part,
            id=row["id"],
            split=row["split"],
            kind=row["kind"],
            question=row["question"],
            answer=" ".join(row["answer"].split()),
            points={component: int(row[component]) for component in COMPONENTS},
            addresses_question=bool(row["addresses_question"]),
            fillers=int(row["fillers"]),
        )
        for part, row in rows
    ]


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float:
    def ranks(values: Sequence[float]) -> list[float]:
        order = sorted(range(len(values)), key=lambda index: values[index])
        result = [0.0] * len(values)
        position = 0
        while position < len(order):
            end = position
            while end + 1 < len(order) and values[order[end + 1]] == values[order[position]]:
                end += 1
            for index in order[position : end + 1]:
                result[index] = (position + end) / 2
            position = end + 1
        return result

    if len(xs) < 2:
        return float("nan")
    return statistics.correlation(ranks(xs), ranks(ys))


def speak(item: Labelled, number: int, folder: Path) -> tuple[Path, float]:
    """The answer as a 16 kHz mono WAV and its duration in seconds."""
    raw, wav = folder / f"{item.id}.raw.wav", folder / f"{item.id}.wav"
    voice, rate = VOICES[number % len(VOICES)], RATES[number % len(RATES)]
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(rate), "-w", str(raw), item.answer], check=True)
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(wav)], check=True)
    with wave.open(str(wav)) as audio:
        return wav, audio.getnframes() / audio.getframerate()


def true_wpm(item: Labelled, seconds: float) -> float:
    from app.services.coaching import delivery_metrics

    words = delivery_metrics.words(item.answer)
    return (len(words) - item.fillers) / (seconds / 60)


def share(hits: Sequence[bool]) -> str:
    return f"{sum(hits)}/{len(hits)} ({100 * sum(hits) / max(1, len(hits)):.0f} %)"


def part_figures(outcomes: list[Outcome]) -> list[str]:
    """rho, presence, coverage and relevance of one part of the set."""
    truth = [outcome.item.truth_quality for outcome in outcomes]
    judged = [outcome.star_quality for outcome in outcomes]
    presence = [
        (outcome.coverages[c] != "missing") == (outcome.item.points[c] > 0)
        for outcome in outcomes
        for c in COMPONENTS
    ]
    coverage = [
        outcome.coverages[c] == COVERAGE_OF_POINTS[outcome.item.points[c]]
        for outcome in outcomes
        for c in COMPONENTS
    ]
    relevance = [outcome.answers_question == outcome.item.addresses_question for outcome in outcomes]
    return [f"{spearman(judged, truth):.2f}", share(presence), share(coverage), share(relevance)]


def summary_rows(outcomes: list[Outcome]) -> list[str]:
    rho, presence, coverage, relevance = part_figures(outcomes)
    rows = [
        f"| STAR quality vs truth, Spearman rho | {rho} |",
        f"| component presence right | {presence} |",
        f"| coverage agrees (specific/vague/barely/missing) | {coverage} |",
        f"| relevance right | {relevance} |",
    ]
    spoken = [outcome for outcome in outcomes if outcome.fillers is not None]
    if spoken:
        fillers = [abs((outcome.fillers or 0) - outcome.item.fillers) <= 1 for outcome in spoken]
        wpm = [
            abs((outcome.wpm or 0) - (outcome.true_wpm or 0)) <= 0.1 * (outcome.true_wpm or 1)
            for outcome in spoken
        ]
        rows += [
            f"| fillers within +-1 | {share(fillers)} |",
            f"| WPM within 10 % | {share(wpm)} |",
        ]
    invented = sum(len(outcome.invented) for outcome in outcomes)
    rows.append(f"| invented numbers/names in improved answers and recommendations | {invented} |")
    for stage in sorted({stage for outcome in outcomes for stage in outcome.seconds}):
        values = [outcome.seconds[stage] for outcome in outcomes if stage in outcome.seconds]
        rows.append(f"| {stage}, median (max) | {statistics.median(values):.1f} s ({max(values):.1f} s) |")
    return rows


def print_tables(outcomes: list[Outcome], title: str) -> None:
    for split in ("dev", "holdout", "all"):
        chosen = [outcome for outcome in outcomes if split in ("all", outcome.item.split)]
        if not chosen:
            continue
        print(f"\n### {title}: {split} ({len(chosen)} answers)\n\n| measure | value |\n|---|---:|")
        print("\n".join(summary_rows(chosen)))
    parts = sorted({outcome.item.part for outcome in outcomes})
    if len(parts) > 1:
        print(f"\n### {title}: by part\n\n| part | answers | rho | presence | coverage | relevance |")
        print("|---|---:|---:|---:|---:|---:|")
        for part in parts:
            chosen = [outcome for outcome in outcomes if outcome.item.part == part]
            print(f"| {part} | {len(chosen)} | " + " | ".join(part_figures(chosen)) + " |")
    print("\n| answer | kind | truth | judged | coverages (S/T/A/R) judged vs truth | relevance |")
    print("|---|---|---:|---:|---|---|")
    for outcome in outcomes:
        item = outcome.item
        judged = "/".join(outcome.coverages[c][0] for c in COMPONENTS)
        truth = "/".join(COVERAGE_OF_POINTS[item.points[c]][0] for c in COMPONENTS)
        print(
            f"| {item.id} ({item.split}) | {item.kind} | {item.truth_quality:.0f} "
            f"| {outcome.star_quality:.0f} "
            f"| {judged} vs {truth} | {outcome.answers_question} vs {item.addresses_question} |"
        )


FILLERS = ("um", "uh", "like", "you know", "sort of", "kind of")
KNOWLEDGE_WORDS = " ".join(
    re.sub(r"\d", " ", path.read_text())
    for path in sorted((SET.parents[1] / "knowledge_base_docs").glob("*.md"))
)


def report_facts(report: dict[str, Any], transcript: str, question: str, seconds: float | None) -> list[str]:
    """Numbers and names in the improved answer and recommendations that the transcript, the question,
    the measured delivery or (for words, never numbers) the knowledge base do not give."""
    metrics = report["delivery_metrics"]
    counts = [len(re.findall(rf"\b{filler}\b", transcript.lower())) for filler in FILLERS]
    measured = [round(metrics["words_per_minute"]), metrics["filler_word_count"], 140, 160, *counts]
    if seconds is not None:
        measured.append(round(seconds))
    improved = report.get("improved_answer") or ""
    invented = unsupported_tokens(improved, [transcript])
    for recommendation in report["recommendations"]:
        sources = [transcript, question, " ".join(map(str, measured)), KNOWLEDGE_WORDS]
        invented += unsupported_tokens(recommendation, sources)
    return invented


async def judge_texts(
    items: list[Labelled], transcripts: dict[str, tuple[str, float]] | None = None
) -> list[Outcome]:
    """Each answer judged by the evidence alone: its written text, or its transcript and measured
    duration when `transcripts` gives them (the stack's reports without the agent's reading)."""
    from app.services.coaching import delivery_metrics
    from app.services.coaching.judge import judge_answer
    from app.services.coaching.report import build_report
    from app.services.coaching.transcript import split_units
    from app.services.embedding import EmbeddingService
    from bundled_services.provisioning import embedding_model

    # The embedded stack's model (EMBEDDING_DIMENSION's default), without the server's settings.
    embeddings = EmbeddingService(str(embedding_model.provision()), 768)

    async def no_search(_query: str) -> list[str]:
        return []

    outcomes = []
    for item in items:
        text, seconds = (transcripts or {}).get(item.id, (item.answer, None))
        metrics = delivery_metrics.analyze(text, seconds)
        judgement = await judge_answer(item.question, text, split_units(text), metrics, embeddings, no_search)
        report = build_report(judgement, metrics).model_dump(mode="json")
        outcome = _outcome(item, report, text, metrics.duration_seconds)
        outcome.transcript = text
        outcomes.append(outcome)
    return outcomes


def _outcome(
    item: Labelled, report: dict[str, Any], transcript: str, seconds: float | None = None
) -> Outcome:
    components = report["star_analysis"]["components"]
    return Outcome(
        item=item,
        star_quality=float(report["star_quality"]),
        coverages={component: components[component]["coverage"] for component in COMPONENTS},
        answers_question=bool(report["relevance"]["answers_question"]),
        invented=report_facts(report, transcript, item.question, seconds),
        report=report,
    )


def judge_spoken(items: list[Labelled], folder: Path, say: Callable[[str], None]) -> list[Outcome]:
    from bundled_services.cli import ensure_runtime_dir

    ensure_runtime_dir()
    from bundled_services.practice import PracticeClient, embedded_connection

    outcomes = []
    with embedded_connection(lambda _message: None) as connection:
        client = PracticeClient(connection, lambda _message: None)
        try:
            resume_id = client.upload_resume(EXAMPLES / "resume.pdf")
            session_id = client.create_session(resume_id, (EXAMPLES / "job_description.txt").read_text())
            client.wait(f"/sessions/{session_id}", "status", "preparation", WAIT_SECONDS)
            for number, item in enumerate(items):
                audio, seconds = speak(item, number, folder)
                started = time.monotonic()
                recording_id = client.submit_answer(session_id, item.question, audio)
                transcribed = None
                while True:
                    body = client._call("GET", f"/recordings/{recording_id}")
                    if transcribed is None and body.get("transcript"):
                        transcribed = time.monotonic()
                    if body["feedback_status"] in ("complete", "failed"):
                        break
                    if time.monotonic() - started > WAIT_SECONDS:
                        raise SystemExit(f"{item.id}: no report within {WAIT_SECONDS:.0f} s")
                    time.sleep(POLL_SECONDS)
                done = time.monotonic()
                if body["feedback_status"] != "complete":
                    raise SystemExit(f"{item.id}: {body.get('failure_reason')}")
                report = body["feedback"]
                outcome = _outcome(item, report, body["transcript"], seconds)
                outcome.fillers = int(report["delivery_metrics"]["filler_word_count"])
                outcome.wpm = float(report["delivery_metrics"]["words_per_minute"])
                outcome.true_wpm = true_wpm(item, seconds)
                outcome.transcript = body["transcript"]
                outcome.audio_seconds = seconds
                outcome.seconds = {
                    "transcription": (transcribed or done) - started,
                    "report after transcript": done - (transcribed or done),
                    "submit to report": done - started,
                }
                say(
                    f"{item.id}: STAR {outcome.star_quality:.0f} (truth {item.truth_quality:.0f}), "
                    f"{done - started:.1f} s"
                )
                outcomes.append(outcome)
        finally:
            client.close()
    return outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--model", choices=("default", "small"), default="default")
    parser.add_argument("--text", action="store_true", help="judge the written answers, no speech or model")
    parser.add_argument("--only", choices=("dev", "holdout"))
    parser.add_argument("--part", choices=("answers", "gaps", "all"), default="all")
    parser.add_argument("--set", help="only the answers of one file of the set, e.g. answers_6")
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="keep the reports and the stack's logs in DIR"
    )
    args = parser.parse_args()
    items = [
        item for item in load_answers() if args.only in (None, item.split) and args.set in (None, item.part)
    ]
    if not items:
        raise SystemExit(f"no labelled answers in {args.set!r}")

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    machine = f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}"
    if args.text:
        print_tables(asyncio.run(judge_texts(items)), f"Written answers, evidence alone ({machine})")
        return
    root = Path(tempfile.mkdtemp(prefix="ascend-bench-"))
    data_dir = root / "data"
    (root / "audio").mkdir()
    os.environ.update({"ASCEND_DATA_DIR": str(data_dir), "ASCEND_LLM_MODEL": args.model})
    serve = start_stack(data_dir, dict(os.environ))
    outcomes: list[Outcome] = []
    gaps: dict[str, GapTally] = {}
    try:
        if args.part in ("answers", "all"):
            outcomes = judge_spoken(items, root / "audio", say)
            # Printed and kept before the gap pairs run: a failure there loses none of it.
            if args.keep is not None:
                args.keep.mkdir(parents=True, exist_ok=True)
                kept = {item.item.id: {"transcript": item.transcript, **item.report} for item in outcomes}
                (args.keep / "reports.json").write_text(json.dumps(kept, indent=1))
            print_tables(outcomes, f"Spoken answers, {args.model} model, whole stack ({machine})")
        if args.part in ("gaps", "all"):
            gaps = judge_gaps(args.only, root / "audio", say)
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=120)
        if args.keep is not None:
            shutil.copytree(data_dir / "logs", args.keep / "logs", dirs_exist_ok=True)
        shutil.rmtree(root, ignore_errors=True)
    if outcomes:
        # The same transcripts judged by the evidence alone: what the agent's reading adds.
        heard = {outcome.item.id: (outcome.transcript, outcome.audio_seconds or 0.0) for outcome in outcomes}
        alone = asyncio.run(judge_texts([outcome.item for outcome in outcomes], heard))
        print_tables(alone, f"The same transcripts, evidence alone, no model ({machine})")
    if gaps:
        print_gaps(gaps, f"Gap analysis, {args.model} model ({machine})")


if __name__ == "__main__":
    main()
