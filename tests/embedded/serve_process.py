"""`ascend serve` run the way a user runs it: a real process, its output in a file, stopped by a signal."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from bundled_services.launchers.process import LOOPBACK
from bundled_services.leftovers import RECORD_NAME

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = REPO_ROOT / "examples"
READY_LINE = re.compile(r"^API ready at (http://127\.0\.0\.1:(\d+)/api/v1)$", re.MULTILINE)
# Nothing listens on the discard port: services configured "elsewhere" there are not started.
UNREACHABLE_WHISPER = f"http://{LOOPBACK}:9/transcribe"
UNREACHABLE_LLM = f"http://{LOOPBACK}:9/v1"

# Settings a test process may carry (the root conftest's `stack` fixture puts its own in os.environ);
# the embedded stack must work them out itself, or be told explicitly by the test.
SERVER_SETTINGS = re.compile(
    r"^(DATABASE_URL|REDIS_URL|CELERY_\w+|S3_\w+|WHISPER_\w+|LOCAL_LLM_\w+|LLM_PROVIDER|OPENAI_\w+|NEXTAUTH_SECRET"
    r"|TASK_\w+|AGENT_\w+|EMBEDDING_\w+|LLM_REQUEST_TIMEOUT_SECONDS|ASCEND_\w+)$"
)


def models_dir() -> str:
    # One machine-wide copy of the models (the Makefile exports it); a fresh data dir would otherwise
    # assemble them all again.
    return os.environ.get("ASCEND_MODELS_DIR") or str(Path.home() / ".cache" / "ascend-models")


def stack_environment(data_dir: Path, **settings: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not SERVER_SETTINGS.match(key)}
    env.update(
        {
            "ASCEND_DATA_DIR": str(data_dir),
            "ASCEND_MODELS_DIR": models_dir(),
            "ASCEND_LLM_MODEL": "small",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(settings)
    return env


def ascend_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "bundled_services.cli", *args]


def run_ascend(env: Mapping[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ascend_command(*args), env=dict(env), capture_output=True, text=True, timeout=timeout, check=False
    )


def process_alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def postmaster_pid(data_dir: Path) -> int | None:
    pid_file = data_dir / "postgres" / "postmaster.pid"
    try:
        return int(pid_file.read_text().splitlines()[0])
    except (OSError, IndexError, ValueError):
        return None


@dataclass
class ServeProcess:
    data_dir: Path
    env: dict[str, str]
    output_path: Path
    popen: subprocess.Popen[bytes]
    api_url: str = ""
    seen_pids: set[int] = field(default_factory=set)

    @classmethod
    def start(cls, data_dir: Path, env: Mapping[str, str], *args: str) -> ServeProcess:
        output_path = data_dir.parent / f"{data_dir.name}-serve-{time.monotonic_ns()}.out"
        with output_path.open("wb") as output:
            popen = subprocess.Popen(
                ascend_command("serve", *args),
                env=dict(env),
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        return cls(data_dir=data_dir, env=dict(env), output_path=output_path, popen=popen)

    @property
    def output(self) -> str:
        return self.output_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 240) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = READY_LINE.search(self.output)
            if found:
                self.api_url = found.group(1)
                self.seen_pids |= self.stack_pids()
                return self.api_url
            if self.popen.poll() is not None:
                raise AssertionError(f"ascend serve exited with {self.popen.returncode}:\n{self.output}")
            time.sleep(0.25)
        raise AssertionError(f"ascend serve was not ready after {timeout:.0f}s:\n{self.output}")

    def wait_exit(self, timeout: float) -> int:
        return self.popen.wait(timeout=timeout)

    def recorded(self) -> dict[str, int]:
        """The supervisor's own record of its children, name to pid."""
        entries = json.loads((self.data_dir / RECORD_NAME).read_text())
        return {entry["name"]: entry["pid"] for entry in entries}

    def stack_pids(self) -> set[int]:
        """The supervisor, everything it started, and the PostgreSQL server with its helpers."""
        pids = {self.popen.pid}
        roots = [self.popen.pid]
        postmaster = postmaster_pid(self.data_dir)
        if postmaster is not None:
            roots.append(postmaster)
        for root in roots:
            try:
                process = psutil.Process(root)
                pids |= {root, *(child.pid for child in process.children(recursive=True))}
            except psutil.NoSuchProcess:
                continue
        return pids

    def health(self) -> int:
        root = self.api_url.removesuffix("/api/v1")
        try:
            return httpx.get(f"{root}/health", timeout=5).status_code
        except httpx.TransportError:
            return 0

    def terminate(self, timeout: float = 120) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        return self.popen.wait(timeout=timeout)

    def cleanup(self) -> None:
        """After a failed test: stop whatever is still running, so no test leaves processes behind."""
        if self.popen.poll() is None:
            try:
                self.terminate(timeout=90)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)
        leftovers = [pid for pid in self.seen_pids if process_alive(pid)]
        for pid in leftovers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                continue
