"""What every controller shares: settings, worker threads, the server connection and local storage."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.schemas.user import UserResponse
from desktop.answers.store import AnswerStore
from desktop.api.client import ApiClient
from desktop.api.errors import UserFacingError
from desktop.audio.backend import AudioBackend
from desktop.settings import AppSettings
from desktop.tasks import TaskRunner
from desktop.token_store import TokenStore


@dataclass
class AppContext:
    settings: AppSettings
    runner: TaskRunner
    data_dir: Path
    audio: AudioBackend | None
    # Why there is no audio backend, in words, when `audio` is None.
    audio_problem: str | None = None
    api: ApiClient | None = None
    user: UserResponse | None = None
    server_env: dict[str, str] = field(default_factory=dict)

    @property
    def tokens(self) -> TokenStore:
        return TokenStore(self.data_dir / "desktop")

    @property
    def answers(self) -> AnswerStore:
        return AnswerStore(self.data_dir / "desktop" / "answers")

    def client(self) -> ApiClient:
        if self.api is None:
            raise UserFacingError("Ascend AI isn't connected to a server yet.")
        return self.api

    def replace_client(self, client: ApiClient | None) -> None:
        if self.api is not None:
            self.api.close()
        self.api = client
