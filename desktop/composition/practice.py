"""New practice: the resume and job description checks, the upload, and on to the gap analysis."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from desktop.composition.root import DesktopApp, on_entering
from desktop.controllers.practice import PracticeStarted
from desktop.qt import QObject
from desktop.views.main_window import Screen


class _Practice(QObject):
    def __init__(self, app: DesktopApp) -> None:
        super().__init__(app.window)
        self._app = app

    def start(self, resume: Path | UUID, job_description: str) -> None:
        self._app.window.practice.working("Getting started")
        self._app.controllers.practice.start(resume, job_description)

    def started(self, started: PracticeStarted) -> None:
        self._app.window.practice.idle()
        self._app.open_gap(started.session_id)


def wire_practice(app: DesktopApp) -> None:
    window, view, controller = app.window, app.window.practice, app.controllers.practice
    slots = _Practice(app)

    controller.resumes_loaded.connect(view.show_resumes)
    controller.resume_checked.connect(view.show_resume_check)
    controller.job_description_loaded.connect(view.show_job_description)
    controller.step.connect(view.working)
    controller.upload_progress.connect(view.upload_progress)
    controller.failed.connect(view.show_error)
    controller.cancelled.connect(view.idle)
    controller.started.connect(slots.started)
    view.resume_chosen.connect(controller.check_resume)
    view.job_file_chosen.connect(controller.load_job_description)
    view.start_requested.connect(slots.start)
    view.cancel_requested.connect(controller.cancel)
    on_entering(window, Screen.PRACTICE, controller.load_resumes)
