"""The API's error vocabulary and the handlers that render it in the spec's shapes."""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from app.schemas.error import ErrorResponse, ValidationErrorDetail, ValidationErrorResponse
from app.schemas.text import CONTROL_CHARACTER_ERROR

logger = logging.getLogger(__name__)


class ErrorCode(StrEnum):
    INVALID_INPUT = "INVALID_INPUT"
    UNAUTHORIZED = "UNAUTHORIZED"
    NOT_FOUND = "NOT_FOUND"
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"


class ApiError(Exception):
    """An error the client should see, with the spec's status code and error code."""

    def __init__(self, status_code: int, detail: str, error_code: ErrorCode) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.error_code = error_code


def invalid_input(detail: str) -> ApiError:
    return ApiError(400, detail, ErrorCode.INVALID_INPUT)


def not_found(detail: str = "Resource not found") -> ApiError:
    return ApiError(404, detail, ErrorCode.NOT_FOUND)


def unauthorized(detail: str = "Invalid or expired token") -> ApiError:
    return ApiError(401, detail, ErrorCode.UNAUTHORIZED)


def file_too_large(detail: str = "File exceeds size limit") -> ApiError:
    return ApiError(413, detail, ErrorCode.FILE_TOO_LARGE)


def service_unavailable(detail: str) -> ApiError:
    return ApiError(503, detail, ErrorCode.SERVICE_UNAVAILABLE)


def _error_body(detail: str, error_code: str | None) -> dict[str, Any]:
    return ErrorResponse(detail=detail, error_code=error_code).model_dump()


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
    if exc.status_code == 503:
        headers = {"Retry-After": "30"}
    return JSONResponse(_error_body(exc.detail, exc.error_code), exc.status_code, headers=headers)


_STATUS_CODES = {
    400: ErrorCode.INVALID_INPUT,
    401: ErrorCode.UNAUTHORIZED,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.FILE_TOO_LARGE,
}


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _STATUS_CODES.get(exc.status_code)
    return JSONResponse(
        _error_body(str(exc.detail), code), exc.status_code, headers=getattr(exc, "headers", None)
    )


# Pydantic's error types for text that cannot be stored, with the reason to give (None: its own message).
_UNSTORABLE_TEXT: dict[str, str | None] = {
    CONTROL_CHARACTER_ERROR: None,
    "string_unicode": "is not valid Unicode text (it holds a lone surrogate)",
}


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # The spec's 422 body lists exactly loc/msg/type; FastAPI adds the offending input, which can
    # echo a user's job description or more back verbatim.
    errors = exc.errors()
    refused = next((error for error in errors if error["type"] in _UNSTORABLE_TEXT), None)
    if refused is not None:
        # Not a value out of range but text nothing could store: the 400 every bad input gets.
        field = ".".join(str(part) for part in refused.get("loc", ())[1:]) or "body"
        reason = _UNSTORABLE_TEXT[refused["type"]] or refused["msg"]
        return JSONResponse(_error_body(f"The field '{field}' {reason}", ErrorCode.INVALID_INPUT), 400)
    details = [
        ValidationErrorDetail(loc=list(error.get("loc", ())), msg=str(error["msg"]), type=str(error["type"]))
        for error in errors
    ]
    return JSONResponse(ValidationErrorResponse(detail=details).model_dump(), 422)


async def _client_gone(request: Request, _: Exception) -> JSONResponse:
    # A client that closed the connection mid-upload (a cancelled answer) is no server fault.
    logger.info("client disconnected during %s %s", request.method, request.url.path)
    return JSONResponse(_error_body("The upload was interrupted", ErrorCode.INVALID_INPUT), 400)


async def _unhandled_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(_error_body("Internal server error", ErrorCode.INTERNAL_ERROR), 500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ClientDisconnect, _client_gone)
    app.add_exception_handler(Exception, _unhandled_error)
