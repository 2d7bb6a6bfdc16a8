"""The start-up screen: each embedded service as it comes up, and what to do if one doesn't."""

from __future__ import annotations

from desktop.qt import QHBoxLayout, QLabel, QProgressBar, Qt, QVBoxLayout, QWidget, Signal
from desktop.views import style
from desktop.views.widgets import Banner, Card, button, label

DONE = "✓"
WORKING = "…"


class StartupView(QWidget):
    retry_requested = Signal()
    team_server_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("page")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        card = Card()
        card.setFixedWidth(520)
        row.addWidget(card)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

        card.body.addWidget(label("Ascend AI", "h1"))
        card.body.addWidget(
            label("Getting your private interview coach ready. Everything runs on this computer.", "muted")
        )
        self.steps = QVBoxLayout()
        self.steps.setSpacing(6)
        card.body.addSpacing(6)
        card.body.addLayout(self.steps)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        card.body.addSpacing(6)
        card.body.addWidget(self.bar)
        self.banner = Banner()
        card.body.addWidget(self.banner)
        actions = QHBoxLayout()
        self.retry = button("Try again", "primary", self.retry_requested.emit)
        self.team = button("Use a team server instead", "link", self.team_server_requested.emit)
        actions.addWidget(self.retry)
        actions.addStretch(1)
        actions.addWidget(self.team)
        card.body.addLayout(actions)
        self._rows: list[tuple[QLabel, QLabel]] = []
        self.reset()

    def reset(self) -> None:
        while self._rows:
            mark, text = self._rows.pop()
            mark.deleteLater()
            text.deleteLater()
        self.bar.show()
        self.banner.hide()
        self.retry.hide()

    def step(self, message: str) -> None:
        if self._rows:
            self._mark(self._rows[-1], done=True)
        mark = QLabel(WORKING)
        mark.setFixedWidth(22)
        mark.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = label(message)
        row = QHBoxLayout()
        row.addWidget(mark)
        row.addWidget(text, 1)
        self.steps.addLayout(row)
        self._rows.append((mark, text))
        self._mark(self._rows[-1], done=False)

    def _mark(self, row: tuple[QLabel, QLabel], *, done: bool) -> None:
        mark, text = row
        mark.setText(DONE if done else WORKING)
        color = style.SUCCESS if done else style.PRIMARY
        mark.setStyleSheet(f"color: {color}; font-weight: 700; font-size: 12pt;")
        text.setStyleSheet(f"color: {style.INK if not done else style.MUTED};")

    def step_texts(self) -> list[str]:
        return [text.text() for _mark, text in self._rows]

    def finished(self) -> None:
        if self._rows:
            self._mark(self._rows[-1], done=True)
        self.bar.hide()

    def failed(self, message: str) -> None:
        if self._rows:
            mark = self._rows[-1][0]
            mark.setText("✕")
            mark.setStyleSheet(f"color: {style.DANGER}; font-weight: 700; font-size: 12pt;")
        self.bar.hide()
        self.banner.show_message(message, "error")
        self.banner.close_button.hide()
        self.retry.show()
