"""A file that reports how much of it an upload has read, and stops the upload when cancelled."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from desktop.api.errors import TaskCancelledError

ProgressCallback = Callable[[int, int], None]


class ProgressFile(io.BufferedReader):
    def __init__(self, path: Path, on_progress: ProgressCallback, is_cancelled: Callable[[], bool]) -> None:
        super().__init__(io.FileIO(path, "rb"))
        self._total = path.stat().st_size
        self._sent = 0
        self._on_progress = on_progress
        self._is_cancelled = is_cancelled

    def read(self, size: int | None = -1, /) -> bytes:
        # httpx pulls the body through read(), so this is the one place an upload can be stopped.
        if self._is_cancelled():
            raise TaskCancelledError
        chunk = super().read(size)
        self._sent += len(chunk)
        self._on_progress(min(self._sent, self._total), self._total)
        return chunk

    def seek(self, offset: int, whence: int = io.SEEK_SET, /) -> int:
        position = super().seek(offset, whence)
        self._sent = position
        return position
