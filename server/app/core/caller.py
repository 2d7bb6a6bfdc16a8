"""Who is calling, from the Bearer token alone (no database), for middleware that runs before routing.

A valid signature is enough to key rate limits and log lines by user; whether the user may do
anything at all is still decided by `get_current_user` and the disabled-user check.
"""

from __future__ import annotations

import uuid

from starlette.datastructures import Headers
from starlette.types import Scope

from app.core.config import Settings
from app.core.security import InvalidTokenError, decode_access_token

_STATE_KEY = "caller_user_id"


def bearer_token(headers: Headers) -> str | None:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def app_settings(scope: Scope) -> Settings:
    settings: Settings = scope["app"].state.resources.settings
    return settings


def caller_user_id(scope: Scope) -> uuid.UUID | None:
    """The `sub` of a valid token on the request, decoded once and remembered for the request."""
    state: dict[str, object] = scope.setdefault("state", {})
    if _STATE_KEY in state:
        cached = state[_STATE_KEY]
        return cached if isinstance(cached, uuid.UUID) else None
    user_id: uuid.UUID | None = None
    token = bearer_token(Headers(scope=scope))
    if token is not None:
        secret = app_settings(scope).NEXTAUTH_SECRET.get_secret_value()
        try:
            user_id = decode_access_token(token, secret=secret).user_id
        except InvalidTokenError:
            user_id = None
    state[_STATE_KEY] = user_id
    return user_id
