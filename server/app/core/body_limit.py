"""Refuses request bodies over their endpoint's limit, before any of them is parsed.

The two upload endpoints take their file's limit plus room for the multipart framing; every other
endpoint takes JSON of a few KiB at most (a job description is 5,000 characters), so MAX_JSON_BODY_KB
bounds what a JSON parser could be made to hold. MAX_REQUEST_BODY_MB, when set, caps them all.
A declared Content-Length over the limit is answered with 413 before a byte of the body is read;
a chunked body is counted as it streams and cut off the moment it passes the limit. The upload
endpoints enforce their own per-file limits on top of this.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.caller import app_settings
from app.core.config import Settings
from app.core.routes import path_matches, route_path

_MIB = 1024 * 1024
# Room for the multipart framing and form fields around the largest file an endpoint accepts.
MULTIPART_MARGIN_BYTES = _MIB
# The spec's 413 body, word for word: clients cannot tell which limit refused them, nor need to.
TOO_LARGE_DETAIL = "File exceeds size limit"
TOO_LARGE_CODE = "FILE_TOO_LARGE"


UPLOAD_ROUTES: tuple[tuple[str, str, Callable[[Settings], int]], ...] = (
    ("POST", "/api/v1/resumes", lambda s: s.max_resume_bytes),
    ("POST", "/api/v1/sessions/{session_id}/recordings", lambda s: s.max_audio_bytes),
)


def max_request_body_bytes(settings: Settings, method: str, path: str) -> int:
    upload = next(
        (limit for m, route, limit in UPLOAD_ROUTES if m == method and path_matches(route, path)), None
    )
    limit = (
        upload(settings) + MULTIPART_MARGIN_BYTES if upload is not None else settings.MAX_JSON_BODY_KB * 1024
    )
    if settings.MAX_REQUEST_BODY_MB is not None:
        limit = min(limit, int(settings.MAX_REQUEST_BODY_MB * _MIB))
    return limit


def _too_large() -> JSONResponse:
    # Closing the connection spares the server from reading the rest of a body nobody will use.
    return JSONResponse(
        {"detail": TOO_LARGE_DETAIL, "error_code": TOO_LARGE_CODE}, 413, headers={"Connection": "close"}
    )


class BodySizeLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = max_request_body_bytes(app_settings(scope), scope["method"], route_path(scope))
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large()(scope, receive, send)
            return

        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # An HTTPException, not an ApiError: FastAPI re-raises it from body parsing
                    # (it turns other errors there into 400s) and the error handlers render it.
                    raise HTTPException(413, TOO_LARGE_DETAIL)
            return message

        await self.app(scope, counted_receive, send)
