"""OAuth sign-in for the desktop client through the system browser (see `services.oauth_sign_in`)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.api.deps import DbDep, RedisDep, SettingsDep
from app.core.config import Settings
from app.core.errors import invalid_input, not_found, unauthorized
from app.schemas.error import ErrorResponse
from app.schemas.oauth import OAuthExchangeRequest, OAuthProvidersResponse, OAuthTokenResponse
from app.schemas.text import PlainText
from app.schemas.user import UserResponse
from app.services.accounts import oauth_sign_in
from app.services.accounts.oauth_chooser import chooser_page
from app.services.accounts.oauth_providers import OAuthProvider, configured_providers

router = APIRouter(prefix="/auth/oauth", tags=["auth"])

# The browser passes through these redirects carrying codes: nothing may cache them or leak them onward.
_REDIRECT_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _provider(settings: Settings, name: str) -> OAuthProvider:
    provider = configured_providers(settings).get(name)
    if provider is None:
        raise not_found(f"Sign-in with {name!r} is not configured on this server")
    return provider


def _callback_url(request: Request, settings: Settings, provider: str) -> str:
    if settings.NEXT_PUBLIC_API_URL:
        return f"{settings.NEXT_PUBLIC_API_URL.rstrip('/')}/auth/oauth/{provider}/callback"
    return str(request.url_for("oauth_callback", provider=provider))


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=302, headers=_REDIRECT_HEADERS)


@router.get("/providers")
async def list_providers(settings: SettingsDep) -> OAuthProvidersResponse:
    """The providers a user can sign in with on this server."""
    return OAuthProvidersResponse(providers=[item.name for item in configured_providers(settings).values()])


@router.get("/sign-in", response_class=HTMLResponse, responses={400: {"model": ErrorResponse}})
async def sign_in_page(
    request: Request,
    settings: SettingsDep,
    redirect_uri: Annotated[PlainText, Query(max_length=2048)],
    code_challenge: Annotated[PlainText, Query(max_length=128)],
    code_challenge_method: Literal["S256"] = "S256",
    state: Annotated[PlainText | None, Query(max_length=256)] = None,
) -> HTMLResponse:
    """Open in the system browser: a page with one button per configured provider."""
    try:
        oauth_sign_in.validate_loopback_redirect(redirect_uri)
    except oauth_sign_in.InvalidSignInRequestError as exc:
        raise invalid_input(str(exc)) from exc
    query = {"redirect_uri": redirect_uri, "code_challenge": code_challenge, "code_challenge_method": "S256"}
    if state is not None:
        query["state"] = state
    links = {
        name: str(request.url_for("oauth_start", provider=name).include_query_params(**query))
        for name in configured_providers(settings)
    }
    return HTMLResponse(chooser_page(links), headers={"Cache-Control": "no-store"})


@router.get(
    "/{provider}/start",
    name="oauth_start",
    status_code=302,
    response_class=RedirectResponse,
    responses={400: {"model": ErrorResponse}, 404: {"model": ErrorResponse}},
)
async def start(
    provider: str,
    request: Request,
    settings: SettingsDep,
    redis: RedisDep,
    redirect_uri: Annotated[
        PlainText, Query(max_length=2048, description="http://127.0.0.1:PORT/... (RFC 8252)")
    ],
    code_challenge: Annotated[
        PlainText, Query(max_length=128, description="BASE64URL(SHA256(code_verifier)), RFC 7636")
    ],
    code_challenge_method: Literal["S256"] = "S256",
    state: Annotated[
        PlainText | None, Query(max_length=256, description="echoed back to the redirect_uri")
    ] = None,
) -> RedirectResponse:
    """Open in the system browser: sends the user to the provider to sign in."""
    chosen = _provider(settings, provider)
    try:
        url = await oauth_sign_in.start_sign_in(
            redis,
            settings,
            chosen,
            redirect_uri=redirect_uri,
            code_challenge=code_challenge,
            client_state=state,
            callback_url=_callback_url(request, settings, chosen.name),
        )
    except oauth_sign_in.InvalidSignInRequestError as exc:
        raise invalid_input(str(exc)) from exc
    return _redirect(url)


@router.get(
    "/{provider}/callback",
    name="oauth_callback",
    status_code=302,
    response_class=RedirectResponse,
    responses={400: {"model": ErrorResponse}, 404: {"model": ErrorResponse}},
)
async def callback(
    provider: str,
    settings: SettingsDep,
    db: DbDep,
    redis: RedisDep,
    state: Annotated[PlainText | None, Query(max_length=256)] = None,
    code: Annotated[PlainText | None, Query(max_length=2048)] = None,
    error: Annotated[PlainText | None, Query(max_length=256)] = None,
) -> RedirectResponse:
    """Where the provider returns the browser; it goes on to the desktop's loopback redirect URI."""
    chosen = _provider(settings, provider)
    try:
        result = await oauth_sign_in.finish_sign_in(
            redis, db, settings, chosen, state=state, code=code, provider_error=error
        )
    except oauth_sign_in.InvalidSignInRequestError as exc:
        raise invalid_input(str(exc)) from exc
    return _redirect(result.redirect_url)


@router.post("/exchange", responses={400: {"model": ErrorResponse}, 401: {"model": ErrorResponse}})
async def exchange(
    body: OAuthExchangeRequest, settings: SettingsDep, db: DbDep, redis: RedisDep
) -> OAuthTokenResponse:
    """Trade the one-time code from the loopback redirect, with the PKCE verifier, for a JWT."""
    try:
        token, user = await oauth_sign_in.exchange_code(
            redis, db, settings, code=body.code, code_verifier=body.code_verifier
        )
    except oauth_sign_in.InvalidGrantError as exc:
        raise invalid_input(str(exc)) from exc
    except oauth_sign_in.AccountDisabledError as exc:
        raise unauthorized(str(exc)) from exc
    return OAuthTokenResponse(
        access_token=token,
        expires_in=settings.ACCESS_TOKEN_EXPIRE_MINUTES * 60,
        user=UserResponse.model_validate(user),
    )
