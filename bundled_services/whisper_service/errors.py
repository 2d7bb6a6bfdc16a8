"""The service's error responses: `{"detail": ..., "error_code": ...}` with a status code."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

INVALID_INPUT = "INVALID_INPUT"
FILE_TOO_LARGE = "FILE_TOO_LARGE"
AUDIO_TOO_LONG = "AUDIO_TOO_LONG"
BUSY = "BUSY"


class ServiceError(Exception):
    def __init__(self, status_code: int, error_code: str, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.error_code = error_code
        self.detail = detail


def invalid_input(detail: str) -> ServiceError:
    return ServiceError(400, INVALID_INPUT, detail)


def file_too_large() -> ServiceError:
    return ServiceError(413, FILE_TOO_LARGE, "File exceeds size limit")


async def service_error_handler(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, ServiceError):  # registered for ServiceError only
        raise exc
    return JSONResponse(
        status_code=exc.status_code,
        content={"detail": exc.detail, "error_code": exc.error_code},
    )
