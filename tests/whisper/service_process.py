"""Runs the real speech-to-text service as a subprocess on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_SECONDS = 90.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def service_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "bundled_services.whisper_service", *args]


def service_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.update(extra or {})
    return env


def _wait_healthy(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"the service exited with {process.returncode}:\n{log.read_text()[-4000:]}"
                )
            try:
                if client.get(f"{base_url}/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass  # not listening yet
            time.sleep(0.1)
    raise RuntimeError(
        f"the service was not healthy within {STARTUP_TIMEOUT_SECONDS} s:\n{log.read_text()[-4000:]}"
    )


@contextmanager
def running_service(
    log: Path, args: tuple[str, ...] = (), env: Mapping[str, str] | None = None
) -> Iterator[str]:
    """Starts the service on a free port, yields its base URL once /health answers 200, stops it."""
    port = free_port()
    args = ("--host", "127.0.0.1", "--port", str(port), *args)
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            service_command(*args),
            cwd=REPO_ROOT,
            env=service_env(env),
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_healthy(base_url, process, log)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
