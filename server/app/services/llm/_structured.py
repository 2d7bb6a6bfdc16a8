"""Validated structured output, shared by the providers.

A model can emit JSON that parses but breaks a constraint no grammar expresses (a number out of
range, too few list items). Such an answer is sent back to the model with the validation errors,
which fixes most of them in one more round.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Literal, TypedDict

from pydantic import BaseModel, ValidationError

from app.services.llm.base import ModelT
from app.services.llm.errors import LLMOutputError

logger = logging.getLogger(__name__)

STRUCTURED_ATTEMPTS = 3
# Bounds what a failed answer adds to the next prompt: small local models have small contexts.
_MAX_ERRORS_REPORTED = 8
_MAX_ERROR_CHARS = 200


class ChatMessage(TypedDict):
    role: Literal["system", "user", "assistant"]
    content: str


class InvalidOutputError(Exception):
    """One attempt produced an answer that is not a valid instance of the requested model."""

    def __init__(self, reason: str, raw_output: str | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.raw_output = raw_output


def build_messages(prompt: str, system_prompt: str | None) -> list[ChatMessage]:
    messages: list[ChatMessage] = []
    if system_prompt:
        messages.append({"role": "system", "content": system_prompt})
    messages.append({"role": "user", "content": prompt})
    return messages


def schema_instruction(response_model: type[BaseModel]) -> str:
    schema = json.dumps(response_model.model_json_schema(), separators=(",", ":"))
    return (
        f"Answer with a single JSON object and nothing else. It must conform to this JSON schema:\n{schema}"
    )


# Control characters a model may emit inside its strings ("\u0000" is valid JSON); PostgreSQL refuses
# NUL in text and JSONB, and none of them belongs in a coaching text. Newlines and tabs stay.
_CONTROL_CHARACTERS = dict.fromkeys(c for c in range(32) if chr(c) not in "\n\t\r")
_CONTROL_CHARACTERS[0x7F] = None


def without_control_characters(value: object) -> object:
    """`value` (parsed JSON) with control characters removed from every string in it."""
    if isinstance(value, str):
        return value.translate(_CONTROL_CHARACTERS)
    if isinstance(value, list):
        return [without_control_characters(item) for item in value]
    if isinstance(value, dict):
        return {key: without_control_characters(item) for key, item in value.items()}
    return value


def validate_output(response_model: type[ModelT], content: str | None) -> ModelT:
    if content is None or not content.strip():
        raise InvalidOutputError("the answer was empty", content)
    try:
        try:
            parsed = json.loads(content)
        except ValueError:
            # Not JSON: pydantic's own parser says why, in the words the retry prompt passes on.
            return response_model.model_validate_json(content)
        return response_model.model_validate(without_control_characters(parsed))
    except ValidationError as error:
        raise InvalidOutputError(describe_validation_error(error), content) from error


def describe_validation_error(error: ValidationError) -> str:
    problems = []
    for detail in error.errors(include_url=False)[:_MAX_ERRORS_REPORTED]:
        location = ".".join(str(part) for part in detail["loc"]) or "(root)"
        problems.append(f"{location}: {detail['msg']}"[:_MAX_ERROR_CHARS])
    if error.error_count() > _MAX_ERRORS_REPORTED:
        problems.append(f"... and {error.error_count() - _MAX_ERRORS_REPORTED} more")
    return "; ".join(problems)


def _correction(reason: str) -> ChatMessage:
    return {
        "role": "user",
        "content": (
            f"Your previous answer was rejected: {reason}. "
            "Answer again with one JSON object that satisfies the schema exactly."
        ),
    }


async def generate_validated(
    attempt: Callable[[list[ChatMessage]], Awaitable[ModelT]],
    messages: list[ChatMessage],
    *,
    service: str,
    attempts: int = STRUCTURED_ATTEMPTS,
) -> ModelT:
    """Call `attempt` until it returns a validated model; raise `LLMOutputError` when out of tries."""
    conversation = list(messages)
    for number in range(1, attempts + 1):
        try:
            return await attempt(conversation)
        except InvalidOutputError as invalid:
            if number == attempts:
                raise LLMOutputError(
                    f"{service} gave no valid structured answer in {number} attempts; last problem: "
                    f"{invalid.reason}",
                    attempts=number,
                    raw_output=invalid.raw_output,
                ) from invalid
            logger.warning(
                "%s structured answer %d/%d rejected: %s", service, number, attempts, invalid.reason
            )
            # The rejected answer itself is left out: a runaway answer can fill a small context.
            conversation = [*messages, _correction(invalid.reason)]
    raise AssertionError("unreachable: the loop always returns or raises")
