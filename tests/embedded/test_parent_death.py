"""What a service gets when the supervisor stops it, or dies without stopping it (killed, out of memory)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bundled_services.launchers.process import ManagedProcess
from tests.embedded.serve_process import process_alive
from tests.waiting import wait_until

# A supervisor that starts one child, says its pid and waits to be killed. The child notes every SIGTERM
# in its log and carries on, as a service finishing a request would (llama.cpp's server does).
SUPERVISOR = textwrap.dedent(
    """
    import signal, sys, time
    from pathlib import Path
    from bundled_services.launchers.process import ManagedProcess

    child = ManagedProcess(
        "stubborn",
        [sys.executable, "-c", "import signal, time; "
         "signal.signal(signal.SIGTERM, lambda *_: print('got SIGTERM', flush=True)); "
         "print('ready', flush=True); time.sleep(120)"],
        log_path=Path(sys.argv[1]),
        parent_death_signal=signal.Signals[sys.argv[2]],
    )
    child.start()
    print(child.pid, flush=True)
    time.sleep(120)
    """
)


Supervised = tuple[subprocess.Popen[str], int, Path]


def _log(path: Path) -> str:
    return path.read_text() if path.exists() else ""


@contextmanager
def _supervisor_with_child(tmp_path: Path, signal_name: str) -> Iterator[Supervised]:
    log = tmp_path / "child.log"
    supervisor = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR, str(log), signal_name], stdout=subprocess.PIPE, text=True
    )
    assert supervisor.stdout is not None
    child = int(supervisor.stdout.readline())
    try:
        # Its SIGTERM handler is set once it says so.
        wait_until(lambda: "ready" in _log(log), timeout=30, failure=lambda: "the child never started")
        yield supervisor, child, log
    finally:
        if process_alive(child):
            os.kill(child, signal.SIGKILL)
        if supervisor.poll() is None:
            supervisor.kill()
        supervisor.wait(timeout=10)
        supervisor.stdout.close()


def test_a_stateless_service_dies_with_the_supervisor(tmp_path: Path) -> None:
    with _supervisor_with_child(tmp_path, "SIGKILL") as (supervisor, child, log):
        supervisor.kill()
        supervisor.wait(timeout=10)
        wait_until(
            lambda: not process_alive(child),
            timeout=30,
            failure=lambda: "the child outlived its supervisor:\n" + _log(log),
        )
    assert "got SIGTERM" not in _log(log)


def test_a_service_told_sigterm_may_finish_its_work_after_the_supervisor_died(tmp_path: Path) -> None:
    with _supervisor_with_child(tmp_path, "SIGTERM") as (supervisor, child, log):
        supervisor.kill()
        supervisor.wait(timeout=10)
        wait_until(
            lambda: "got SIGTERM" in _log(log),
            timeout=30,
            failure=lambda: "the child was never told its supervisor died:\n" + _log(log),
        )
        # Told, not killed: it decides when to stop.
        assert process_alive(child)


@contextmanager
def _service(tmp_path: Path, on_sigterm: str) -> Iterator[ManagedProcess]:
    """A service whose SIGTERM disposition is `on_sigterm`, killed after the test if still there."""
    log = tmp_path / "service.log"
    service = ManagedProcess(
        "service",
        [
            sys.executable,
            "-c",
            f"import signal, time; signal.signal(signal.SIGTERM, {on_sigterm}); "
            "print('ready', flush=True); time.sleep(120)",
        ],
        log_path=log,
    )
    service.start()
    try:
        wait_until(lambda: "ready" in _log(log), timeout=30, failure=lambda: "the service never started")
        yield service
    finally:
        service.kill()


def test_a_stopped_service_is_asked_first(tmp_path: Path) -> None:
    with _service(tmp_path, "signal.SIG_DFL") as service:
        service.stop(grace=60)
    assert service.returncode == -signal.SIGTERM


def test_a_service_still_busy_after_its_grace_is_killed(tmp_path: Path) -> None:
    """What lets the stack stop mid-job: the worker's stop waits out its grace, not its job."""
    with _service(tmp_path, "signal.SIG_IGN") as service:
        service.stop(grace=1)
    assert service.returncode == -signal.SIGKILL
