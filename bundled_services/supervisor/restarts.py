"""The running embedded stack's watch: a service that died is restarted, a crash loop given up on.

A dead worker's unfinished jobs are handed back to the queue before the new worker starts; a service
that cannot come back is retried on the next check, and one that crashes more than `RESTART_LIMIT`
times within `RESTART_WINDOW_SECONDS` ends the watch with `ServiceCrashLoopError`. `EmbeddedStack`
holds one and hands it its lock.
"""

from __future__ import annotations

import collections
import logging
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

from bundled_services.launchers.broker import BrokerHandle, requeue_unacknowledged
from bundled_services.launchers.postgres import PostgresHandle
from bundled_services.launchers.process import ManagedProcess, ServiceStartError, tail

logger = logging.getLogger("ascend.supervisor")

# More crashes than this within the window is a crash loop: restarting again would not help.
RESTART_LIMIT = 5
BROKER_WAIT_SECONDS = 20.0
RESTART_WINDOW_SECONDS = 300.0


class ServiceCrashLoopError(ServiceStartError):
    """A service kept crashing right after every restart."""


class Watched(Protocol):
    """What the watch reads of the stack it restarts."""

    postgres: PostgresHandle | None
    broker: BrokerHandle | None

    @property
    def logs_dir(self) -> Path: ...

    def managed(self) -> Iterator[ManagedProcess]: ...

    def record_processes(self) -> None: ...


class CrashRestarts:
    """Restarts the stack's crashed services, under the stack's own lock, and counts each restart."""

    def __init__(self, stack: Watched, guard: threading.RLock) -> None:
        self._stack = stack
        self._guard = guard
        self._restarts: dict[str, collections.deque[float]] = {}

    def _count_restart(self, name: str) -> None:
        now = time.monotonic()
        recent = self._restarts.setdefault(name, collections.deque())
        while recent and now - recent[0] > RESTART_WINDOW_SECONDS:
            recent.popleft()
        if len(recent) >= RESTART_LIMIT:
            raise ServiceCrashLoopError(
                f"{name} crashed {len(recent) + 1} times within {RESTART_WINDOW_SECONDS / 60:.0f} minutes; "
                f"not restarting it again. Its log is in {self._stack.logs_dir}."
            )
        recent.append(now)

    def restart_crashed(self) -> list[str]:
        """Restart every service that has died; returns the names restarted.

        Raises `ServiceCrashLoopError` for a service that keeps dying.
        """
        with self._guard:
            restarted: list[str] = []
            postgres = self._stack.postgres
            if postgres is not None and not postgres.running():
                logger.error("database stopped unexpectedly; restarting it")
                self._count_restart("database")
                if self._try_restart("database", postgres.restart):
                    restarted.append("database")
            for process in list(self._stack.managed()):
                if process.running():
                    continue
                logger.error(
                    "%s stopped unexpectedly (exit code %s); restarting. Last log lines:\n%s",
                    process.name,
                    process.returncode,
                    tail(process.log_path, 10),
                )
                if process.name == "worker" and not self._hand_back_unfinished_jobs():
                    continue
                self._count_restart(process.name)
                if self._try_restart(process.name, process.start):
                    restarted.append(process.name)
            if restarted:
                self._stack.record_processes()
            return restarted

    def _try_restart(self, name: str, restart: Callable[[], None]) -> bool:
        """Restart one service; a failure is logged and retried on the next check (the crash-loop limit
        ends that), so one service that cannot come back does not stop the others being watched."""
        try:
            restart()
        except (OSError, subprocess.SubprocessError, ServiceStartError):
            logger.exception("could not restart %s; trying again shortly", name)
            return False
        return True

    def _hand_back_unfinished_jobs(self) -> bool:
        """Hand the dead worker's jobs back to the queue; False if that cannot be done yet.

        Only before the new worker starts: once it takes jobs, the jobs set aside are no longer all
        the dead one's. With the broker itself restarting, wait for it; if it does not come back, the
        worker is left down until the next check rather than started without its jobs.
        """
        broker = self._stack.broker
        if broker is None:
            return True
        deadline = time.monotonic() + BROKER_WAIT_SECONDS
        while not broker.answers():
            if time.monotonic() > deadline:
                logger.error("the broker does not answer; the worker is restarted once it does")
                return False
            time.sleep(0.2)
        handed_back = requeue_unacknowledged(broker.url)
        if handed_back:
            logger.warning("handed %d unfinished job(s) of the dead worker back to the queue", handed_back)
        return True
