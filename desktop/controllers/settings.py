"""Settings work: model status, microphones, and deleting everything the user has stored."""

from __future__ import annotations

from desktop.audio.backend import AudioDeviceError, InputDevice
from desktop.connection.model_status import ModelStatus, check_models
from desktop.context import AppContext
from desktop.qt import QObject, Signal
from desktop.tasks import simple


class SettingsController(QObject):
    models_checked = Signal(list)  # list[ModelStatus]
    devices_listed = Signal(list)  # list[InputDevice]
    data_deleted = Signal()
    failed = Signal(str)

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context

    def check_models(self) -> None:
        env = dict(self._context.server_env)

        def check() -> list[ModelStatus]:
            if not env:
                return [ModelStatus("Models", "Team server", True, "Managed by the server's administrators.")]
            return check_models(env)

        self._context.runner.submit(simple(check), self.models_checked.emit, self.failed.emit)

    def list_devices(self) -> None:
        backend = self._context.audio
        if backend is None:
            self.devices_listed.emit([])
            return

        def devices() -> list[InputDevice]:
            try:
                return backend.input_devices()
            except AudioDeviceError:
                return []

        self._context.runner.submit(simple(devices), self.devices_listed.emit, self.failed.emit)

    def delete_all_data(self) -> None:
        context = self._context

        def delete() -> None:
            context.client().delete_my_data()
            context.answers.delete_all()

        context.runner.submit(simple(delete), lambda _none: self.data_deleted.emit(), self.failed.emit)
