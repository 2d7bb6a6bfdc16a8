"""The team server's token: in the system keyring when there is one, else in a file only the user can
read, never in the settings file; tokens kept by earlier versions in the settings move out of it."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.compat import properties

from desktop.controllers.connection import stored_team_token
from desktop.settings import AppSettings, SettingKey
from desktop.token_store import SERVICE, TokenStore

URL = "https://ascend.example.com/api/v1"
OTHER_URL = "https://other.example.com/api/v1"


class MemoryKeyring(KeyringBackend):
    """The OS keychain, which a headless test machine does not have. Set only by these tests: keyring
    picks its default among every backend class defined, and a viable one here would become the
    default of every later test in the run."""

    @properties.classproperty
    def priority(cls) -> float:  # noqa: N805 - a class property
        raise RuntimeError("a test's stand-in, never keyring's own choice")

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.passwords[(service, username)]


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def system_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.mark.usefixtures("no_keyring")
def test_without_a_keyring_the_token_is_in_a_file_only_its_user_can_read(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "desktop")
    store.set(URL, "token-one")
    store.set(OTHER_URL, "token-two")
    assert (store.get(URL), store.get(OTHER_URL)) == ("token-one", "token-two")
    assert stat.S_IMODE(store.fallback_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.fallback_file.parent.stat().st_mode) == 0o700
    store.delete(URL)
    assert (store.get(URL), store.get(OTHER_URL)) == ("", "token-two")
    assert "token-one" not in store.fallback_file.read_text()


@pytest.mark.usefixtures("no_keyring")
def test_a_damaged_token_file_reads_as_signed_out(tmp_path: Path) -> None:
    store = TokenStore(tmp_path)
    store.fallback_file.write_text("{not json")
    assert store.get(URL) == ""
    store.set(URL, "fresh")
    assert store.get(URL) == "fresh"


def test_with_a_keyring_the_token_is_kept_there_and_no_copy_stays_in_the_file(
    tmp_path: Path, system_keyring: MemoryKeyring
) -> None:
    store = TokenStore(tmp_path)
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]
    store.set(URL, "written-while-the-keyring-was-locked")
    keyring.set_keyring(system_keyring)
    store.set(URL, "token")
    assert system_keyring.passwords == {(SERVICE, URL): "token"}
    assert "written-while" not in store.fallback_file.read_text()
    assert store.get(URL) == "token"
    store.delete(URL)
    assert (system_keyring.passwords, store.get(URL)) == ({}, "")


@pytest.mark.usefixtures("no_keyring")
def test_a_token_an_earlier_version_kept_in_the_settings_moves_to_the_store(
    tmp_path: Path, app_settings: AppSettings
) -> None:
    app_settings.set_text(SettingKey.SERVER_URL, URL)
    app_settings.set_text(SettingKey.LEGACY_TEAM_TOKEN, "old-token")
    store = TokenStore(tmp_path / "desktop")
    assert stored_team_token(app_settings, store) == "old-token"
    assert app_settings.text(SettingKey.LEGACY_TEAM_TOKEN) == ""
    assert store.get(URL) == "old-token"
    assert stored_team_token(app_settings, store) == "old-token"
