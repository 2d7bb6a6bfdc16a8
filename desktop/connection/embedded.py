"""Starts, watches and stops the embedded stack (every service on this laptop) off the UI thread."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bundled_services.instance_lock import AlreadyRunningError
from bundled_services.launchers.process import ServiceStartError
from bundled_services.supervisor.stack import EmbeddedStack
from desktop.api.errors import UserFacingError
from desktop.qt import QObject, QTimer, Signal
from desktop.tasks import CancelToken, Progress, TaskRunner, simple

SERVER_ENV_FILE = "server.env"
WATCH_INTERVAL_MS = 5_000

StackFactory = Callable[[Path, Callable[[str], None]], EmbeddedStack]


def default_stack(data_dir: Path, on_progress: Callable[[str], None]) -> EmbeddedStack:
    return EmbeddedStack(data_dir=data_dir, on_progress=on_progress)


def read_env_file(path: Path) -> dict[str, str]:
    entries: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, separator, value = line.partition("=")
        if separator and key.strip():
            entries[key.strip()] = value
    return entries


@dataclass(frozen=True, slots=True)
class RunningStack:
    api_url: str
    server_env: dict[str, str]


class EmbeddedServer(QObject):
    progress = Signal(str)
    ready = Signal(object)  # RunningStack
    failed = Signal(str)
    stopped = Signal()
    restarted = Signal(str)

    def __init__(self, runner: TaskRunner, data_dir: Path, factory: StackFactory = default_stack) -> None:
        super().__init__()
        self._runner = runner
        self.data_dir = data_dir
        self._factory = factory
        self._stack: EmbeddedStack | None = None
        self._pending: EmbeddedStack | None = None
        self._cancel_start = False
        self._watch = QTimer(self)
        self._watch.setInterval(WATCH_INTERVAL_MS)
        self._watch.timeout.connect(self._restart_crashed)

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def running(self) -> bool:
        return self._stack is not None

    @property
    def starting(self) -> bool:
        return self._pending is not None

    def start(self) -> None:
        if self._stack is not None:
            return
        if self._pending is not None:
            # Still starting from an earlier request that was then called off: let it finish.
            self._cancel_start = False
            return
        stack = self._factory(self.data_dir, self.progress.emit)
        self._pending = stack
        self._cancel_start = False
        self._runner.submit(self._start_work(stack), self._on_started, self._start_failed)

    def _start_work(self, stack: EmbeddedStack) -> Callable[[CancelToken, Progress], RunningStack]:
        def work(_token: CancelToken, _progress: Progress) -> RunningStack:
            try:
                stack.start()
            except AlreadyRunningError as error:
                raise UserFacingError(
                    "Ascend AI is already running on this computer (perhaps in another window or a "
                    "terminal). Close the other copy, then try again."
                ) from error
            except ServiceStartError as error:
                headline = str(error).splitlines()[0].rstrip(":")
                raise UserFacingError(
                    f"Ascend AI's services didn't start ({headline}). The details are in {self.logs_dir}."
                ) from error
            return RunningStack(stack.api_url, read_env_file(self.data_dir / SERVER_ENV_FILE))

        return work

    def _on_started(self, running: RunningStack) -> None:
        self._stack, self._pending = self._pending, None
        if self._cancel_start:
            # Stop was asked for while the services were still starting.
            self.stop()
            return
        self._watch.start()
        self.ready.emit(running)

    def _start_failed(self, message: str) -> None:
        self._pending = None
        if self._cancel_start:
            self.stopped.emit()
        else:
            self.failed.emit(message)

    def _restart_crashed(self) -> None:
        stack = self._stack
        if stack is None:
            return

        def announce(names: list[str]) -> None:
            for name in names:
                self.restarted.emit(name)

        self._runner.submit(simple(stack.restart_crashed), announce, self.failed.emit)

    def stop(self) -> None:
        if self._pending is not None:
            self._cancel_start = True
            return
        self._watch.stop()
        stack, self._stack = self._stack, None
        if stack is None:
            self.stopped.emit()
            return
        self._runner.submit(simple(stack.stop), lambda _none: self.stopped.emit(), self.failed.emit)
