"""Where the app keeps a team server's sign-in token: the system keyring (Keychain, Windows
Credential Manager, Secret Service), or, where the system has none, a file only this user can read.

Tokens are kept per server URL, so a second team server does not sign the first one out.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from pathlib import Path

import keyring
from keyring.errors import KeyringError, PasswordDeleteError

logger = logging.getLogger(__name__)

SERVICE = "Ascend AI team server"
FILE_NAME = "team-tokens.json"


class TokenStore:
    def __init__(self, fallback_dir: Path) -> None:
        self._file = fallback_dir / FILE_NAME

    @property
    def fallback_file(self) -> Path:
        return self._file

    def get(self, server_url: str) -> str:
        try:
            token = keyring.get_password(SERVICE, server_url)
        except KeyringError:
            token = None
        return token or self._read().get(server_url, "")

    def set(self, server_url: str, token: str) -> None:
        try:
            keyring.set_password(SERVICE, server_url, token)
        except KeyringError as error:
            # No usable keyring (a desktop without Secret Service, a locked or refused one).
            logger.info("no system keyring (%s); the token goes to a private file", type(error).__name__)
            tokens = self._read()
            tokens[server_url] = token
            self._write(tokens)
            return
        # Now in the keyring: no copy stays behind in the file.
        self._forget_in_file(server_url)

    def delete(self, server_url: str) -> None:
        with contextlib.suppress(PasswordDeleteError, KeyringError):
            keyring.delete_password(SERVICE, server_url)
        self._forget_in_file(server_url)

    def _forget_in_file(self, server_url: str) -> None:
        tokens = self._read()
        if tokens.pop(server_url, None) is not None:
            self._write(tokens)

    def _read(self) -> dict[str, str]:
        try:
            loaded = json.loads(self._file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(loaded, dict):
            return {}
        return {str(url): token for url, token in loaded.items() if isinstance(token, str)}

    def _write(self, tokens: dict[str, str]) -> None:
        self._file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = self._file.with_name(self._file.name + ".partial")
        # Created 0600 before a byte is written: no moment when another user could read it.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(tokens, handle)
        os.chmod(partial, 0o600)
        os.replace(partial, self._file)
