"""Home: past sessions and answers, and scores over time."""

from __future__ import annotations

from uuid import UUID

from app.schemas.history import AnswerSummary, SessionSummary
from desktop.controllers.home import History
from desktop.qt import QButtonGroup, QHBoxLayout, QListWidget, QListWidgetItem, QPushButton, Qt, Signal
from desktop.views.chart import Metric, ScoreChart
from desktop.views.formatting import status_words, when
from desktop.views.widgets import Banner, Card, Page, button, label

ID_ROLE = Qt.ItemDataRole.UserRole


class HomeView(Page):
    new_practice_requested = Signal()
    session_opened = Signal(object)  # UUID
    answer_opened = Signal(object)  # UUID
    refresh_requested = Signal()

    def __init__(self) -> None:
        super().__init__("Welcome", "Practise out loud, get coached, and watch your answers improve.")
        header = QHBoxLayout()
        self.content.removeWidget(self.title)
        header.addWidget(self.title, 1)
        header.addWidget(button("Refresh", "", self.refresh_requested.emit))
        header.addWidget(button("Start a new practice", "primary", self.new_practice_requested.emit))
        self.content.insertLayout(0, header)
        self.banner = Banner()
        self.content.addWidget(self.banner)

        progress = Card("Your progress")
        self.chart = ScoreChart()
        toggles = QHBoxLayout()
        self.metric_buttons = QButtonGroup(self)
        self.metric_buttons.setExclusive(True)
        for metric in Metric:
            toggle = QPushButton(metric.value.title)
            toggle.setCheckable(True)
            toggle.setChecked(metric is Metric.OVERALL)
            toggle.setCursor(Qt.CursorShape.PointingHandCursor)
            toggle.setObjectName("toggle")
            toggle.clicked.connect(lambda _checked=False, m=metric: self.chart.set_metric(m))
            self.metric_buttons.addButton(toggle)
            toggles.addWidget(toggle)
        toggles.addStretch(1)
        self.summary = label("", "muted", wrap=False)
        toggles.addWidget(self.summary)
        progress.body.addLayout(toggles)
        progress.body.addWidget(self.chart)
        self.content.addWidget(progress)

        lists = QHBoxLayout()
        lists.setSpacing(16)
        sessions_card = Card("Practice sessions")
        self.sessions = QListWidget()
        self.sessions.setWordWrap(True)
        self.sessions.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.sessions.setMinimumHeight(220)
        self.sessions.itemActivated.connect(self._session_clicked)
        self.sessions.itemClicked.connect(self._session_clicked)
        sessions_card.body.addWidget(self.sessions)
        answers_card = Card("Answers")
        self.answers = QListWidget()
        self.answers.setWordWrap(True)
        self.answers.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.answers.setMinimumHeight(220)
        self.answers.itemActivated.connect(self._answer_clicked)
        self.answers.itemClicked.connect(self._answer_clicked)
        answers_card.body.addWidget(self.answers)
        lists.addWidget(sessions_card, 1)
        lists.addWidget(answers_card, 1)
        self.content.addLayout(lists)
        self.content.addStretch(1)

    def greet(self, name: str) -> None:
        self.title.setText(f"Welcome back, {name}" if name else "Welcome")

    def show_history(self, history: History) -> None:
        self.banner.hide()
        if history.unsent:
            count = len(history.unsent)
            first = history.unsent[0].session_id
            self.banner.show_message(
                f"{count} recorded answer{'s have' if count > 1 else ' has'}n't reached the server yet. "
                "They are safe on this computer.",
                "warning",
                "Send now",
                lambda: self.session_opened.emit(first),
            )
        self.chart.set_answers(history.answers)
        self._fill_sessions(history.sessions)
        self._fill_answers(history.answers)
        scored = [answer.overall_score for answer in history.answers if answer.overall_score is not None]
        if scored:
            self.summary.setText(
                f"{len(scored)} scored answer{'s' if len(scored) != 1 else ''} · "
                f"average {sum(scored) / len(scored):.0f} · best {max(scored):.0f}"
            )
        else:
            self.summary.setText("")

    def _fill_sessions(self, sessions: list[SessionSummary]) -> None:
        self.sessions.clear()
        if not sessions:
            self._placeholder(
                self.sessions, "No sessions yet. Start a new practice to get your first questions."
            )
            return
        for summary in sessions:
            status, _kind = status_words(summary.status)
            item = QListWidgetItem(
                f"{summary.title}\n{when(summary.created_at)} · {summary.question_count} questions · "
                f"{summary.answer_count} answered · {status}"
            )
            item.setData(ID_ROLE, str(summary.session_id))
            self.sessions.addItem(item)

    def _fill_answers(self, answers: list[AnswerSummary]) -> None:
        self.answers.clear()
        if not answers:
            self._placeholder(self.answers, "Your recorded answers and their scores will be listed here.")
            return
        for answer in answers:
            score = (
                f"Score {answer.overall_score:.0f}"
                if answer.overall_score is not None
                else status_words(answer.feedback_status)[0]
            )
            item = QListWidgetItem(f"{answer.question}\n{when(answer.created_at)} · {score}")
            item.setData(ID_ROLE, str(answer.recording_id))
            item.setToolTip(answer.question)
            self.answers.addItem(item)

    def _placeholder(self, target: QListWidget, text: str) -> None:
        item = QListWidgetItem(text)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        target.addItem(item)

    def _session_clicked(self, item: QListWidgetItem) -> None:
        value = item.data(ID_ROLE)
        if isinstance(value, str):
            self.session_opened.emit(UUID(value))

    def _answer_clicked(self, item: QListWidgetItem) -> None:
        value = item.data(ID_ROLE)
        if isinstance(value, str):
            self.answer_opened.emit(UUID(value))
