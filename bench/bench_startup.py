"""Embedded-stack benchmark: time from `ascend serve` to "API ready", and the stack's memory when idle.

Each run starts `ascend serve` as a user would, timestamps its progress lines, waits for the
"API ready" line, lets the stack settle, measures the memory of every process in it (the supervisor,
its children and the PostgreSQL server with its helpers), then stops it with SIGTERM and times that.

- "first start": a fresh data dir (PostgreSQL initialised, migrations applied, the knowledge base
  embedded); the models are already provisioned, their first-run assembly is not measured.
- "start": the same data dir again, nothing running (the usual start of a laptop's day).

Prints Markdown tables with the median over the runs. The page cache is left as it is (warm after
the first run); a reboot-cold disk adds the time to read the models (0.6-1.6 GB) once.

    python -m bench.bench_startup [--runs 5] [--first-runs 1] [--model default|small] [--settle 20]

Run from the repository root with the models provisioned (`ASCEND_MODELS_DIR`, as in the Makefile).
"""

from __future__ import annotations

import argparse
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
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import psutil

READY = re.compile(r"^API ready at (\S+)")
STEP = re.compile(r"^… (.+)$")
SERVICE_NAMES = {
    "postgres": "database",
    "valkey-server": "broker",
}


@dataclass
class Run:
    kind: str
    ready_seconds: float = 0.0
    stop_seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)
    memory_rss: dict[str, float] = field(default_factory=dict)
    memory_pss: dict[str, float] = field(default_factory=dict)


def _service(process: psutil.Process) -> str:
    name = process.name()
    if name in SERVICE_NAMES:
        return SERVICE_NAMES[name]
    if name.startswith("postgres"):
        return "database"
    command = " ".join(process.cmdline())
    for marker, label in (
        ("llm_service", "language model"),
        ("whisper_service", "speech recognition"),
        ("nanio", "file store"),
        ("celery", "worker"),
        ("uvicorn", "API"),
        ("bundled_services.cli serve", "supervisor"),
    ):
        if marker in command:
            return label
    return name


def _stack(serve: psutil.Process, pgdata: Path) -> list[psutil.Process]:
    processes = [serve, *serve.children(recursive=True)]
    pid_file = pgdata / "postmaster.pid"
    if pid_file.exists():
        postmaster = psutil.Process(int(pid_file.read_text().splitlines()[0]))
        processes += [postmaster, *postmaster.children(recursive=True)]
    return processes


def _measure_memory(serve: psutil.Process, pgdata: Path, run: Run) -> None:
    rss: dict[str, float] = defaultdict(float)
    pss: dict[str, float] = defaultdict(float)
    for process in _stack(serve, pgdata):
        try:
            info = process.memory_full_info()
            label = _service(process)
        except psutil.NoSuchProcess:
            continue
        rss[label] += info.rss / 2**20
        # PSS splits shared pages (the mapped model files, shared libraries) between their users,
        # so the total is what the stack really occupies.
        pss[label] += info.pss / 2**20
    run.memory_rss, run.memory_pss = dict(rss), dict(pss)


def _one_run(kind: str, data_dir: Path, env: dict[str, str], settle: float) -> Run:
    run = Run(kind)
    started = time.monotonic()
    serve = subprocess.Popen(
        [sys.executable, "-m", "bundled_services.cli", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert serve.stdout is not None
    previous_step, previous_at = "model check", started
    for line in serve.stdout:
        now = time.monotonic()
        step = STEP.match(line.strip())
        if step:
            run.steps[previous_step] = now - previous_at
            previous_step, previous_at = step.group(1).split(" (")[0], now
        if READY.match(line.strip()):
            run.steps[previous_step] = now - previous_at
            run.ready_seconds = now - started
            break
    else:
        raise SystemExit(f"ascend serve exited with {serve.wait()} before it was ready")
    # Keep draining its output so the supervisor never blocks on a full pipe.
    drain = threading.Thread(target=lambda: [None for _ in serve.stdout or []], daemon=True)
    drain.start()
    time.sleep(settle)
    _measure_memory(psutil.Process(serve.pid), data_dir / "postgres", run)
    stopping = time.monotonic()
    serve.send_signal(signal.SIGTERM)
    serve.wait(timeout=120)
    run.stop_seconds = time.monotonic() - stopping
    return run


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _print_tables(runs: list[Run], model: str) -> None:
    cores = os.cpu_count()
    print(f"\n### Cold start to ready ({model} language model, {cores} cores, medians)\n")
    print("| start | runs | to ready (s) | stop (s) |")
    print("|---|---:|---:|---:|")
    for kind in ("first start", "start"):
        chosen = [run for run in runs if run.kind == kind]
        if chosen:
            ready = _median([run.ready_seconds for run in chosen])
            stop = _median([run.stop_seconds for run in chosen])
            print(f"| {kind} | {len(chosen)} | {ready:.1f} | {stop:.1f} |")
    usual = [run for run in runs if run.kind == "start"] or runs
    print("\n#### Where a start's time goes (median s, steps overlap: the models load in the background)\n")
    print("| step | s |")
    print("|---|---:|")
    for step in usual[0].steps:
        print(f"| {step} | {_median([run.steps.get(step, 0.0) for run in usual]):.1f} |")
    print(f"\n### Idle memory of the stack ({model} language model, MiB, medians)\n")
    print("| service | RSS | PSS |")
    print("|---|---:|---:|")
    services = sorted(
        {name for run in runs for name in run.memory_pss}, key=lambda n: -runs[-1].memory_pss.get(n, 0)
    )
    for name in services:
        rss = _median([run.memory_rss.get(name, 0.0) for run in runs])
        pss = _median([run.memory_pss.get(name, 0.0) for run in runs])
        print(f"| {name} | {rss:.0f} | {pss:.0f} |")
    total_rss = _median([sum(run.memory_rss.values()) for run in runs])
    total_pss = _median([sum(run.memory_pss.values()) for run in runs])
    print(f"| **total** | **{total_rss:.0f}** | **{total_pss:.0f}** |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5, help="starts on an existing data dir")
    parser.add_argument("--first-runs", type=int, default=1, help="starts on a fresh data dir (slow)")
    parser.add_argument("--model", choices=("default", "small"), default="default")
    parser.add_argument("--settle", type=float, default=20.0, help="idle seconds before measuring memory")
    args = parser.parse_args()
    runs: list[Run] = []
    root = Path(tempfile.mkdtemp(prefix="ascend-bench-"))
    try:
        data_dir = root / "data"
        env = {**os.environ, "ASCEND_DATA_DIR": str(data_dir), "ASCEND_LLM_MODEL": args.model}
        for number in range(max(args.first_runs, 1)):
            shutil.rmtree(data_dir, ignore_errors=True)
            run = _one_run("first start", data_dir, env, args.settle)
            print(f"first start {number + 1}: ready in {run.ready_seconds:.1f}s", file=sys.stderr)
            if number < args.first_runs:
                runs.append(run)
        for number in range(args.runs):
            run = _one_run("start", data_dir, env, args.settle)
            print(f"start {number + 1}: ready in {run.ready_seconds:.1f}s", file=sys.stderr)
            runs.append(run)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    _print_tables(runs, args.model)


if __name__ == "__main__":
    main()
