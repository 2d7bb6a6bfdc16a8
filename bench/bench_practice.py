"""End-to-end benchmark of `ascend practice` on the example 60-second answer, per language model.

For each model, one embedded stack is started (`ascend serve`, not timed here: see bench_startup),
then `ascend practice --json` is run `--runs` times against it, each a full workflow through the HTTP
API: upload the resume, gap analysis and questions, submit the answer, transcription, feedback. The
command's progress lines are timestamped to split its time into phases:

- preparation: upload, gap analysis and question writing (until the answer is submitted)
- transcription: until the transcript is stored (the answer turns `processing`)
- feedback: until the report is stored and printed

and counts which path wrote each question set and each report (the agent, or the constrained
fallback after the agent ran out of steps or time), from the worker's log. Prints a Markdown table
of medians.

    python -m bench.bench_practice [--models default small] [--runs 3] [--keep-logs DIR]

Run from the repository root with the models provisioned (`ASCEND_MODELS_DIR`, as in the Makefile).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
READY = re.compile(r"^API ready at (\S+)")
WRITTEN_BY = re.compile(
    r"(feedback for recording|questions for session) \S+ written by the (agent|fallback) path"
)


# What the language model server's log says of each request: the opening turn it kept or restored
# (bundled_services/llm_service), the prompt left to read after the memory it could reuse, then
# llama.cpp's own counts, the last of which ends the request.
KEPT_TURN = re.compile(r"opening turn of (\d+) tokens (kept|restored)")
PREFIX_HIT = re.compile(r"prefix-match hit, remaining (\d+) prompt tokens")
PROMPT_EVAL = re.compile(r"prompt eval time =\s+[\d.]+ ms /\s+(\d+) tokens")
GENERATED = re.compile(r"^llama_perf_context_print:\s+eval time =\s+[\d.]+ ms /\s+(\d+) runs")
TOTAL = re.compile(r"total time =\s+([\d.]+) ms")
# With prompt-lookup guesses on, llama.cpp counts a checked batch as prompt: the server says itself
# how many tokens each answer had and how many of them were guesses taken.
WROTE = re.compile(r"wrote (\d+) tokens, (\d+) of them guessed")


@dataclass
class ModelWork:
    """What the language model did during one run."""

    requests: int = 0
    prompt_tokens_read: int = 0
    prompt_tokens_restored: int = 0
    generated_tokens: int = 0
    guesses_taken: int = 0
    seconds: float = 0.0

    @classmethod
    def from_log(cls, text: str) -> ModelWork:
        work = cls()
        kept = remaining = evaluated = None
        written_by_server: int | None = None
        for line in text.splitlines():
            if found := WROTE.search(line):
                written_by_server = (written_by_server or 0) + int(found.group(1))
                work.guesses_taken += int(found.group(2))
            elif found := KEPT_TURN.search(line):
                if found.group(2) == "kept":
                    kept = int(found.group(1))
                else:
                    work.prompt_tokens_restored += int(found.group(1))
            elif found := PREFIX_HIT.search(line):
                remaining = int(found.group(1))
            elif found := PROMPT_EVAL.search(line):
                evaluated = int(found.group(1))
            elif found := GENERATED.search(line):
                work.generated_tokens += int(found.group(1))
            elif found := TOTAL.search(line):
                # With no prefix reused, llama.cpp's own count is the whole prompt.
                read = remaining if remaining is not None else (evaluated or 0)
                work.prompt_tokens_read += read + (kept or 0)
                work.seconds += float(found.group(1)) / 1000
                work.requests += 1
                kept = remaining = evaluated = None
        if written_by_server is not None:
            work.generated_tokens = written_by_server
        return work

    def describe(self) -> str:
        return (
            f"{self.requests} model calls, {self.seconds:.0f} s: read {self.prompt_tokens_read} prompt "
            f"tokens ({self.prompt_tokens_restored} more restored), wrote {self.generated_tokens}"
            f" ({self.guesses_taken} of them guesses taken)"
        )


@dataclass
class Timing:
    preparation: float
    transcription: float
    feedback: float
    total: float
    overall_score: float
    model: ModelWork | None = None


def start_stack(data_dir: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    serve = subprocess.Popen(
        [sys.executable, "-m", "bundled_services.cli", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert serve.stdout is not None
    for line in serve.stdout:
        if READY.match(line.strip()):
            break
    else:
        raise SystemExit(f"ascend serve exited with {serve.wait()} before it was ready")
    threading.Thread(target=lambda: [None for _ in serve.stdout or []], daemon=True).start()
    return serve


def _practice(env: dict[str, str], model_log: Path) -> Timing:
    log_start = model_log.stat().st_size if model_log.exists() else 0
    started = time.monotonic()
    command = [
        sys.executable, "-m", "bundled_services.cli", "practice",
        "--resume", str(EXAMPLES / "resume.pdf"),
        "--jd", str(EXAMPLES / "job_description.txt"),
        "--answer", str(EXAMPLES / "answer.wav"),
        "--json",
    ]  # fmt: skip
    with tempfile.TemporaryFile("w+") as stdout:
        # stdout to a file: only stderr (the progress) is read while the command runs.
        practice = subprocess.Popen(command, env=env, stdout=stdout, stderr=subprocess.PIPE, text=True)
        assert practice.stderr is not None
        submitted = transcribed = None
        for line in practice.stderr:
            now = time.monotonic() - started
            if line.startswith("… Answering:"):
                submitted = now
            elif line.startswith("… Your answer: processing"):
                transcribed = now
        stdout.seek(0)
        output = stdout.read()
    if practice.wait() != 0:
        raise SystemExit(f"ascend practice failed:\n{output}")
    total = time.monotonic() - started
    result = json.loads(output.strip().splitlines()[-1])
    submitted = submitted if submitted is not None else total
    # A fast transcription can finish between two polls, so the answer is never seen `processing`.
    transcribed = transcribed if transcribed is not None else submitted
    with model_log.open(errors="replace") as log:
        log.seek(log_start)
        model = ModelWork.from_log(log.read())
    return Timing(
        preparation=submitted,
        transcription=transcribed - submitted,
        feedback=total - transcribed,
        total=total,
        overall_score=float(result["feedback"]["overall_score"]),
        model=model,
    )


def _paths_taken(data_dir: Path) -> dict[str, dict[str, int]]:
    """How many question sets and reports each path wrote, from the worker's log (restarted workers
    append to it)."""
    counts = {kind: {"agent": 0, "fallback": 0} for kind in ("questions", "feedback")}
    log = data_dir / "logs" / "worker.log"
    for found in WRITTEN_BY.finditer(log.read_text(errors="replace")):
        counts[found.group(1).split()[0]][found.group(2)] += 1
    return counts


def _share(counts: dict[str, int]) -> str:
    return f"{counts['agent']} of {sum(counts.values())}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--models", nargs="+", choices=("default", "small"), default=["default", "small"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--keep-logs", type=Path, metavar="DIR", help="copy each stack's logs to DIR/<model> at the end"
    )
    args = parser.parse_args()
    results: dict[str, list[Timing]] = {}
    paths: dict[str, dict[str, dict[str, int]]] = {}
    for model in args.models:
        root = Path(tempfile.mkdtemp(prefix="ascend-bench-"))
        env = {**os.environ, "ASCEND_DATA_DIR": str(root / "data"), "ASCEND_LLM_MODEL": model}
        serve = start_stack(root / "data", env)
        try:
            results[model] = []
            for number in range(args.runs):
                timing = _practice(env, root / "data" / "logs" / "llm.log")
                work = f"; {timing.model.describe()}" if timing.model else ""
                print(f"{model} run {number + 1}: {timing.total:.1f}s{work}", file=sys.stderr)
                results[model].append(timing)
            paths[model] = _paths_taken(root / "data")
        finally:
            serve.send_signal(signal.SIGTERM)
            serve.wait(timeout=120)
            if args.keep_logs is not None:
                shutil.copytree(root / "data" / "logs", args.keep_logs / model, dirs_exist_ok=True)
            shutil.rmtree(root, ignore_errors=True)
    print(f"\n### `ascend practice` end to end, 60 s answer ({os.cpu_count()} cores, medians, seconds)\n")
    print(
        "| language model | runs | preparation (gap analysis + questions) | transcription | feedback report "
        "| **total** | overall score | question sets by the agent | reports by the agent |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for model, timings in results.items():

        def median(name: str, chosen: list[Timing] = timings) -> float:
            return float(statistics.median(float(getattr(timing, name)) for timing in chosen))

        print(
            f"| {model} | {len(timings)} | {median('preparation'):.0f} | {median('transcription'):.0f} "
            f"| {median('feedback'):.0f} | **{median('total'):.0f}** | {median('overall_score'):.0f} "
            f"| {_share(paths[model]['questions'])} | {_share(paths[model]['feedback'])} |"
        )


if __name__ == "__main__":
    main()
