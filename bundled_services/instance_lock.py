"""One embedded stack per data dir: a second `ascend serve` on the same dir is refused."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO


class AlreadyRunningError(RuntimeError):
    pass


class InstanceLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        handle = os.fdopen(descriptor, "r+")
        try:
            # The kernel drops the lock when the process dies, so a crash never leaves it stale.
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            owner = handle.read().strip() or "another process"
            handle.close()
            raise AlreadyRunningError(
                f"Ascend AI is already running on this data dir ({self.path.parent}, pid {owner}). "
                "Stop it first, or set ASCEND_DATA_DIR to use another data dir."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle

    def held_elsewhere(self) -> int | None:
        """The pid of the process holding the lock, or None when nobody does (without taking it)."""
        if not self.path.exists():
            return None
        with self.path.open() as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                owner = handle.read().strip()
                return int(owner) if owner.isdigit() else -1
            fcntl.flock(handle, fcntl.LOCK_UN)
        return None

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
