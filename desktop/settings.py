"""The client's preferences, kept in QSettings under an enum of keys so no key is ever misspelt."""

from __future__ import annotations

from enum import StrEnum

from desktop.qt import QSettings

ORGANIZATION = "Ascend AI"
APPLICATION = "Ascend AI Desktop"
DEFAULT_TEAM_SERVER_URL = "http://127.0.0.1:8000/api/v1"


class Mode(StrEnum):
    EMBEDDED = "embedded"
    TEAM = "team"


class SettingKey(StrEnum):
    MODE = "connection/mode"
    SERVER_URL = "connection/server_url"
    # Where earlier versions kept the token in the clear; read once to move it to the token store.
    LEGACY_TEAM_TOKEN = "connection/team_token"  # noqa: S105 - a settings key, not a secret
    # The device's name, not its index: indices shift whenever a headset is plugged in.
    INPUT_DEVICE = "audio/input_device"
    LAST_FILE_DIR = "files/last_dir"
    WINDOW_GEOMETRY = "window/geometry"


class AppSettings:
    def __init__(self, store: QSettings) -> None:
        self._store = store

    def text(self, key: SettingKey, default: str = "") -> str:
        value = self._store.value(key.value, default)
        return value if isinstance(value, str) else default

    def set_text(self, key: SettingKey, value: str) -> None:
        self._store.setValue(key.value, value)
        self._store.sync()

    def remove(self, key: SettingKey) -> None:
        self._store.remove(key.value)
        self._store.sync()

    @property
    def mode(self) -> Mode:
        stored = self.text(SettingKey.MODE, Mode.EMBEDDED.value)
        return Mode(stored) if stored in Mode._value2member_map_ else Mode.EMBEDDED

    @mode.setter
    def mode(self, mode: Mode) -> None:
        self.set_text(SettingKey.MODE, mode.value)

    @property
    def server_url(self) -> str:
        return self.text(SettingKey.SERVER_URL, DEFAULT_TEAM_SERVER_URL)


def default_store() -> QSettings:
    return QSettings(ORGANIZATION, APPLICATION)
