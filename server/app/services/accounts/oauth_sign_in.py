"""Signing a desktop client in through the system browser (RFC 8252) with a provider's OAuth.

1. `start_sign_in`: the desktop opened the browser at /start with its loopback redirect URI and a
   PKCE challenge of its own. The server keeps the pending sign-in in Redis under a fresh `state`,
   with the PKCE verifier for the provider, and sends the browser to the provider.
2. `finish_sign_in`: the provider sent the browser back with a code. The pending sign-in is taken
   out of Redis (once), the code redeemed, the user created or updated from the profile, and the
   browser sent on to the desktop's loopback URI with a one-time code, never with the JWT itself.
3. `exchange_code`: the desktop trades that code and its PKCE verifier for the JWT. A code is good
   for OAUTH_CODE_TTL_SECONDS and one use, and only with the verifier of the app that started the
   sign-in, so a code read from the browser's history or by another local app is worthless.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import secrets
import uuid
from dataclasses import asdict, dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx2
from authlib.integrations.base_client import OAuthError  # type: ignore[import-untyped]
from pydantic import ValidationError
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.db.models import User
from app.schemas.user import UserCreate
from app.services.accounts.oauth_providers import (
    OAuthProvider,
    ProfileError,
    authorization_url,
    profile_from_code,
)
from app.services.accounts.user_admin import find_user_by_email, may_sign_up
from app.services.accounts.users import get_or_create_user, issue_token

logger = logging.getLogger(__name__)

_FLOW_PREFIX = "oauth:flow:"
_CODE_PREFIX = "oauth:code:"
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1"})
_MAX_REDIRECT_URI_LENGTH = 2048
_S256_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_-]{16,128}")
_CLIENT_STATE = re.compile(r"[\x21-\x7e]{1,256}")


class InvalidSignInRequestError(Exception):
    """A request that cannot belong to a sign-in this server started; answered with 400."""


class SignInError(Exception):
    """The sign-in ended without a user; the desktop is told through its loopback URI.

    `error` is one of RFC 6749 §4.1.2.1's codes, `description` is safe to show the user.
    """

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


class InvalidGrantError(Exception):
    """The one-time code is unknown, expired, used, or presented without its verifier."""


class AccountDisabledError(Exception):
    """The user exists but an admin disabled them."""


@dataclass(frozen=True, slots=True)
class PendingSignIn:
    provider: str
    redirect_uri: str
    client_state: str | None
    code_challenge: str
    provider_code_verifier: str
    callback_url: str


@dataclass(frozen=True, slots=True)
class SignInResult:
    redirect_url: str


def validate_loopback_redirect(uri: str) -> str:
    """Only `http://127.0.0.1:PORT/...` or `http://[::1]:PORT/...` (RFC 8252 §7.3), any port.

    Anything else would make the server an open redirector handing sign-in codes to other hosts.
    """
    if len(uri) > _MAX_REDIRECT_URI_LENGTH or any(ch.isspace() or ch == "\\" for ch in uri):
        raise InvalidSignInRequestError(
            "redirect_uri must be a loopback URI like http://127.0.0.1:PORT/callback"
        )
    parts = urlsplit(uri)
    try:
        parts.port  # noqa: B018  (parsing the port is the check: a malformed one raises)
    except ValueError as exc:
        raise InvalidSignInRequestError("redirect_uri has an invalid port") from exc
    if (
        parts.scheme != "http"
        or parts.hostname not in _LOOPBACK_HOSTS
        or parts.username is not None
        or parts.password is not None
        or parts.fragment
    ):
        raise InvalidSignInRequestError(
            "redirect_uri must be a loopback URI like http://127.0.0.1:PORT/callback"
        )
    return uri


def _with_query(uri: str, params: dict[str, str]) -> str:
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _code_key(code: str) -> str:
    # Only a hash is stored: a dump of Redis holds no code that could still be redeemed.
    return _CODE_PREFIX + hashlib.sha256(code.encode("ascii")).hexdigest()


async def start_sign_in(
    redis: Redis,
    settings: Settings,
    provider: OAuthProvider,
    *,
    redirect_uri: str,
    code_challenge: str,
    client_state: str | None,
    callback_url: str,
) -> str:
    """Remember the pending sign-in and return the provider's authorization URL to send the browser to."""
    validate_loopback_redirect(redirect_uri)
    if not _S256_CHALLENGE.fullmatch(code_challenge):
        raise InvalidSignInRequestError("code_challenge must be an S256 challenge (43 base64url characters)")
    if client_state is not None and not _CLIENT_STATE.fullmatch(client_state):
        raise InvalidSignInRequestError("state must be 1 to 256 printable ASCII characters")
    state = secrets.token_urlsafe(32)
    pending = PendingSignIn(
        provider=provider.name,
        redirect_uri=redirect_uri,
        client_state=client_state,
        code_challenge=code_challenge,
        provider_code_verifier=secrets.token_urlsafe(64),
        callback_url=callback_url,
    )
    await redis.set(_FLOW_PREFIX + state, json.dumps(asdict(pending)), ex=settings.OAUTH_FLOW_TTL_SECONDS)
    return await authorization_url(
        provider,
        settings,
        callback_url=callback_url,
        state=state,
        code_verifier=pending.provider_code_verifier,
    )


async def _take_pending(redis: Redis, state: str | None) -> PendingSignIn:
    if state is None or not _TOKEN_CHARS.fullmatch(state):
        raise InvalidSignInRequestError("This sign-in link is not valid; start the sign-in again")
    # GETDEL: a state is good for one callback, so a replayed callback URL finds nothing.
    raw = await redis.getdel(_FLOW_PREFIX + state)
    if raw is None:
        raise InvalidSignInRequestError("This sign-in has expired or was already used; start it again")
    return PendingSignIn(**json.loads(raw))


def _back_to_desktop(pending: PendingSignIn, params: dict[str, str]) -> SignInResult:
    if pending.client_state is not None:
        params = {**params, "state": pending.client_state}
    return SignInResult(redirect_url=_with_query(pending.redirect_uri, params))


async def _sign_in_user(db: AsyncSession, settings: Settings, profile: UserCreate) -> User:
    existing = await find_user_by_email(db, str(profile.email))
    if existing is not None and existing.disabled_at is not None:
        raise SignInError("access_denied", "This account is disabled on this server")
    if existing is None and not may_sign_up(str(profile.email), settings.SIGN_UP_ALLOWED_DOMAINS):
        raise SignInError(
            "access_denied", "This server admits invited users only; ask its administrator for an invitation"
        )
    return await get_or_create_user(db, profile)


async def _authenticate(
    db: AsyncSession,
    settings: Settings,
    provider: OAuthProvider,
    pending: PendingSignIn,
    *,
    code: str | None,
    provider_error: str | None,
) -> User:
    if provider_error is not None:
        raise SignInError("access_denied", "The sign-in was cancelled at the provider")
    if not code:
        raise SignInError("invalid_request", "The provider returned no authorization code")
    try:
        profile = await profile_from_code(
            provider,
            settings,
            callback_url=pending.callback_url,
            code=code,
            code_verifier=pending.provider_code_verifier,
        )
    except ProfileError as exc:
        raise SignInError("access_denied", str(exc)) from exc
    except OAuthError as exc:
        logger.warning("%s refused the authorization code: %s", provider.name, exc.error)
        raise SignInError("server_error", "The provider did not accept the sign-in") from exc
    except (httpx2.HTTPError, ValidationError) as exc:
        logger.warning("%s sign-in failed: %s", provider.name, type(exc).__name__, exc_info=exc)
        raise SignInError("temporarily_unavailable", "The provider could not be reached") from exc
    return await _sign_in_user(db, settings, profile)


async def finish_sign_in(
    redis: Redis,
    db: AsyncSession,
    settings: Settings,
    provider: OAuthProvider,
    *,
    state: str | None,
    code: str | None,
    provider_error: str | None,
) -> SignInResult:
    """Complete the provider's leg; the result sends the browser back to the desktop, success or not."""
    pending = await _take_pending(redis, state)
    if pending.provider != provider.name:
        raise InvalidSignInRequestError("This sign-in was started with another provider")
    try:
        user = await _authenticate(db, settings, provider, pending, code=code, provider_error=provider_error)
    except SignInError as failure:
        return _back_to_desktop(pending, {"error": failure.error, "error_description": failure.description})

    one_time_code = secrets.token_urlsafe(32)
    record = {"user_id": str(user.id), "code_challenge": pending.code_challenge}
    await redis.set(_code_key(one_time_code), json.dumps(record), ex=settings.OAUTH_CODE_TTL_SECONDS)
    logger.info("%s sign-in completed", provider.name, extra={"user_id": str(user.id)})
    return _back_to_desktop(pending, {"code": one_time_code})


async def exchange_code(
    redis: Redis, db: AsyncSession, settings: Settings, *, code: str, code_verifier: str
) -> tuple[str, User]:
    """The JWT for a one-time code and the PKCE verifier its sign-in was started with."""
    if not _TOKEN_CHARS.fullmatch(code):
        raise InvalidGrantError("The code is not valid")
    raw = await redis.getdel(_code_key(code))
    if raw is None:
        raise InvalidGrantError("The code is not valid, has expired or was already used")
    record = json.loads(raw)
    if not secrets.compare_digest(_s256(code_verifier), str(record["code_challenge"])):
        raise InvalidGrantError("The code_verifier does not match the sign-in's code_challenge")
    user = await db.get(User, uuid.UUID(str(record["user_id"])))
    if user is None:
        raise InvalidGrantError("The user of this code no longer exists")
    if user.disabled_at is not None:
        raise AccountDisabledError("This account is disabled")
    return issue_token(settings, user), user
