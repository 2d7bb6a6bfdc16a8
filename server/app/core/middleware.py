"""The team server's middleware, in the order a request meets it."""

from __future__ import annotations

from fastapi import FastAPI

from app.core.body_limit import BodySizeLimitMiddleware
from app.core.cors import ConfiguredCORSMiddleware
from app.core.rate_limit import RateLimitMiddleware
from app.core.request_log import RequestLogMiddleware


def install_middleware(app: FastAPI) -> None:
    # Starlette wraps each addition around the previous ones: the last added meets a request first.
    # Logging is outermost so refused requests (413, 429) are logged too; CORS wraps the refusals so
    # an allowed browser origin can read them.
    app.add_middleware(RateLimitMiddleware)
    app.add_middleware(BodySizeLimitMiddleware)
    app.add_middleware(ConfiguredCORSMiddleware)
    app.add_middleware(RequestLogMiddleware)
