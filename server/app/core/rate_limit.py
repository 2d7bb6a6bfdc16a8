"""Rate limits: per user on the endpoints that store uploads or start background jobs, per client
address on the sign-in endpoints, which anyone may call and which store state in Redis.

Counted in Redis so every Gunicorn worker (and every API replica) shares one count, over fixed
windows of RATE_LIMIT_WINDOW_SECONDS. The check runs before the body is read, so a client over its
limit costs no upload bandwidth or disk. On a per-user route a request without a valid token passes
through untouched: the endpoint answers it with 401. Behind a proxy the client address is the one
the proxy forwards (FORWARDED_ALLOW_IPS must name the proxy).
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.caller import app_settings, caller_user_id
from app.core.config import Settings
from app.core.routes import path_matches, route_path

logger = logging.getLogger(__name__)

RATE_LIMITED = "RATE_LIMITED"
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"


@dataclass(frozen=True, slots=True)
class RateLimitRule:
    method: str
    route: str  # the route's path template, as FastAPI declares it
    bucket: str
    limit: Callable[[Settings], int]
    # Whose count a request adds to: its signed-in user's, or (before anyone is signed in) its address's.
    per: Literal["user", "address"] = "user"

    def matches(self, method: str, path: str) -> bool:
        return method == self.method and path_matches(self.route, path)


RULES: tuple[RateLimitRule, ...] = (
    RateLimitRule("POST", "/api/v1/resumes", "resume_uploads", lambda s: s.RATE_LIMIT_RESUME_UPLOADS),
    RateLimitRule("POST", "/api/v1/sessions", "sessions", lambda s: s.RATE_LIMIT_SESSIONS),
    RateLimitRule(
        "POST", "/api/v1/sessions/{session_id}/recordings", "recordings", lambda s: s.RATE_LIMIT_RECORDINGS
    ),
    RateLimitRule("POST", "/api/v1/gap-analysis", "gap_analyses", lambda s: s.RATE_LIMIT_GAP_ANALYSES),
    *(
        RateLimitRule(method, route, "sign_in", lambda s: s.RATE_LIMIT_SIGN_IN_PER_ADDRESS, per="address")
        for method, route in (
            ("GET", "/api/v1/auth/oauth/providers"),
            ("GET", "/api/v1/auth/oauth/sign-in"),
            ("GET", "/api/v1/auth/oauth/{provider}/start"),
            ("GET", "/api/v1/auth/oauth/{provider}/callback"),
            ("POST", "/api/v1/auth/oauth/exchange"),
        )
    ),
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


def _address_key(host: str) -> str:
    # An IPv6 host gets a /64 of its own and could count each address apart: its /64 is the client.
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _subject(rule: RateLimitRule, scope: Scope) -> str | None:
    if rule.per == "address":
        client = scope.get("client")
        return f"address:{_address_key(client[0]) if client else 'unknown'}"
    user_id = caller_user_id(scope)
    return str(user_id) if user_id is not None else None


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rule = rule_for(scope["method"], route_path(scope)) if scope["type"] == "http" else None
        settings = app_settings(scope) if rule is not None else None
        subject = _subject(rule, scope) if rule is not None else None
        if rule is None or settings is None or not settings.RATE_LIMIT_ENABLED or subject is None:
            await self.app(scope, receive, send)
            return
        # The process's one client, in the resources the lifespan built (a type core may not import).
        redis: Redis = scope["app"].state.resources.redis
        try:
            limiter = FixedWindowLimiter(redis, window_seconds=settings.RATE_LIMIT_WINDOW_SECONDS)
            decision = await limiter.hit(rule.bucket, subject, rule.limit(settings))
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
