"""Signing in to a team's shared server: through the browser, or with a pasted token."""

from __future__ import annotations

from desktop.qt import QHBoxLayout, QLineEdit, QVBoxLayout, QWidget, Signal
from desktop.views.widgets import Banner, Card, button, label


class TeamSignInView(QWidget):
    browser_requested = Signal(str)  # server URL
    token_submitted = Signal(str, str)  # server URL, token
    embedded_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("page")
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        card = Card()
        card.setFixedWidth(540)
        row.addWidget(card)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

        card.body.addWidget(label("Sign in to your team's server", "h1"))
        card.body.addWidget(label("Your recordings and reports are stored on that server.", "muted"))
        card.body.addWidget(label("Server address", "h3"))
        self.url = QLineEdit()
        self.url.setPlaceholderText("https://ascend.example.com/api/v1")
        card.body.addWidget(self.url)
        self.banner = Banner()
        card.body.addWidget(self.banner)
        self.browser = button("Sign in with your browser", "primary", self._browser)
        card.body.addWidget(self.browser)
        card.body.addWidget(label("Signs you in with Google or GitHub in your browser.", "muted"))
        card.body.addSpacing(8)
        card.body.addWidget(label("Or paste a token from your administrator", "h3"))
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText("eyJhbGciOi…")
        self.token.returnPressed.connect(self._submit)
        card.body.addWidget(self.token)
        actions = QHBoxLayout()
        self.submit = button("Sign in with token", "", self._submit)
        actions.addWidget(self.submit)
        actions.addStretch(1)
        actions.addWidget(
            button("Run everything on this computer instead", "link", self.embedded_requested.emit)
        )
        card.body.addLayout(actions)

    def show_for(self, url: str, problem: str) -> None:
        self.url.setText(url)
        if problem:
            self.banner.show_message(problem, "error")
        else:
            self.banner.hide()

    def _browser(self) -> None:
        self.banner.show_message(
            "Finish signing in in your browser; this window continues by itself.", "info"
        )
        self.browser_requested.emit(self.url.text().strip())

    def _submit(self) -> None:
        if not self.token.text().strip():
            self.banner.show_message("Paste the token first.", "error")
            return
        self.token_submitted.emit(self.url.text().strip(), self.token.text().strip())
