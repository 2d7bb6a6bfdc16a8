"""An interview session: its questions, its answers' progress, and the answers still on this computer."""

from __future__ import annotations

from uuid import UUID

from app.schemas.session import SessionStatus
from desktop.answers.store import SavedAnswer
from desktop.context import AppContext
from desktop.controllers.polling import Poller
from desktop.qt import QObject, Signal
from desktop.tasks import simple

WORKING = ("pending", "processing")


def still_working(status: SessionStatus) -> bool:
    questions_pending = not status.generated_questions and status.status in WORKING
    answers_pending = any(result.feedback_status in WORKING for result in status.results)
    return questions_pending or answers_pending


class InterviewController(QObject):
    session_updated = Signal(object)  # SessionStatus
    pending_loaded = Signal(list)  # list[SavedAnswer]
    session_replaced = Signal(object)  # UUID of a fresh session for the same resume and job
    failed = Signal(str)

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context
        self._poller: Poller[SessionStatus] | None = None
        self.session_id: UUID | None = None
        self.latest: SessionStatus | None = None

    def open(self, session_id: UUID) -> None:
        self.stop()
        self.session_id = session_id
        self.latest = None
        self.follow()
        self.load_pending()

    def follow(self) -> None:
        """Poll the session until its questions and every answer's feedback are final."""
        if self.session_id is None:
            return
        if self._poller is not None and self._poller.active:
            self._poller.poll_now()
            return
        context = self._context
        session_id = self.session_id
        poller: Poller[SessionStatus] = Poller(
            context.runner,
            lambda: context.client().session(session_id),
            self._received,
            self.failed.emit,
            2_000,
        )
        self._poller = poller
        poller.start()

    def _received(self, status: SessionStatus) -> bool:
        self.latest = status
        self.session_updated.emit(status)
        return still_working(status)

    def load_pending(self) -> None:
        session_id = self.session_id
        store = self._context.answers

        def pending() -> list[SavedAnswer]:
            return store.pending(session_id)

        self._context.runner.submit(simple(pending), self.pending_loaded.emit, self.failed.emit)

    def ask_again(self) -> None:
        """Question writing failed: start a fresh session with the same resume and job description."""
        latest = self.latest
        if latest is None or latest.resume_id is None or not latest.job_description:
            self.failed.emit("This session's resume is gone, so start a new practice instead.")
            return
        context = self._context
        resume_id, job = latest.resume_id, latest.job_description

        def create() -> UUID:
            return context.client().create_session(resume_id, job).session_id

        self._context.runner.submit(simple(create), self.session_replaced.emit, self.failed.emit)

    def stop(self) -> None:
        if self._poller is not None:
            self._poller.stop()
            self._poller = None
