"""CORS, closed unless CORS_ALLOWED_ORIGINS names origins.

Built on the first request because the settings are only known once the lifespan has run. The
API authenticates with Bearer tokens, never cookies, so credentials are not allowed cross-origin.
"""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.caller import app_settings


class ConfiguredCORSMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._handler: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._handler is None:
            origins = app_settings(scope).CORS_ALLOWED_ORIGINS
            self._handler = (
                CORSMiddleware(
                    self.app,
                    allow_origins=origins,
                    allow_methods=["GET", "POST", "DELETE"],
                    allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
                    expose_headers=["X-Request-ID", "Retry-After"],
                    allow_credentials=False,
                    max_age=600,
                )
                if origins
                else self.app
            )
        await self._handler(scope, receive, send)
