"""`get_current_user`: the Bearer token on a request, resolved to a row of `users`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.api.deps import DbDep, SettingsDep
from app.core.errors import unauthorized
from app.core.security import InvalidTokenError, decode_access_token, revoked
from app.db.models import User

REVOKED_DETAIL = "This token has been revoked; sign in again"
_bearer = HTTPBearer(auto_error=False, description="A JWT signed with NEXTAUTH_SECRET (HS256)")


async def oauth2_scheme(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise unauthorized()
    return credentials.credentials


async def get_current_user(
    token: Annotated[str, Depends(oauth2_scheme)], db: DbDep, settings: SettingsDep
) -> User:
    try:
        claims = decode_access_token(token, secret=settings.NEXTAUTH_SECRET.get_secret_value())
    except InvalidTokenError as exc:
        raise unauthorized() from exc
    user = await db.get(User, claims.user_id)
    if user is None:
        raise unauthorized()
    if revoked(claims, user.tokens_revoked_at):
        raise unauthorized(REVOKED_DETAIL)
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]
