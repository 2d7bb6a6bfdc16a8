"""The server's own processes, started the way production starts them: the Celery worker and the API."""

from __future__ import annotations

import signal
from collections.abc import Mapping
from pathlib import Path

from bundled_services.launchers.process import LOOPBACK, ManagedProcess
from bundled_services.python_command import module_command

# `main:app` and `worker` are imported from here, exactly as in the server's image.
SERVER_DIR = Path(__file__).resolve().parents[2] / "server"


def celery_worker(log_path: Path, env: Mapping[str, str]) -> ManagedProcess:
    # One process (solo pool): a laptop runs one model at a time, and jobs queue in the broker.
    argv = [
        *module_command("celery"), "-A", "worker", "worker",
        "--pool", "solo", "--loglevel", "INFO", "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    # Killed, not told, when the supervisor dies: the broker dies with it, so a job finished now could
    # not be acknowledged, and nothing would bound its warm shutdown; the next start hands the job back.
    return ManagedProcess(
        "worker", argv, log_path=log_path, env=env, cwd=SERVER_DIR, parent_death_signal=signal.SIGKILL
    )


def api_server(port: int, log_path: Path, env: Mapping[str, str]) -> ManagedProcess:
    argv = [
        *module_command("uvicorn"),
        "main:app",
        "--host",
        LOOPBACK,
        "--port",
        str(port),
        "--no-access-log",
    ]
    return ManagedProcess("api", argv, log_path=log_path, env=env, cwd=SERVER_DIR)
