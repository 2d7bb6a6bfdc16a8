"""Application settings, read from the environment and `.env`.

Nothing here is read at import time: embedded mode only learns its ports and URLs once the
bundled services are up, so every consumer calls `get_settings()` when it needs a value.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.schemas import limits

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
    # (added) Per server process (each Gunicorn worker, each Celery pool process): connections kept open,
    # and how many more it may open under load. Every process's sum must fit PostgreSQL's max_connections.
    DATABASE_POOL_SIZE: int = Field(default=5, ge=1)
    DATABASE_MAX_OVERFLOW: int = Field(default=5, ge=0)

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
    # The defaults live in app.schemas.limits, where the desktop client reads them too.
    MAX_RESUME_FILE_SIZE_MB: float = Field(default=limits.DEFAULT_MAX_RESUME_FILE_SIZE_MB, gt=0)
    MAX_AUDIO_FILE_SIZE_MB: float = Field(default=limits.DEFAULT_MAX_AUDIO_FILE_SIZE_MB, gt=0)
    ALLOWED_RESUME_EXTENSIONS: Annotated[list[str], NoDecode] = list(limits.DEFAULT_RESUME_EXTENSIONS)
    ALLOWED_AUDIO_EXTENSIONS: Annotated[list[str], NoDecode] = list(limits.DEFAULT_AUDIO_EXTENSIONS)
    # (added) An answer longer than this is refused at upload, read from the container's header when it
    # tells, else while decoding (stopping there): nobody's interview answer runs a quarter of an hour.
    MAX_ANSWER_MINUTES: float = Field(default=limits.DEFAULT_MAX_ANSWER_MINUTES, gt=0)
    # (added) A resume is read in a child process with these limits, so a hostile file costs the child.
    RESUME_READER_MEMORY_MB: int = Field(default=512, ge=128)
    RESUME_READER_CPU_SECONDS: int = Field(default=20, gt=0)
    RESUME_READER_TIMEOUT_SECONDS: float = Field(default=30, gt=0)

    # BACKGROUND JOBS
    TASK_MAX_RETRIES: int = Field(default=5, ge=0)
    TASK_RETRY_BACKOFF_BASE_SECONDS: float = Field(default=2.0, gt=0)
    TASK_RETRY_BACKOFF_MAX_SECONDS: float = Field(default=300.0, gt=0)
    # (added) A job handed out this many times without finishing (its worker died each time: killed,
    # out of memory) is marked failed instead of being handed out again.
    TASK_MAX_DELIVERIES: int = Field(default=3, ge=1)
    # (added) Per job, on a worker with a process pool (the team server; the laptop's single-process
    # worker cannot interrupt a job): past the soft limit the job is marked failed, past the hard one
    # its process is replaced. The longest job, 15 minutes of audio on two cores, takes about 3 minutes.
    TASK_SOFT_TIME_LIMIT_SECONDS: int = Field(default=1500, gt=0)
    TASK_TIME_LIMIT_SECONDS: int = Field(default=1800, gt=0)
    # (added) A pool process past this resident size is replaced after its job (the models take ~1.5 GB).
    WORKER_MAX_MEMORY_PER_CHILD_MB: int = Field(default=4096, gt=0)
    # (added) The job sweeper each worker runs (app.workers.sweeper): a row left `pending` or `processing`
    # by a job that never started (not queued after its commit, or lost by the broker) or whose worker
    # died mid-job is queued again, and marked failed once queued JOB_MAX_ATTEMPTS times. A running job
    # records a heartbeat every JOB_HEARTBEAT_SECONDS; one silent for JOB_STALL_SECONDS is taken for dead;
    # one queued JOB_START_DEADLINE_SECONDS ago and not started is taken for lost (only while no job
    # waits in the queue: a backlog may be hiding it).
    JOB_SWEEP_INTERVAL_SECONDS: float = Field(default=60.0, gt=0)
    JOB_START_DEADLINE_SECONDS: float = Field(default=300.0, gt=0)
    JOB_HEARTBEAT_SECONDS: float = Field(default=30.0, gt=0)
    JOB_STALL_SECONDS: float = Field(default=300.0, gt=0)
    JOB_MAX_ATTEMPTS: int = Field(default=3, ge=1)

    # AI LAYER (added): the ReAct agent's budget before a report falls back to one constrained generation.
    AGENT_MAX_STEPS: int = Field(default=10, ge=2)
    AGENT_TIMEOUT_SECONDS: float = Field(default=60.0, gt=0)
    # (added) When the worker starts, load the embedding model and have a local language model read the
    # opening turn of every kind of request the jobs make (see app.services.warm_up). `ascend serve`
    # turns it on: its model server keeps those turns and the laptop's first practice is the one felt.
    WORKER_WARM_UP: bool = False

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

    @model_validator(mode="after")
    def _heartbeats_come_before_a_stall(self) -> Settings:
        if self.JOB_STALL_SECONDS <= self.JOB_HEARTBEAT_SECONDS:
            raise ValueError(
                f"JOB_STALL_SECONDS ({self.JOB_STALL_SECONDS:g}) must be longer than JOB_HEARTBEAT_SECONDS "
                f"({self.JOB_HEARTBEAT_SECONDS:g}), or every running job would look dead"
            )
        return self

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

    # TEAM SERVER (added): OAuth sign-in, per-user rate limits, request size limit, CORS.
    # The OAuth client ids and secrets are the spec's variables; a provider without both is not offered.
    GOOGLE_CLIENT_ID: str | None = None
    GOOGLE_CLIENT_SECRET: SecretStr | None = None
    GITHUB_CLIENT_ID: str | None = None
    GITHUB_CLIENT_SECRET: SecretStr | None = None
    # The API's public base URL; the OAuth callback registered with the providers is built from it
    # (unset: from the request, which is only right when no proxy rewrites the host).
    NEXT_PUBLIC_API_URL: str | None = None
    OAUTH_GOOGLE_AUTHORIZE_URL: str = "https://accounts.google.com/o/oauth2/v2/auth"
    OAUTH_GOOGLE_TOKEN_URL: str = "https://oauth2.googleapis.com/token"  # noqa: S105  (a URL)
    OAUTH_GOOGLE_USERINFO_URL: str = "https://openidconnect.googleapis.com/v1/userinfo"
    OAUTH_GITHUB_AUTHORIZE_URL: str = "https://github.com/login/oauth/authorize"
    OAUTH_GITHUB_TOKEN_URL: str = "https://github.com/login/oauth/access_token"  # noqa: S105  (a URL)
    OAUTH_GITHUB_API_URL: str = "https://api.github.com"
    OAUTH_FLOW_TTL_SECONDS: int = Field(default=600, gt=0)
    OAUTH_CODE_TTL_SECONDS: int = Field(default=60, gt=0)
    OAUTH_HTTP_TIMEOUT_SECONDS: float = Field(default=15.0, gt=0)
    # Who may create an account by signing in: people at these e-mail domains (comma-separated). Closed
    # by default: only users an admin created (`ascend users invite`) may sign in.
    SIGN_UP_ALLOWED_DOMAINS: Annotated[list[str], NoDecode] = []
    RATE_LIMIT_ENABLED: bool = True
    RATE_LIMIT_WINDOW_SECONDS: int = Field(default=3600, gt=0)
    RATE_LIMIT_RESUME_UPLOADS: int = Field(default=30, gt=0)
    RATE_LIMIT_SESSIONS: int = Field(default=60, gt=0)
    RATE_LIMIT_RECORDINGS: int = Field(default=300, gt=0)
    RATE_LIMIT_GAP_ANALYSES: int = Field(default=60, gt=0)
    # Requests to the sign-in endpoints (which anyone may call) per client address: a sign-in takes four.
    RATE_LIMIT_SIGN_IN_PER_ADDRESS: int = Field(default=120, gt=0)
    # A cap on every request body; unset, each endpoint has its own (its upload limit plus 1 MiB of
    # multipart framing, or MAX_JSON_BODY_KB for the rest).
    MAX_REQUEST_BODY_MB: float | None = Field(default=None, gt=0)
    MAX_JSON_BODY_KB: int = Field(default=64, gt=0)
    CORS_ALLOWED_ORIGINS: Annotated[list[str], NoDecode] = []

    @field_validator("SIGN_UP_ALLOWED_DOMAINS", mode="before")
    @classmethod
    def _parse_domain_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip().lower().lstrip("@") for part in value.split(",") if part.strip()]
        return value

    @field_validator("CORS_ALLOWED_ORIGINS", mode="before")
    @classmethod
    def _parse_origin_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip().rstrip("/") for part in value.split(",") if part.strip()]
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
