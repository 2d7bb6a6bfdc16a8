"""LLM providers (CCS v1.2, LLM_PROVIDER_INTERFACE); `LLM_PROVIDER` picks the active one."""

from __future__ import annotations

from app.core.config import Settings, get_settings
from app.services.llm._structured import without_control_characters
from app.services.llm.base import LLMProvider
from app.services.llm.errors import (
    LLMConfigurationError,
    LLMError,
    LLMOutputError,
    LLMRequestError,
    LLMUnavailableError,
)
from app.services.llm.local import LocalLLMProvider
from app.services.llm.openai import OpenAIProvider

__all__ = [
    "LLMConfigurationError",
    "LLMError",
    "LLMOutputError",
    "LLMProvider",
    "LLMRequestError",
    "LLMUnavailableError",
    "LocalLLMProvider",
    "OpenAIProvider",
    "get_llm_provider",
    "without_control_characters",
]


def get_llm_provider(settings: Settings | None = None) -> LLMProvider:
    """The provider `LLM_PROVIDER` selects, built from the settings (nothing connects until used)."""
    settings = settings or get_settings()
    if settings.LLM_PROVIDER == "local":
        return LocalLLMProvider.from_settings(settings)
    if settings.LLM_PROVIDER == "openai":
        return OpenAIProvider.from_settings(settings)
    raise LLMConfigurationError(f"unknown LLM_PROVIDER {settings.LLM_PROVIDER!r}")
