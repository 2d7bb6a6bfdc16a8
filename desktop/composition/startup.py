"""Start-up, first-run model setup and team sign-in: the screens before the app is signed in."""

from __future__ import annotations

from pathlib import Path

from desktop.composition.root import DesktopApp
from desktop.qt import QObject
from desktop.settings import Mode, SettingKey


class _Startup(QObject):
    def __init__(self, app: DesktopApp) -> None:
        super().__init__(app.window)
        self._app = app

    def import_models(self, folder: Path) -> None:
        self._app.window.model_setup.importing(folder)
        self._app.controllers.model_setup.import_from(folder)

    def models_ready(self) -> None:
        self._app.window.model_setup.done()
        self._app.start()

    def browser_sign_in(self, url: str) -> None:
        self._app.context.settings.set_text(SettingKey.SERVER_URL, url)
        self._app.controllers.connection.sign_in_with_browser()

    def token_sign_in(self, url: str, token: str) -> None:
        self._app.context.settings.set_text(SettingKey.SERVER_URL, url)
        self._app.controllers.connection.sign_in_to_team(token)


def wire_startup(app: DesktopApp) -> None:
    window, connection, models = app.window, app.controllers.connection, app.controllers.model_setup
    slots = _Startup(app)

    connection.progress.connect(window.startup.step)
    connection.failed.connect(window.startup.failed)
    connection.connected.connect(window.show_signed_in)
    connection.needs_team_sign_in.connect(app.ask_for_team_sign_in)
    connection.stopped.connect(window.finish_closing)
    connection.embedded.restarted.connect(window.show_service_restarted)
    window.startup.retry_requested.connect(app.start)
    window.startup.team_server_requested.connect(app.switch_to(Mode.TEAM))

    window.model_setup.folder_chosen.connect(slots.import_models)
    window.model_setup.team_server_requested.connect(app.switch_to(Mode.TEAM))
    models.model_started.connect(window.model_setup.model_started)
    models.progress.connect(window.model_setup.progress)
    models.failed.connect(window.model_setup.failed)
    models.finished.connect(slots.models_ready)

    window.sign_in.browser_requested.connect(slots.browser_sign_in)
    window.sign_in.token_submitted.connect(slots.token_sign_in)
    window.sign_in.embedded_requested.connect(app.switch_to(Mode.EMBEDDED))
