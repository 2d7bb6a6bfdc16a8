"""Follows a gap analysis until the server has judged every requirement."""

from __future__ import annotations

from uuid import UUID

from app.schemas.gap_analysis import GapAnalysisStatus
from desktop.context import AppContext
from desktop.controllers.polling import Poller
from desktop.qt import QObject, Signal

FINAL = ("complete", "failed")


class GapController(QObject):
    updated = Signal(object)  # GapAnalysisStatus
    failed = Signal(str)

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context
        self._poller: Poller[GapAnalysisStatus] | None = None
        self.analysis_id: UUID | None = None

    def watch(self, analysis_id: UUID) -> None:
        self.stop()
        self.analysis_id = analysis_id
        context = self._context
        poller: Poller[GapAnalysisStatus] = Poller(
            context.runner,
            lambda: context.client().gap_analysis(analysis_id),
            self._received,
            self.failed.emit,
        )
        self._poller = poller
        poller.start()

    def retry(self) -> None:
        if self.analysis_id is not None:
            self.watch(self.analysis_id)

    def _received(self, status: GapAnalysisStatus) -> bool:
        self.updated.emit(status)
        return status.status not in FINAL

    def stop(self) -> None:
        if self._poller is not None:
            self._poller.stop()
            self._poller = None
