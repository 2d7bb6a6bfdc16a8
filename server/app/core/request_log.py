"""One JSON log line per request: request id, method, path, status, duration and user id.

The query string is left out on purpose: the OAuth callback carries the provider's code there.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.caller import caller_user_id
from app.core.logging import REQUEST_ID

logger = logging.getLogger("app.access")

REQUEST_ID_HEADER = "x-request-id"
# An id from a proxy in front is kept so its logs and ours line up; anything else is replaced.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _request_id(scope: Scope) -> str:
    inbound = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
    return inbound if _SAFE_REQUEST_ID.fullmatch(inbound) else uuid.uuid4().hex


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        context = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        # An exception that escapes the app becomes a 500 further out, after this line is written.
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            user_id = caller_user_id(scope)
            logger.info(
                "%s %s %d",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": str(user_id) if user_id is not None else None,
                },
            )
            REQUEST_ID.reset(context)
