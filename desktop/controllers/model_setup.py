"""The first run of the desktop bundle: bring the models in from a folder, verified, with progress.

The bundle carries no models and cannot download them (no pip, and no model hub is ever contacted);
from a checkout, the embedded stack assembles them from the package registry itself. So this
screen only appears where the models are missing and cannot be fetched.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from bundled_services.provisioning._verify import ProvisioningError
from bundled_services.provisioning.offline import NeededModel, import_models, missing_models
from bundled_services.python_command import pip_available
from desktop.api.errors import UserFacingError
from desktop.qt import QObject, Signal
from desktop.tasks import CancelToken, Progress, TaskRunner

# Progress goes to Qt as (done, total) ints in percent (byte counts overflow a C++ int), and only when
# the percentage changes: PySide 6.12's `SignalInstance.emit` drops a reference to `True` on every
# call, so a signal emitted per megabyte copied would crash the interpreter once those run out.
PROGRESS_SCALE = 100


def needs_model_setup(environ: Mapping[str, str], *, can_download: bool | None = None) -> list[NeededModel]:
    """The models to bring in before the stack can start; empty when none are or the stack fetches them."""
    if can_download if can_download is not None else pip_available():
        return []
    return missing_models(environ)


class ModelSetupController(QObject):
    model_started = Signal(str)  # which model is being copied or assembled
    progress = Signal(int, int)  # per mille of all the bytes
    finished = Signal()
    failed = Signal(str)

    def __init__(self, runner: TaskRunner, environ: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self._runner = runner
        self._environ = os.environ if environ is None else environ
        self.busy = False

    def import_from(self, folder: Path) -> None:
        if self.busy:
            return
        self.busy = True
        environ = self._environ
        wanted = missing_models(environ)
        sizes = {model.description: model.size for model in wanted}
        total = max(sum(sizes.values()), 1)

        def work(token: CancelToken, report: Progress) -> None:
            finished_before = 0
            current = ""
            # Only when the bar moves (see PROGRESS_SCALE): the import reads a megabyte at a time.
            last = -1

            def on_bytes(name: str, done: int, _of: int) -> None:
                nonlocal finished_before, current, last
                token.raise_if_cancelled()
                if name != current:
                    if current:
                        finished_before += sizes.get(current, 0)
                    current = name
                    self.model_started.emit(name)
                copied = finished_before + min(done, sizes.get(name, done))
                # 100 only once everything is in place.
                scaled = min(copied * PROGRESS_SCALE // total, PROGRESS_SCALE - 1)
                if scaled != last:
                    last = scaled
                    report(scaled, PROGRESS_SCALE)

            try:
                import_models(folder, environ, progress=on_bytes)
            except ProvisioningError as error:
                raise UserFacingError(f"The models couldn't be set up from {folder}: {error}") from error
            report(PROGRESS_SCALE, PROGRESS_SCALE)

        self._runner.submit(work, self._done, self._failed, on_progress=self.progress.emit)

    def _done(self, _result: None) -> None:
        self.busy = False
        self.finished.emit()

    def _failed(self, message: str) -> None:
        self.busy = False
        self.failed.emit(message)
