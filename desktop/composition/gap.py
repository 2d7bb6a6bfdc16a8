"""The gap analysis: followed until the server has written it, then on to the interview."""

from __future__ import annotations

from desktop.composition.root import DesktopApp, on_leaving
from desktop.qt import QObject
from desktop.views.main_window import Screen


class _Gap(QObject):
    def __init__(self, app: DesktopApp) -> None:
        super().__init__(app.window)
        self._app = app

    def retry(self) -> None:
        self._app.window.gap.waiting()
        self._app.controllers.gap.retry()

    def analyse_again(self) -> None:
        self._app.window.gap.waiting()
        self._app.controllers.gap.analyse_again()

    def to_interview(self) -> None:
        session_id = self._app.controllers.gap.session_id
        if session_id is not None:
            self._app.open_session(session_id)


def wire_gap(app: DesktopApp) -> None:
    window, view, controller = app.window, app.window.gap, app.controllers.gap
    slots = _Gap(app)

    controller.session_updated.connect(view.show_session)
    controller.analysis_updated.connect(view.show_analysis)
    controller.failed.connect(view.show_error)
    view.retry_requested.connect(slots.retry)
    view.analyse_requested.connect(slots.analyse_again)
    view.interview_requested.connect(slots.to_interview)
    on_leaving(window, Screen.GAP, controller.stop)
