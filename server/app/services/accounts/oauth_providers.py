"""The OAuth providers a team server signs users in with (Google, GitHub), through authlib.

The server is a confidential client: it holds the client secret, runs the authorization-code flow
with PKCE (S256) against the provider, and reads the user's profile with the access token, which
is then dropped. Every endpoint comes from the settings so a test can stand in for a provider.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

import httpx2
from authlib.integrations.httpx_client import AsyncOAuth2Client  # type: ignore[import-untyped]
from pydantic import BaseModel

from app.core.config import Settings
from app.schemas.text import FORBIDDEN_CHARACTERS
from app.schemas.user import UserCreate

ProviderName = Literal["google", "github"]


class ProfileError(Exception):
    """The provider's profile cannot sign anyone in (no verified e-mail address)."""


ProfileFetcher = Callable[[httpx2.AsyncClient, Settings], Awaitable[UserCreate]]


@dataclass(frozen=True, slots=True)
class OAuthProvider:
    name: ProviderName
    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    scope: str
    # GitHub's token endpoint takes the credentials in the form body; Google takes either.
    token_endpoint_auth_method: Literal["client_secret_basic", "client_secret_post"]
    fetch_profile: ProfileFetcher


class _GoogleUserInfo(BaseModel):
    email: str | None = None
    email_verified: bool = False
    name: str | None = None
    picture: str | None = None


class _GitHubUser(BaseModel):
    login: str
    name: str | None = None
    avatar_url: str | None = None


class _GitHubEmail(BaseModel):
    email: str
    primary: bool = False
    verified: bool = False


_GITHUB_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}


async def _google_profile(client: httpx2.AsyncClient, settings: Settings) -> UserCreate:
    response = await client.get(settings.OAUTH_GOOGLE_USERINFO_URL)
    response.raise_for_status()
    info = _GoogleUserInfo.model_validate(response.json())
    # An unverified address could belong to anyone; it must not open the account that owns it.
    if not info.email or not info.email_verified:
        raise ProfileError("The Google account has no verified e-mail address")
    return UserCreate(email=info.email, name=_plain(info.name), avatar_url=info.picture)


async def _github_profile(client: httpx2.AsyncClient, settings: Settings) -> UserCreate:
    api = settings.OAUTH_GITHUB_API_URL.rstrip("/")
    user_response = await client.get(f"{api}/user", headers=_GITHUB_HEADERS)
    user_response.raise_for_status()
    user = _GitHubUser.model_validate(user_response.json())
    # The public profile e-mail is optional and unverified; the primary verified one is the identity.
    emails_response = await client.get(f"{api}/user/emails", headers=_GITHUB_HEADERS)
    emails_response.raise_for_status()
    emails = [_GitHubEmail.model_validate(item) for item in emails_response.json()]
    primary = next((item for item in emails if item.primary and item.verified), None)
    if primary is None:
        raise ProfileError("The GitHub account has no verified primary e-mail address")
    return UserCreate(email=primary.email, name=_plain(user.name or user.login), avatar_url=user.avatar_url)


def _plain(name: str | None) -> str | None:
    """A display name its owner chose, without what the database cannot store (NUL and the like)."""
    return FORBIDDEN_CHARACTERS.sub("", name) if name is not None else None


def configured_providers(settings: Settings) -> dict[str, OAuthProvider]:
    """The providers with both a client id and a secret, in the order to offer them."""
    providers: dict[str, OAuthProvider] = {}
    google_secret = settings.GOOGLE_CLIENT_SECRET.get_secret_value() if settings.GOOGLE_CLIENT_SECRET else ""
    github_secret = settings.GITHUB_CLIENT_SECRET.get_secret_value() if settings.GITHUB_CLIENT_SECRET else ""
    if settings.GOOGLE_CLIENT_ID and google_secret:
        providers["google"] = OAuthProvider(
            name="google",
            client_id=settings.GOOGLE_CLIENT_ID,
            client_secret=google_secret,
            authorize_url=settings.OAUTH_GOOGLE_AUTHORIZE_URL,
            token_url=settings.OAUTH_GOOGLE_TOKEN_URL,
            scope="openid email profile",
            token_endpoint_auth_method="client_secret_basic",  # noqa: S106  (a method name)
            fetch_profile=_google_profile,
        )
    if settings.GITHUB_CLIENT_ID and github_secret:
        providers["github"] = OAuthProvider(
            name="github",
            client_id=settings.GITHUB_CLIENT_ID,
            client_secret=github_secret,
            authorize_url=settings.OAUTH_GITHUB_AUTHORIZE_URL,
            token_url=settings.OAUTH_GITHUB_TOKEN_URL,
            scope="read:user user:email",
            token_endpoint_auth_method="client_secret_post",  # noqa: S106  (a method name)
            fetch_profile=_github_profile,
        )
    return providers


def _client(provider: OAuthProvider, callback_url: str, settings: Settings) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        token_endpoint_auth_method=provider.token_endpoint_auth_method,
        scope=provider.scope,
        redirect_uri=callback_url,
        code_challenge_method="S256",
        timeout=settings.OAUTH_HTTP_TIMEOUT_SECONDS,
    )


async def authorization_url(
    provider: OAuthProvider, settings: Settings, *, callback_url: str, state: str, code_verifier: str
) -> str:
    async with _client(provider, callback_url, settings) as client:
        url, _ = client.create_authorization_url(
            provider.authorize_url, state=state, code_verifier=code_verifier
        )
    return str(url)


async def profile_from_code(
    provider: OAuthProvider, settings: Settings, *, callback_url: str, code: str, code_verifier: str
) -> UserCreate:
    """Redeem the provider's code (with the PKCE verifier) and read the user's profile.

    Raises authlib's OAuthError when the provider refuses the code, httpx2.HTTPError when it cannot
    be reached or answers with an error, ProfileError when the profile cannot sign anyone in.
    """
    async with _client(provider, callback_url, settings) as client:
        await client.fetch_token(provider.token_url, code=code, code_verifier=code_verifier)
        return await provider.fetch_profile(client, settings)
