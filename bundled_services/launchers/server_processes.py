"""The server's own processes, started the way production starts them: the Celery worker and the API."""

from __future__ import annotations

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
    return ManagedProcess("worker", argv, log_path=log_path, env=env, cwd=SERVER_DIR)


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
