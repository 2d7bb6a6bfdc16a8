"""Settings: the connection, the models' state, the microphone, and deleting all the user's data."""

from __future__ import annotations

from desktop.audio.backend import InputDevice
from desktop.composition.root import DesktopApp, on_entering
from desktop.qt import QObject
from desktop.settings import Mode, SettingKey
from desktop.views.main_window import Screen


class _Settings(QObject):
    def __init__(self, app: DesktopApp) -> None:
        super().__init__(app.window)
        self._app = app

    def show(self) -> None:
        context, view = self._app.context, self._app.window.settings_view
        user = context.user
        account = f"Signed in as {user.name or user.email} ({user.email})." if user else ""
        view.show_connection(context.settings.mode, context.settings.server_url, account)
        view.show_data_dir(context.data_dir)
        self._app.controllers.settings.check_models()
        self._app.controllers.settings.list_devices()

    def devices_listed(self, devices: list[InputDevice]) -> None:
        preferred = self._app.context.settings.text(SettingKey.INPUT_DEVICE)
        self._app.window.settings_view.show_devices(devices, preferred)

    def device_chosen(self, name: str) -> None:
        self._app.context.settings.set_text(SettingKey.INPUT_DEVICE, name)

    def data_deleted(self) -> None:
        self._app.window.settings_view.show_message("All your data was deleted.", "success")
        if self._app.context.settings.mode is Mode.EMBEDDED:
            # The local user went with the data; signing in again creates a fresh, empty one.
            self._app.start()
        else:
            self._app.sign_out()


def wire_settings(app: DesktopApp) -> None:
    window, view, controller = app.window, app.window.settings_view, app.controllers.settings
    slots = _Settings(app)

    controller.models_checked.connect(view.show_models)
    controller.devices_listed.connect(slots.devices_listed)
    controller.failed.connect(view.show_message)
    controller.data_deleted.connect(slots.data_deleted)
    view.check_models_requested.connect(controller.check_models)
    view.device_chosen.connect(slots.device_chosen)
    view.delete_requested.connect(controller.delete_all_data)
    view.apply_connection.connect(app.switch_mode)
    view.sign_out_requested.connect(app.sign_out)
    on_entering(window, Screen.SETTINGS, slots.show)
