"""Settings: where the app runs, model status, microphone, data folder, and deleting everything."""

from __future__ import annotations

from pathlib import Path

from desktop.audio.backend import InputDevice
from desktop.connection.model_status import ModelStatus
from desktop.qt import (
    QAbstractButton,
    QButtonGroup,
    QComboBox,
    QDesktopServices,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QRadioButton,
    Qt,
    QUrl,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktop.settings import Mode
from desktop.views.widgets import Banner, Card, Chip, Page, button, clear_layout, label

DELETE_CONFIRMATION = (
    "This deletes every resume, practice session, recorded answer and feedback report you have stored, "
    "on the server and on this computer. It can't be undone."
)


class SettingsView(Page):
    apply_connection = Signal(object, str)  # Mode, server URL
    sign_out_requested = Signal()
    check_models_requested = Signal()
    device_chosen = Signal(str)
    delete_requested = Signal()

    def __init__(self) -> None:
        super().__init__("Settings")
        self.banner = Banner()
        self.content.addWidget(self.banner)

        self._build_connection_card()
        self._build_other_cards()
        self.content.addStretch(1)
        self._data_path: Path | None = None
        self.confirm_box: QMessageBox | None = None
        self.confirm_button: QAbstractButton | None = None

    def _build_other_cards(self) -> None:
        models = Card("Models")
        models.body.addWidget(
            label("Speech recognition and the coaching model run on this computer in embedded mode.", "muted")
        )
        self.models = QVBoxLayout()
        self.models.setSpacing(10)
        models.body.addLayout(self.models)
        models.body.addWidget(
            button("Check again", "", self.check_models_requested.emit), 0, Qt.AlignmentFlag.AlignLeft
        )
        self.content.addWidget(models)

        microphone = Card("Microphone")
        self.devices = QComboBox()
        self.devices.currentIndexChanged.connect(self._device_changed)
        microphone.body.addWidget(self.devices)
        self.content.addWidget(microphone)

        data = Card("Your data")
        data_row = QHBoxLayout()
        self.data_dir = label("", selectable=True)
        data_row.addWidget(label("Stored in", "muted", wrap=False))
        data_row.addWidget(self.data_dir, 1)
        data_row.addWidget(button("Open folder", "", self._open_folder))
        data.body.addLayout(data_row)
        data.body.addWidget(label(DELETE_CONFIRMATION, "muted"))
        self.delete = button("Delete all my data", "danger", self._confirm_delete)
        data.body.addWidget(self.delete, 0, Qt.AlignmentFlag.AlignLeft)
        self.content.addWidget(data)

    def _build_connection_card(self) -> None:
        where = Card("Where Ascend AI runs")
        self.embedded = QRadioButton("On this computer — private, works offline (recommended)")
        self.team = QRadioButton("On my team's server")
        group = QButtonGroup(self)
        group.addButton(self.embedded)
        group.addButton(self.team)
        self.embedded.toggled.connect(self._mode_toggled)
        where.body.addWidget(self.embedded)
        where.body.addWidget(self.team)
        url_row = QHBoxLayout()
        url_row.addSpacing(26)
        url_row.addWidget(label("Server address", wrap=False))
        self.url = QLineEdit()
        self.url.setPlaceholderText("https://ascend.example.com/api/v1")
        url_row.addWidget(self.url, 1)
        where.body.addLayout(url_row)
        self.account = label("", "muted")
        where.body.addWidget(self.account)
        actions = QHBoxLayout()
        self.apply = button("Apply and reconnect", "primary", self._apply)
        self.sign_out = button("Sign out of the team server", "", self.sign_out_requested.emit)
        actions.addWidget(self.apply)
        actions.addWidget(self.sign_out)
        actions.addStretch(1)
        where.body.addLayout(actions)
        self.content.addWidget(where)

    def show_connection(self, mode: Mode, url: str, account: str) -> None:
        self.embedded.setChecked(mode is Mode.EMBEDDED)
        self.team.setChecked(mode is Mode.TEAM)
        self.url.setText(url)
        self.account.setText(account)
        self._mode_toggled()

    def show_data_dir(self, path: Path) -> None:
        self._data_path = path
        self.data_dir.setText(str(path))

    def show_models(self, statuses: list[ModelStatus]) -> None:
        clear_layout(self.models)
        for status in statuses:
            row = QWidget()
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            text = QVBoxLayout()
            text.addWidget(label(f"{status.role}: {status.name}", "h3"))
            text.addWidget(label(status.detail, "muted"))
            line.addLayout(text, 1)
            line.addWidget(
                Chip("Ready" if status.ready else "Not available", "success" if status.ready else "warning")
            )
            self.models.addWidget(row)

    def show_devices(self, devices: list[InputDevice], preferred: str) -> None:
        self.devices.blockSignals(True)
        self.devices.clear()
        for device in devices:
            self.devices.addItem(device.name)
        if not devices:
            self.devices.addItem("No microphone found")
        index = self.devices.findText(preferred) if preferred else -1
        if index < 0:
            index = next((i for i, device in enumerate(devices) if device.is_default), 0)
        self.devices.setCurrentIndex(index)
        self.devices.setEnabled(bool(devices))
        self.devices.blockSignals(False)

    def show_message(self, message: str, kind: str = "error") -> None:
        self.banner.show_message(message, kind)

    def _mode_toggled(self) -> None:
        team = self.team.isChecked()
        self.url.setEnabled(team)
        self.sign_out.setVisible(team)

    def _apply(self) -> None:
        mode = Mode.TEAM if self.team.isChecked() else Mode.EMBEDDED
        self.apply_connection.emit(mode, self.url.text().strip())

    def _device_changed(self, index: int) -> None:
        if index >= 0 and self.devices.isEnabled():
            self.device_chosen.emit(self.devices.itemText(index))

    def _open_folder(self) -> None:
        if self._data_path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._data_path)))

    def _confirm_delete(self) -> None:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Delete all my data?")
        box.setText("Delete all your data?")
        box.setInformativeText(DELETE_CONFIRMATION)
        self.confirm_button = box.addButton("Delete everything", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(self._confirmed)
        self.confirm_box = box
        # open(), not exec(): the event loop keeps running, so the embedded services stay watched.
        box.open()

    def _confirmed(self, clicked: QAbstractButton) -> None:
        if clicked is self.confirm_button:
            self.delete_requested.emit()
