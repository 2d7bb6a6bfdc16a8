"""What a service gets when the supervisor dies without stopping it (killed outright, out of memory)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.embedded.serve_process import process_alive

# A supervisor that starts one child which ignores SIGTERM, says its pid and waits to be killed.
SUPERVISOR = textwrap.dedent(
    """
    import signal, sys, time
    from pathlib import Path
    from bundled_services.launchers.process import ManagedProcess

    child = ManagedProcess(
        "stubborn",
        [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
         "print('ready', flush=True); time.sleep(120)"],
        log_path=Path(sys.argv[1]),
        parent_death_signal=signal.Signals[sys.argv[2]],
    )
    child.start()
    print(child.pid, flush=True)
    time.sleep(120)
    """
)


def _start_supervisor(tmp_path: Path, signal_name: str) -> tuple[subprocess.Popen[str], int]:
    log = tmp_path / "child.log"
    supervisor = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR, str(log), signal_name], stdout=subprocess.PIPE, text=True
    )
    assert supervisor.stdout is not None
    child = int(supervisor.stdout.readline())
    deadline = time.monotonic() + 30
    while "ready" not in (log.read_text() if log.exists() else ""):  # its SIGTERM handler is set
        assert time.monotonic() < deadline, "the child never started"
        time.sleep(0.05)
    return supervisor, child


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not process_alive(pid):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize(("signal_name", "stops"), [("SIGKILL", True), ("SIGTERM", False)])
def test_a_stateless_service_dies_with_the_supervisor_even_if_it_would_finish_its_work(
    tmp_path: Path, signal_name: str, stops: bool
) -> None:
    supervisor, child = _start_supervisor(tmp_path, signal_name)
    try:
        supervisor.kill()
        supervisor.wait(timeout=10)
        # A child that takes its time over a SIGTERM (as llama.cpp's server finishing a request)
        # outlives the supervisor; one told SIGKILL does not.
        assert _gone_within(child, 5) is stops
    finally:
        if process_alive(child):
            os.kill(child, signal.SIGKILL)
        assert supervisor.stdout is not None
        supervisor.stdout.close()
