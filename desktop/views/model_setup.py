"""The first-run screen of the desktop bundle: which models are needed, where to take them from, progress."""

from __future__ import annotations

from pathlib import Path

from bundled_services.provisioning.offline import NeededModel
from desktop.qt import QFileDialog, QHBoxLayout, QProgressBar, Qt, QVBoxLayout, QWidget, Signal
from desktop.views.widgets import Banner, Card, button, label

INTRO = (
    "Ascend AI coaches you with models that run on this computer, so nothing you say leaves it. "
    "They are too large to ship with the app: choose the folder that holds them (a USB stick or a "
    "download made elsewhere, or `ascend models export` on a computer that has them). Each one is "
    "checked against its published fingerprint (sha256) as it is copied."
)


def _size(size: int) -> str:
    return f"{size / 1e9:.1f} GB" if size >= 1e9 else f"{size / 1e6:.0f} MB"


class ModelSetupView(QWidget):
    folder_chosen = Signal(Path)
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
        card.setFixedWidth(560)
        row.addWidget(card)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

        card.body.addWidget(label("Set up the coaching models", "h1"))
        card.body.addWidget(label(INTRO, "muted"))
        self.needed = label("")
        card.body.addWidget(self.needed)
        self.status = label("", "muted")
        card.body.addWidget(self.status)
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        card.body.addWidget(self.bar)
        self.banner = Banner()
        card.body.addWidget(self.banner)
        actions = QHBoxLayout()
        self.choose = button("Choose the models folder…", "primary", self._choose)
        self.team = button("Use a team server instead", "link", self.team_server_requested.emit)
        actions.addWidget(self.choose)
        actions.addStretch(1)
        actions.addWidget(self.team)
        card.body.addLayout(actions)
        self.show_needed([])

    def show_needed(self, models: list[NeededModel]) -> None:
        lines = [f"• {model.description} ({_size(model.size)})" for model in models]
        self.needed.setText("Needed on this computer:\n" + "\n".join(lines) if lines else "")
        self.needed.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setText("")
        self.bar.hide()
        self.banner.hide()
        self.choose.setEnabled(True)

    def _choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "The folder with Ascend AI's models")
        if folder:
            self.folder_chosen.emit(Path(folder))

    def importing(self, folder: Path) -> None:
        self.banner.hide()
        self.choose.setEnabled(False)
        self.status.setText(f"Checking and copying the models from {folder}…")
        self.bar.setValue(0)
        self.bar.show()

    def model_started(self, name: str) -> None:
        self.status.setText(f"Checking and copying {name}…")

    def progress(self, done: int, total: int) -> None:
        self.bar.setMaximum(total)
        self.bar.setValue(done)

    def failed(self, message: str) -> None:
        self.bar.hide()
        self.status.setText("")
        self.choose.setEnabled(True)
        self.banner.show_message(message, "error")

    def done(self) -> None:
        self.bar.setValue(self.bar.maximum())
        self.status.setText("The models are ready.")
