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
    issued_at: datetime | None = None  # tokens from before `iat` was written carry none


def create_access_token(
    *, secret: str, user_id: uuid.UUID, email: str, name: str | None, expires_in: timedelta
) -> str:
    now = datetime.now(UTC)
    expires_at = now + expires_in
    claims = {
        "sub": str(user_id),
        "email": email,
        "name": name,
        # To the microsecond (RFC 7519 allows a fraction): a token issued just after a revocation is good.
        "iat": now.timestamp(),
        "exp": int(expires_at.timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode_access_token(token: str, *, secret: str) -> TokenClaims:
    try:
        # Pinning the algorithm list is what rejects `alg: none` and algorithm-confusion tokens.
        # `iat` is read for revocation only: a server whose clock runs a second ahead of the one that
        # issued the token must not refuse it as issued in the future.
        payload = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp"], "verify_iat": False}
        )
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
        issued_at=datetime.fromtimestamp(float(payload["iat"]), UTC) if "iat" in payload else None,
    )


def revoked(claims: TokenClaims, revoked_at: datetime | None) -> bool:
    """Whether a revocation at `revoked_at` covers the token: one issued up to that moment, or one
    without an issue time (from before tokens carried one)."""
    if revoked_at is None:
        return False
    return claims.issued_at is None or claims.issued_at <= revoked_at
