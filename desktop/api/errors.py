"""What went wrong talking to the server, and how to say it to a person."""

from __future__ import annotations

import logging

import httpx

logger = logging.getLogger(__name__)


class TaskCancelledError(Exception):
    """The user cancelled the work; nothing to report."""


class ApiError(Exception):
    """The server answered with one of the API contract's error responses."""

    def __init__(self, status_code: int, detail: str, error_code: str | None) -> None:
        super().__init__(f"{status_code} {error_code or ''}: {detail}")
        self.status_code = status_code
        self.detail = detail
        self.error_code = error_code


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."


def describe_api_error(error: ApiError) -> str:
    if error.status_code == 401:
        return "Your sign-in isn't valid on this server any more. Sign in again from Settings."
    if error.status_code == 404:
        return f"{_sentence(error.detail)} It may have been deleted."
    if error.status_code == 413:
        return f"{_sentence(error.detail)} Choose a smaller file."
    if error.status_code in (400, 422):
        return _sentence(error.detail)
    return "The server ran into a problem it couldn't recover from. Wait a moment, then try again."


def _describe_os_error(error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return f"The file {error.filename} isn't there any more."
    if isinstance(error, PermissionError):
        return f"Ascend AI isn't allowed to open {error.filename}. Check the file's permissions."
    return f"Ascend AI couldn't use {error.filename or 'a file it needs'}: {error.strerror or error}."


def _describe_network_error(error: httpx.TransportError) -> str:
    if isinstance(error, httpx.TimeoutException):
        return "The server took too long to answer. Check that it is still running, then try again."
    return (
        "Ascend AI can't reach its server. If it runs on this computer it may still be starting "
        "or may have stopped; otherwise check your network and the server address in Settings."
    )


def describe(error: BaseException) -> str:
    """A sentence a candidate can act on; tracebacks go to the log, never to the screen."""
    if isinstance(error, ApiError):
        return describe_api_error(error)
    if isinstance(error, UserFacingError):
        return str(error)
    if isinstance(error, httpx.TransportError):
        return _describe_network_error(error)
    if isinstance(error, OSError):
        return _describe_os_error(error)
    logger.error("unexpected error", exc_info=error)
    return (
        "Something unexpected went wrong inside Ascend AI. Try again; if it keeps happening, restart the app."
    )


class UserFacingError(Exception):
    """An error whose message is already a sentence written for the candidate."""
