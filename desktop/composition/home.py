"""Home: the history and its controller; a session or an answer opens on its own screen."""

from __future__ import annotations

from desktop.composition.root import DesktopApp, on_entering
from desktop.qt import QObject
from desktop.views.main_window import Screen


class _Home(QObject):
    def __init__(self, app: DesktopApp) -> None:
        super().__init__(app.window)
        self._app = app

    def history_failed(self, message: str) -> None:
        refresh = self._app.controllers.home.refresh
        self._app.window.home.banner.show_message(message, "error", "Try again", refresh)

    def new_practice(self) -> None:
        self._app.window.practice.reset()
        self._app.window.go(Screen.PRACTICE)


def wire_home(app: DesktopApp) -> None:
    window, view, controller = app.window, app.window.home, app.controllers.home
    slots = _Home(app)

    controller.loaded.connect(view.show_history)
    # A method of a child of the window, not a lambda: Qt drops the connection when the window goes,
    # while a history request still finishing in the background would otherwise reach a deleted banner.
    controller.failed.connect(slots.history_failed)
    view.refresh_requested.connect(controller.refresh)
    view.new_practice_requested.connect(slots.new_practice)
    view.session_opened.connect(app.open_session)
    view.answer_opened.connect(app.open_answer)
    on_entering(window, Screen.HOME, controller.refresh)
