"""Disabled users (`ascend users disable`) get 401 on every endpoint, whatever token they hold.

Installed on the whole v1 router. It shares the request's database session with
`get_current_user`, so the user row is read once: the second lookup hits its identity map.
"""

from __future__ import annotations

from fastapi import Request

from app.api.deps import DbDep
from app.core.caller import caller_user_id
from app.core.errors import unauthorized
from app.db.models import User

DISABLED_DETAIL = "This account is disabled"


async def reject_disabled_users(request: Request, db: DbDep) -> None:
    user_id = caller_user_id(request.scope)
    if user_id is None:
        # No valid token: the endpoint itself decides (401, or nothing for /auth/*).
        return
    user = await db.get(User, user_id)
    if user is not None and user.disabled_at is not None:
        raise unauthorized(DISABLED_DETAIL)
