"""LLM providers (CCS v1.2, LLM_PROVIDER_INTERFACE); `LLM_PROVIDER` picks the active one."""

from __future__ import annotations

from app.core.config import Settings, get_settings
from app.services.llm._structured import without_control_characters
from app.services.llm.base import LLMProvider, ModelT
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
    "MisconfiguredProvider",
    "OpenAIProvider",
    "configured_llm_provider",
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


class MisconfiguredProvider(LLMProvider):
    """What a process holds when its LLM settings cannot build a provider: every call raises why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    async def generate_response(
        self,
        prompt: str,
        system_prompt: str | None = None,
        temperature: float = 0.7,
        max_tokens: int = 2000,
    ) -> str:
        raise LLMConfigurationError(self.reason)

    async def generate_structured_response(
        self,
        prompt: str,
        response_model: type[ModelT],
        system_prompt: str | None = None,
        temperature: float = 0.7,
    ) -> ModelT:
        raise LLMConfigurationError(self.reason)


def configured_llm_provider(settings: Settings) -> LLMProvider:
    """The provider for a process's shared resources: a setting only jobs use (OPENAI_API_KEY) must not
    stop the API starting, so a wrong one fails each job that calls the model, with its reason."""
    try:
        return get_llm_provider(settings)
    except LLMConfigurationError as error:
        return MisconfiguredProvider(str(error))
