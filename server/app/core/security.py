"""JWT signing and validation: HS256 with NEXTAUTH_SECRET and the spec's claims."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

ALGORITHM = "HS256"


class InvalidTokenError(Exception):
    """The token is not one we issued, or no longer valid."""


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: uuid.UUID
    email: str
    name: str | None
    expires_at: datetime


def create_access_token(
    *, secret: str, user_id: uuid.UUID, email: str, name: str | None, expires_in: timedelta
) -> str:
    expires_at = datetime.now(UTC) + expires_in
    claims = {"sub": str(user_id), "email": email, "name": name, "exp": int(expires_at.timestamp())}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode_access_token(token: str, *, secret: str) -> TokenClaims:
    try:
        # Pinning the algorithm list is what rejects `alg: none` and algorithm-confusion tokens.
        payload = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp"]})
    except jwt.PyJWTError as exc:
        raise InvalidTokenError(str(exc)) from exc
    try:
        user_id = uuid.UUID(str(payload["sub"]))
    except ValueError as exc:
        raise InvalidTokenError("the sub claim is not a user id") from exc
    email = payload.get("email")
    name = payload.get("name")
    return TokenClaims(
        user_id=user_id,
        email=email if isinstance(email, str) else "",
        name=name if isinstance(name, str) else None,
        expires_at=datetime.fromtimestamp(int(payload["exp"]), UTC),
    )
