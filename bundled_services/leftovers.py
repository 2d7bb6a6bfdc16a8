"""The stack's child processes, recorded so that a run killed outright leaves nothing running for long.

A supervisor stopped by SIGINT/SIGTERM stops its children itself, and on Linux a child also gets
SIGTERM when a single-threaded supervisor dies (see `launchers.process`). Neither covers a
supervisor embedded in a multi-threaded program (the desktop app) that is killed with SIGKILL; so
every child is recorded here with its start time, and the next start on the same data dir (which
holds the instance lock, so no other supervisor can own them) stops the ones still running.
"""

from __future__ import annotations

import json
import logging
import os
import signal
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

logger = logging.getLogger("ascend.supervisor")

RECORD_NAME = "processes.json"
_STOP_GRACE_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class RecordedProcess:
    name: str
    pid: int
    started: float  # psutil's create_time: tells the process apart from a later one given the same pid


def record(data_dir: Path, processes: Iterable[tuple[str, int]]) -> None:
    entries = []
    for name, pid in processes:
        try:
            entries.append(RecordedProcess(name, pid, psutil.Process(pid).create_time()))
        except psutil.NoSuchProcess:
            continue
    target = data_dir / RECORD_NAME
    temporary = target.with_name(f".{RECORD_NAME}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump([asdict(entry) for entry in entries], handle)
    temporary.replace(target)


def forget(data_dir: Path) -> None:
    (data_dir / RECORD_NAME).unlink(missing_ok=True)


def _still_running(entry: RecordedProcess) -> psutil.Process | None:
    try:
        process = psutil.Process(entry.pid)
        if abs(process.create_time() - entry.started) > 0.01:
            return None
    except psutil.NoSuchProcess:
        return None
    return process


def stop_leftovers(data_dir: Path) -> list[str]:
    """Stop the recorded processes of an earlier run that are still running; returns their names."""
    path = data_dir / RECORD_NAME
    if not path.exists():
        return []
    entries = [RecordedProcess(**item) for item in json.loads(path.read_text())]
    found = [(entry, process) for entry in entries if (process := _still_running(entry)) is not None]
    for entry, process in found:
        logger.warning("stopping %s (pid %d), left running by an earlier run", entry.name, entry.pid)
        # Each child leads a session of its own, so its group holds whatever it started itself.
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
    _gone, alive = psutil.wait_procs([process for _, process in found], timeout=_STOP_GRACE_SECONDS)
    for process in alive:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
    psutil.wait_procs(alive, timeout=5)
    forget(data_dir)
    return [entry.name for entry, _ in found]
