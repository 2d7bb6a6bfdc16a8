"""The home screen's data: past sessions and every answer's headline scores."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.schemas.history import AnswerSummary, SessionSummary
from desktop.answers.store import SavedAnswer
from desktop.context import AppContext
from desktop.qt import QObject, Signal
from desktop.tasks import simple


@dataclass(frozen=True, slots=True)
class History:
    sessions: list[SessionSummary]
    answers: list[AnswerSummary]
    # Answers recorded here that the server doesn't have yet (an upload failed or was cancelled).
    unsent: list[SavedAnswer] = field(default_factory=list)


class HomeController(QObject):
    loading = Signal()
    loaded = Signal(object)  # History
    failed = Signal(str)

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context

    def refresh(self) -> None:
        self.loading.emit()

        def fetch() -> History:
            client = self._context.client()
            sessions, answers = client.sessions(), client.recordings()
            known = {session.session_id for session in sessions}
            unsent = [answer for answer in self._context.answers.pending() if answer.session_id in known]
            return History(sessions=sessions, answers=answers, unsent=unsent)

        self._context.runner.submit(simple(fetch), self.loaded.emit, self.failed.emit)
