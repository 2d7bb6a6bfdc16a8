"""The interface every LLM backend implements (CCS v1.2, LLM_PROVIDER_INTERFACE)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TypeVar

from pydantic import BaseModel

ModelT = TypeVar("ModelT", bound=BaseModel)


class LLMProvider(ABC):
    """Abstract base class for LLM providers.

    Implementations retry transient failures (3 attempts with exponential backoff, honouring
    `Retry-After` on rate limiting) and raise only `app.services.llm.errors.LLMError` subclasses.
    """

    @abstractmethod
    async def generate_response(
        self,
        prompt: str,
        system_prompt: str | None = None,
        temperature: float = 0.7,
        max_tokens: int = 2000,
    ) -> str:
        """
        Generate a text response from the LLM.

        Args:
            prompt: The user prompt
            system_prompt: Optional system prompt for context
            temperature: Sampling temperature (0.0 to 1.0)
            max_tokens: Maximum tokens in response

        Returns:
            Generated text response
        """

    @abstractmethod
    async def generate_structured_response(
        self,
        prompt: str,
        response_model: type[ModelT],
        system_prompt: str | None = None,
        temperature: float = 0.7,
    ) -> ModelT:
        """
        Generate a structured response matching a Pydantic model.

        Args:
            prompt: The user prompt
            response_model: Pydantic model class for response structure
            system_prompt: Optional system prompt
            temperature: Sampling temperature

        Returns:
            Instance of response_model with generated data
        """
