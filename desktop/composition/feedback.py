"""An answer's feedback report: followed until it is written, exported as a PDF, and back."""

from __future__ import annotations

from pathlib import Path

from desktop.composition.root import DesktopApp, on_leaving
from desktop.qt import QObject
from desktop.report import export_pdf
from desktop.views.main_window import Screen


class _Feedback(QObject):
    def __init__(self, app: DesktopApp) -> None:
        super().__init__(app.window)
        self._app = app

    def back(self) -> None:
        detail = self._app.window.feedback.detail
        if detail is not None:
            self._app.open_session(detail.session_id)
        else:
            self._app.window.go(Screen.HOME)

    def export(self, target: Path) -> None:
        view = self._app.window.feedback
        detail = view.detail
        if detail is None or detail.feedback is None:
            return
        try:
            export_pdf(detail, target)
        except OSError as error:
            view.show_error(f"The PDF couldn't be saved: {error.strerror or error}.")
            return
        view.exported(target)


def wire_feedback(app: DesktopApp) -> None:
    window, view, controller = app.window, app.window.feedback, app.controllers.feedback
    slots = _Feedback(app)

    controller.updated.connect(view.show_detail)
    controller.failed.connect(view.show_error)
    view.retry_requested.connect(controller.retry)
    view.export_requested.connect(slots.export)
    view.back_requested.connect(slots.back)
    on_leaving(window, Screen.FEEDBACK, controller.stop)
