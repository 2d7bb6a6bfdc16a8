"""Application settings, read from the environment and `.env`.

Nothing here is read at import time: embedded mode only learns its ports and URLs once the
bundled services are up, so every consumer calls `get_settings()` when it needs a value.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MIN_SECRET_LENGTH = 32


def _split_extensions(value: object) -> object:
    if isinstance(value, str):
        return [part.strip().lower() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=True,
    )

    # POSTGRES
    DATABASE_URL: str = "postgresql+asyncpg://ascend:ascend@localhost:5432/ascend"

    # REDIS
    REDIS_URL: str = "redis://localhost:6379/0"
    CELERY_BROKER_URL: str = "redis://localhost:6379/0"
    CELERY_RESULT_BACKEND: str = "redis://localhost:6379/0"

    # MINIO (S3-COMPATIBLE)
    S3_ENDPOINT_URL: str = "http://localhost:9000"
    S3_ACCESS_KEY_ID: str = "minioadmin"
    S3_SECRET_ACCESS_KEY: SecretStr = SecretStr("minioadmin")
    S3_BUCKET_NAME: str = "ascend-storage"
    S3_REGION: str = "us-east-1"

    # LLM PROVIDER CONFIGURATION
    LLM_PROVIDER: Literal["local", "openai"] = "local"
    LOCAL_LLM_API_BASE: str = "http://localhost:11434/v1"
    LOCAL_LLM_MODEL_NAME: str = "llama3"
    OPENAI_API_KEY: SecretStr | None = None
    OPENAI_MODEL_NAME: str = "gpt-4o"
    LLM_REQUEST_TIMEOUT_SECONDS: float = Field(default=300.0, gt=0)

    # WHISPER SERVICE
    WHISPER_SERVICE_URL: str = "http://localhost:8080/transcribe"
    WHISPER_REQUEST_TIMEOUT_SECONDS: float = Field(default=600.0, gt=0)

    # EMBEDDING MODEL
    EMBEDDING_MODEL_NAME: str = "sentence-transformers/all-mpnet-base-v2"
    EMBEDDING_DIMENSION: int = Field(default=768, gt=0)

    # AUTHENTICATION
    NEXTAUTH_SECRET: SecretStr
    ACCESS_TOKEN_EXPIRE_MINUTES: int = Field(default=60 * 24 * 30, gt=0)

    # FILE UPLOAD LIMITS
    MAX_RESUME_FILE_SIZE_MB: float = Field(default=5, gt=0)
    MAX_AUDIO_FILE_SIZE_MB: float = Field(default=50, gt=0)
    ALLOWED_RESUME_EXTENSIONS: Annotated[list[str], NoDecode] = [".pdf", ".docx"]
    ALLOWED_AUDIO_EXTENSIONS: Annotated[list[str], NoDecode] = [".mp3", ".wav", ".m4a", ".webm"]

    # BACKGROUND JOBS
    TASK_MAX_RETRIES: int = Field(default=5, ge=0)
    TASK_RETRY_BACKOFF_BASE_SECONDS: float = Field(default=2.0, gt=0)
    TASK_RETRY_BACKOFF_MAX_SECONDS: float = Field(default=300.0, gt=0)

    @field_validator("NEXTAUTH_SECRET")
    @classmethod
    def _secret_is_long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"NEXTAUTH_SECRET must be at least {MIN_SECRET_LENGTH} characters long "
                f"(got {len(value.get_secret_value())}); generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
        return value

    @field_validator("ALLOWED_RESUME_EXTENSIONS", "ALLOWED_AUDIO_EXTENSIONS", mode="before")
    @classmethod
    def _parse_extension_list(cls, value: object) -> object:
        return _split_extensions(value)

    @field_validator("ALLOWED_RESUME_EXTENSIONS", "ALLOWED_AUDIO_EXTENSIONS")
    @classmethod
    def _extensions_start_with_dot(cls, value: list[str]) -> list[str]:
        for extension in value:
            if not extension.startswith("."):
                raise ValueError(f"file extensions must start with a dot, got {extension!r}")
        return value

    @property
    def max_resume_bytes(self) -> int:
        return int(self.MAX_RESUME_FILE_SIZE_MB * 1024 * 1024)

    @property
    def max_audio_bytes(self) -> int:
        return int(self.MAX_AUDIO_FILE_SIZE_MB * 1024 * 1024)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
