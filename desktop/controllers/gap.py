"""Follows a practice's gap analysis: the one its session writes before the questions, or a fresh one.

The session's question job judges the resume against the job first and stores the analysis on the
session (`SessionStatus.gap_analysis`), so the screen polls the session until the analysis is there or
the session has stopped working. When the session ended without one (its job failed), the candidate
can ask for the analysis alone (`POST /gap-analysis`), which is then followed until it is final.
"""

from __future__ import annotations

from uuid import UUID

from app.schemas.gap_analysis import GapAnalysisStatus
from app.schemas.session import SessionStatus
from desktop.context import AppContext
from desktop.controllers.polling import Poller
from desktop.qt import QObject, Signal
from desktop.tasks import TaskHandle, simple

WORKING = ("pending", "processing")


def analysis_pending(status: SessionStatus) -> bool:
    """The session may still write its gap analysis."""
    return status.gap_analysis is None and status.status in WORKING


class GapController(QObject):
    session_updated = Signal(object)  # SessionStatus
    analysis_updated = Signal(object)  # GapAnalysisStatus, of an analysis asked for on its own
    failed = Signal(str)

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context
        self._poller: Poller[SessionStatus] | Poller[GapAnalysisStatus] | None = None
        self.session_id: UUID | None = None
        self.latest: SessionStatus | None = None
        self.analysis_id: UUID | None = None
        self.latest_analysis: GapAnalysisStatus | None = None
        self._starting: TaskHandle | None = None

    def watch(self, session_id: UUID) -> None:
        """Follow the session until its gap analysis is written or the session stops working."""
        self.stop()
        self.session_id = session_id
        self.latest = None
        self.analysis_id = None
        self.latest_analysis = None
        context = self._context
        poller: Poller[SessionStatus] = Poller(
            context.runner,
            lambda: context.client().session(session_id),
            self._session_received,
            self.failed.emit,
        )
        self._poller = poller
        poller.start()

    def analyse_again(self) -> None:
        """Ask the server for a gap analysis of the session's resume and job description on its own."""
        latest = self.latest
        if latest is None or latest.resume_id is None or not latest.job_description:
            self.failed.emit("This session's resume is gone, so start a new practice instead.")
            return
        self.stop()
        context = self._context
        resume_id, job = latest.resume_id, latest.job_description

        def start() -> UUID:
            return context.client().start_gap_analysis(resume_id, job).analysis_id

        self._starting = context.runner.submit(simple(start), self._follow_analysis, self._start_failed)

    def _start_failed(self, message: str) -> None:
        self._starting = None
        self.failed.emit(message)

    def retry(self) -> None:
        """After a network error: pick up where the screen was."""
        if self.analysis_id is not None:
            self._follow_analysis(self.analysis_id)
        elif self.session_id is not None:
            self.watch(self.session_id)

    def _follow_analysis(self, analysis_id: UUID) -> None:
        self._starting = None
        self.stop()
        self.analysis_id = analysis_id
        self.latest_analysis = None
        context = self._context
        poller: Poller[GapAnalysisStatus] = Poller(
            context.runner,
            lambda: context.client().gap_analysis(analysis_id),
            self._analysis_received,
            self.failed.emit,
        )
        self._poller = poller
        poller.start()

    def _session_received(self, status: SessionStatus) -> bool:
        self.latest = status
        self.session_updated.emit(status)
        return analysis_pending(status)

    def _analysis_received(self, status: GapAnalysisStatus) -> bool:
        self.latest_analysis = status
        self.analysis_updated.emit(status)
        return status.status in WORKING

    def stop(self) -> None:
        if self._starting is not None:
            self._starting.cancel()
            self._starting = None
        if self._poller is not None:
            self._poller.stop()
            self._poller = None
