"""OAuth sign-in through the system browser (RFC 8252): what the desktop client sends and receives."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from app.schemas.text import PlainText
from app.schemas.user import UserResponse

# RFC 7636 §4.1: 43 to 128 characters of the unreserved set.
CODE_VERIFIER_PATTERN = r"^[A-Za-z0-9\-._~]{43,128}$"


class OAuthProvidersResponse(BaseModel):
    """The providers this server is configured for, in the order to offer them."""

    providers: list[Literal["google", "github"]]


class OAuthExchangeRequest(BaseModel):
    """The one-time code the loopback redirect delivered, and the PKCE verifier it was started with."""

    code: PlainText = Field(min_length=1, max_length=256)
    code_verifier: str = Field(pattern=CODE_VERIFIER_PATTERN)


class OAuthTokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105  (the token type, RFC 6750)
    expires_in: int = Field(description="seconds until the token expires")
    user: UserResponse
