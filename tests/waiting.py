"""Waiting on a condition outside Qt's event loop (inside it, use qtbot.waitUntil and waitSignal)."""

from __future__ import annotations

import time
from collections.abc import Callable

POLL_SECONDS = 0.1


def wait_until(condition: Callable[[], bool], *, timeout: float, failure: Callable[[], str]) -> None:
    """Returns as soon as `condition()` holds; after `timeout` seconds without it, fails with `failure()`.

    The timeout only bounds a hang: nothing is asserted about how long the wait took.
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(failure())
        # The interval between two looks at a condition no event announces (a file, another process).
        time.sleep(POLL_SECONDS)
