"""One answer's feedback report, followed until transcription and report writing are done."""

from __future__ import annotations

from uuid import UUID

from app.schemas.recording import RecordingDetail
from desktop.context import AppContext
from desktop.controllers.polling import Poller
from desktop.qt import QObject, Signal

WORKING = ("pending", "processing")


class FeedbackController(QObject):
    updated = Signal(object)  # RecordingDetail
    failed = Signal(str)

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context
        self._poller: Poller[RecordingDetail] | None = None
        self.recording_id: UUID | None = None

    def open(self, recording_id: UUID) -> None:
        self.stop()
        self.recording_id = recording_id
        context = self._context
        poller: Poller[RecordingDetail] = Poller(
            context.runner, lambda: context.client().recording(recording_id), self._received, self.failed.emit
        )
        self._poller = poller
        poller.start()

    def retry(self) -> None:
        if self.recording_id is not None:
            self.open(self.recording_id)

    def _received(self, detail: RecordingDetail) -> bool:
        self.updated.emit(detail)
        return detail.feedback_status in WORKING

    def stop(self) -> None:
        if self._poller is not None:
            self._poller.stop()
            self._poller = None
