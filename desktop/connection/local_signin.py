"""Signs the laptop's own user in to the embedded server, with no login screen.

The server mints the token itself (`python -m app.cli token`) in a child process: the desktop never
imports server internals, and the JWT secret never leaves the server's own environment file.
"""

from __future__ import annotations

import logging

from bundled_services.local_user import local_identity
from bundled_services.python_command import module_command
from desktop.qt import QObject, QProcess, QProcessEnvironment, Signal

logger = logging.getLogger(__name__)


class LocalSignIn(QObject):
    signed_in = Signal(str)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._process: QProcess | None = None

    def start(self, server_env: dict[str, str]) -> None:
        email, name = local_identity()
        environment = QProcessEnvironment.systemEnvironment()
        for key, value in server_env.items():
            environment.insert(key, value)
        process = QProcess(self)
        process.setProcessEnvironment(environment)
        program, *arguments = module_command("app.cli")
        process.setProgram(program)
        process.setArguments([*arguments, "token", "--email", email, "--name", name])
        process.finished.connect(self._finished)
        process.errorOccurred.connect(self._error)
        self._process = process
        process.start()

    def _error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._process = None
            self.failed.emit(
                "Ascend AI couldn't start its sign-in helper. Reinstall the app, then try again."
            )

    def _finished(self, exit_code: int, _status: QProcess.ExitStatus) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        output = bytes(process.readAllStandardOutput().data()).decode("utf-8", "replace")
        errors = bytes(process.readAllStandardError().data()).decode("utf-8", "replace")
        lines = [line.strip() for line in output.splitlines() if line.strip()]
        if exit_code != 0 or not lines:
            logger.error("token command failed (exit %s): %s", exit_code, errors[-2000:])
            self.failed.emit("Ascend AI couldn't sign you in to the services on this computer. Try again.")
            return
        self.signed_in.emit(lines[-1])
