"""Per-user rate limits on the endpoints that store uploads or start background jobs.

Counted in Redis so every Gunicorn worker (and every API replica) shares one count per user, over
fixed windows of RATE_LIMIT_WINDOW_SECONDS. The check runs before the body is read, so a client
over its limit costs no upload bandwidth or disk. Requests without a valid token pass through
untouched: the endpoint answers those with 401.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.caller import app_settings, caller_user_id
from app.core.config import Settings
from app.core.shared_redis import redis_for

logger = logging.getLogger(__name__)

RATE_LIMITED = "RATE_LIMITED"
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"


@dataclass(frozen=True, slots=True)
class RateLimitRule:
    method: str
    route: str  # the route's path template, as FastAPI declares it
    bucket: str
    limit: Callable[[Settings], int]

    def matches(self, method: str, path: str) -> bool:
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(self.route))
        return method == self.method and re.fullmatch(pattern, path) is not None


RULES: tuple[RateLimitRule, ...] = (
    RateLimitRule("POST", "/api/v1/resumes", "resume_uploads", lambda s: s.RATE_LIMIT_RESUME_UPLOADS),
    RateLimitRule("POST", "/api/v1/sessions", "sessions", lambda s: s.RATE_LIMIT_SESSIONS),
    RateLimitRule(
        "POST", "/api/v1/sessions/{session_id}/recordings", "recordings", lambda s: s.RATE_LIMIT_RECORDINGS
    ),
    RateLimitRule("POST", "/api/v1/gap-analysis", "gap_analyses", lambda s: s.RATE_LIMIT_GAP_ANALYSES),
)


def rule_for(method: str, path: str) -> RateLimitRule | None:
    return next((rule for rule in RULES if rule.matches(method, path)), None)


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    remaining: int
    retry_after_seconds: int


class FixedWindowLimiter:
    def __init__(self, redis: Redis, *, window_seconds: int, clock: Callable[[], float] = time.time) -> None:
        self._redis = redis
        self._window = window_seconds
        self._clock = clock

    async def hit(self, bucket: str, subject: str, limit: int) -> RateDecision:
        now = self._clock()
        window_start = int(now // self._window) * self._window
        key = f"ratelimit:{bucket}:{subject}:{window_start}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            # NX: the first hit of a window sets its lifetime; later hits must not extend it.
            pipe.expire(key, self._window + 1, nx=True)
            count, _ = await pipe.execute()
        retry_after = max(1, math.ceil(window_start + self._window - now))
        return RateDecision(
            allowed=int(count) <= limit, remaining=max(0, limit - int(count)), retry_after_seconds=retry_after
        )


def _route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rule = rule_for(scope["method"], _route_path(scope)) if scope["type"] == "http" else None
        settings = app_settings(scope) if rule is not None else None
        user_id = caller_user_id(scope) if rule is not None else None
        if rule is None or settings is None or not settings.RATE_LIMIT_ENABLED or user_id is None:
            await self.app(scope, receive, send)
            return
        try:
            async with redis_for(scope["app"]) as redis:
                limiter = FixedWindowLimiter(redis, window_seconds=settings.RATE_LIMIT_WINDOW_SECONDS)
                decision = await limiter.hit(rule.bucket, str(user_id), rule.limit(settings))
        except RedisError:
            # Without the shared count no limit can be enforced; refusing is safer than letting
            # every worker accept unbounded uploads, and the broker being down breaks these anyway.
            logger.exception("rate limiter unavailable")
            body = {"detail": "Service temporarily unavailable", "error_code": SERVICE_UNAVAILABLE}
            await JSONResponse(body, 503, headers={"Retry-After": "5"})(scope, receive, send)
            return
        if not decision.allowed:
            body = {"detail": "Too many requests; try again later", "error_code": RATE_LIMITED}
            headers = {"Retry-After": str(decision.retry_after_seconds)}
            await JSONResponse(body, 429, headers=headers)(scope, receive, send)
            return
        await self.app(scope, receive, send)
