"""`.env.template` lists every variable of the spec and every setting the server reads."""

from __future__ import annotations

from pathlib import Path

from app.core.config import Settings

TEMPLATE = Path(__file__).resolve().parents[2] / ".env.template"

SPEC_VARIABLES = {
    "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "S3_ENDPOINT_URL",
    "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_BUCKET_NAME", "S3_REGION", "LLM_PROVIDER",
    "LOCAL_LLM_API_BASE", "LOCAL_LLM_MODEL_NAME", "OPENAI_API_KEY", "OPENAI_MODEL_NAME",
    "WHISPER_SERVICE_URL", "EMBEDDING_MODEL_NAME", "EMBEDDING_DIMENSION", "NEXTAUTH_SECRET",
    "NEXTAUTH_URL", "GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET",
    "NEXT_PUBLIC_API_URL", "MAX_RESUME_FILE_SIZE_MB", "MAX_AUDIO_FILE_SIZE_MB", "ALLOWED_RESUME_EXTENSIONS",
    "ALLOWED_AUDIO_EXTENSIONS",
}  # fmt: skip


def template_variables() -> set[str]:
    names = set()
    for line in TEMPLATE.read_text().splitlines():
        stripped = line.lstrip("# ").strip()
        if "=" in stripped and stripped.split("=", 1)[0].isupper():
            names.add(stripped.split("=", 1)[0])
    return names


def test_template_lists_the_spec_variables() -> None:
    assert template_variables() >= SPEC_VARIABLES


def test_template_lists_every_setting_the_server_reads() -> None:
    assert set(Settings.model_fields) <= template_variables()
