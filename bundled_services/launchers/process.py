"""Child processes with their output in a log file, readiness probes, and a clean stop."""

from __future__ import annotations

import contextlib
import ctypes
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

LOOPBACK = "127.0.0.1"
# Everything a service writes (logs, objects, the broker's journal) is readable by this user only.
PRIVATE_UMASK = 0o077
_PR_SET_PDEATHSIG = 1
_PORT_ATTEMPTS = 3

T = TypeVar("T")


class ServiceStartError(RuntimeError):
    """A service did not become ready; the message carries the end of its log."""


class PortInUseError(ServiceStartError):
    """A port asked for explicitly is held by another program."""


def free_port(host: str = LOOPBACK) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # The same option the servers set, so a port in TIME_WAIT after our own restart counts as free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


def require_free_port(port: int, what: str) -> None:
    if not port_is_free(port):
        raise PortInUseError(
            f"port {port} on {LOOPBACK} is already in use by another program, so {what} cannot listen "
            "there; choose another port or leave it out to pick a free one"
        )


def start_on_free_port(launch: Callable[[int], T], port: int | None = None) -> T:
    """Run `launch(port)` on `port`, or on a free port picked now.

    A picked port is free when chosen but the service binds it a moment later, and another program
    can take it in between; when a start fails and the port turns out to be held by someone else,
    the service is tried again on a new port rather than failing the whole stack.
    """
    if port is not None:
        return launch(port)
    for attempt in range(1, _PORT_ATTEMPTS + 1):
        chosen = free_port()
        try:
            return launch(chosen)
        except ServiceStartError:
            if attempt == _PORT_ATTEMPTS or port_is_free(chosen):
                raise
    raise AssertionError("unreachable")


def port_accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _parent_death_signal(signum: signal.Signals) -> Callable[[], None] | None:
    """A pre-exec hook asking Linux to send the child `signum` if the supervisor dies, even by SIGKILL.

    Only from a single-threaded process's main thread: the kernel sends the signal when the thread
    that forked the child exits (a worker thread of a GUI's pool exits long before the app does),
    and running Python between fork and exec is only safe when no other thread holds a lock.
    """
    if not sys.platform.startswith("linux"):
        return None
    if threading.current_thread() is not threading.main_thread() or threading.active_count() != 1:
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def hook() -> None:
        prctl(_PR_SET_PDEATHSIG, signum)
        # The parent may have died between fork and prctl; then nobody would send the signal.
        if os.getppid() != parent:
            os._exit(1)

    return hook


class ManagedProcess:
    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        parent_death_signal: signal.Signals = signal.SIGTERM,
    ) -> None:
        """`parent_death_signal` is what the process gets when the supervisor dies without stopping
        it: SIGTERM lets it stop as it would be stopped; SIGKILL suits a service holding nothing worth
        a graceful stop, which would first finish work whose reader is gone."""
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.parent_death_signal = parent_death_signal
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def returncode(self) -> int | None:
        return self._process.poll() if self._process is not None else None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(descriptor, "ab") as log:
            # A session of its own: a Ctrl-C meant for the parent reaches children only through stop(),
            # so they stop in order rather than all at once.
            self._process = subprocess.Popen(  # noqa: S603
                self.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,
                umask=PRIVATE_UMASK,
                preexec_fn=_parent_death_signal(self.parent_death_signal),  # noqa: PLW1509
            )

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def wait_ready_or_stop(self, probe: Callable[[], bool], *, timeout: float, interval: float = 0.1) -> None:
        """`wait_ready`, stopping the process if it never gets there (or the wait is interrupted)."""
        try:
            self.wait_ready(probe, timeout=timeout, interval=interval)
        except BaseException:
            self.stop()
            raise

    def wait_ready(self, probe: Callable[[], bool], *, timeout: float, interval: float = 0.1) -> None:
        """Poll the readiness probe until it passes; fail fast if the process dies meanwhile."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise ServiceStartError(f"{self.name} exited during start-up:\n{tail(self.log_path)}")
            if probe():
                return
            time.sleep(interval)
        raise ServiceStartError(f"{self.name} was not ready after {timeout:.0f}s:\n{tail(self.log_path)}")

    def stop(self, *, grace: float = 10.0) -> None:
        """SIGTERM the process group, SIGKILL it after `grace` seconds; returns once it has exited."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        _signal_group(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            _signal_group(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def kill(self) -> None:
        """SIGKILL at once, for a process that is stuck or whose work is handed back elsewhere."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        _signal_group(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _signal_group(pgid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


def http_ok(port: int, path: str) -> bool:
    """Whether a service on the loopback port answers GET `path` with 200 (a readiness probe)."""
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=2)
    try:
        connection.request("GET", path)
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()
