"""A local OAuth 2 authorization server that behaves like Google's and GitHub's, for the sign-in tests.

It runs on 127.0.0.1 in a thread, approves every authorization request at once for the account the
test chose (as a user clicking "Allow" would), and checks what real providers check: the client's
credentials (Basic for Google, form body for GitHub), one use per code, the redirect URI, and the
PKCE verifier against the challenge.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

import uvicorn
from fastapi import FastAPI, Form, Header, HTTPException
from fastapi.responses import JSONResponse, RedirectResponse

from bundled_services.launchers.process import free_port

CLIENT_ID = "ascend-test-client"
CLIENT_SECRET = secrets.token_urlsafe(24)


@dataclass(slots=True)
class Account:
    email: str
    name: str | None = "Robin Provider"
    avatar_url: str | None = "https://avatars.example.com/robin.png"
    email_verified: bool = True
    login: str = "robin"


@dataclass(slots=True)
class _Grant:
    kind: str
    redirect_uri: str
    code_challenge: str
    account: Account


@dataclass(slots=True)
class LocalOAuthProvider:
    base_url: str = ""
    account: Account = field(default_factory=lambda: Account(email="robin@example.com"))
    deny: bool = False
    codes: dict[str, _Grant] = field(default_factory=dict)
    tokens: dict[str, Account] = field(default_factory=dict)
    token_requests: list[str] = field(default_factory=list)

    def settings(self) -> dict[str, Any]:
        return {
            "GOOGLE_CLIENT_ID": CLIENT_ID,
            "GOOGLE_CLIENT_SECRET": CLIENT_SECRET,
            "GITHUB_CLIENT_ID": CLIENT_ID,
            "GITHUB_CLIENT_SECRET": CLIENT_SECRET,
            "OAUTH_GOOGLE_AUTHORIZE_URL": f"{self.base_url}/google/authorize",
            "OAUTH_GOOGLE_TOKEN_URL": f"{self.base_url}/google/token",
            "OAUTH_GOOGLE_USERINFO_URL": f"{self.base_url}/google/userinfo",
            "OAUTH_GITHUB_AUTHORIZE_URL": f"{self.base_url}/github/login/oauth/authorize",
            "OAUTH_GITHUB_TOKEN_URL": f"{self.base_url}/github/login/oauth/access_token",
            "OAUTH_GITHUB_API_URL": f"{self.base_url}/github/api",
            # The team this provider's accounts belong to may sign up (the server is closed otherwise).
            "SIGN_UP_ALLOWED_DOMAINS": "example.com",
        }


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _oauth_error(error: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error}, status_code=status)


def build_provider_app(provider: LocalOAuthProvider) -> FastAPI:
    app = FastAPI()

    def authorize(
        kind: str,
        response_type: str,
        client_id: str,
        redirect_uri: str,
        state: str,
        challenge: str,
        method: str,
    ) -> RedirectResponse:
        if response_type != "code" or client_id != CLIENT_ID or method != "S256" or not challenge:
            raise HTTPException(400, "bad authorization request")
        if provider.deny:
            return RedirectResponse(f"{redirect_uri}?{urlencode({'error': 'access_denied', 'state': state})}")
        code = secrets.token_urlsafe(16)
        provider.codes[code] = _Grant(kind, redirect_uri, challenge, provider.account)
        return RedirectResponse(f"{redirect_uri}?{urlencode({'code': code, 'state': state})}")

    def redeem(kind: str, code: str, redirect_uri: str, verifier: str) -> JSONResponse:
        grant = provider.codes.pop(code, None)
        if grant is None or grant.kind != kind or grant.redirect_uri != redirect_uri:
            return _oauth_error("invalid_grant")
        if _s256(verifier) != grant.code_challenge:
            return _oauth_error("invalid_grant")
        token = secrets.token_urlsafe(24)
        provider.tokens[token] = grant.account
        return JSONResponse({"access_token": token, "token_type": "bearer", "expires_in": 3600})

    def account_for(authorization: str | None) -> Account:
        scheme, _, token = (authorization or "").partition(" ")
        account = provider.tokens.get(token) if scheme.lower() in ("bearer", "token") else None
        if account is None:
            raise HTTPException(401, "bad token")
        return account

    @app.get("/google/authorize")
    async def google_authorize(
        response_type: str,
        client_id: str,
        redirect_uri: str,
        state: str,
        scope: str,
        code_challenge: str = "",
        code_challenge_method: str = "",
    ) -> RedirectResponse:
        assert set(scope.split()) == {"openid", "email", "profile"}
        return authorize(
            "google", response_type, client_id, redirect_uri, state, code_challenge, code_challenge_method
        )

    @app.post("/google/token")
    async def google_token(
        grant_type: Annotated[str, Form()],
        code: Annotated[str, Form()],
        redirect_uri: Annotated[str, Form()],
        code_verifier: Annotated[str, Form()],
        authorization: Annotated[str | None, Header()] = None,
    ) -> JSONResponse:
        provider.token_requests.append("google")
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if authorization != f"Basic {expected}":
            return _oauth_error("invalid_client", 401)
        if grant_type != "authorization_code":
            return _oauth_error("unsupported_grant_type")
        return redeem("google", code, redirect_uri, code_verifier)

    @app.get("/google/userinfo")
    async def google_userinfo(authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        account = account_for(authorization)
        return {
            "sub": hashlib.sha256(account.email.encode()).hexdigest()[:21],
            "email": account.email,
            "email_verified": account.email_verified,
            "name": account.name,
            "picture": account.avatar_url,
        }

    @app.get("/github/login/oauth/authorize")
    async def github_authorize(
        client_id: str,
        redirect_uri: str,
        state: str,
        scope: str,
        response_type: str = "code",
        code_challenge: str = "",
        code_challenge_method: str = "",
    ) -> RedirectResponse:
        assert "user:email" in scope.split()
        return authorize(
            "github", response_type, client_id, redirect_uri, state, code_challenge, code_challenge_method
        )

    @app.post("/github/login/oauth/access_token")
    async def github_token(
        code: Annotated[str, Form()],
        redirect_uri: Annotated[str, Form()],
        code_verifier: Annotated[str, Form()],
        client_id: Annotated[str, Form()],
        client_secret: Annotated[str, Form()],
    ) -> JSONResponse:
        provider.token_requests.append("github")
        if client_id != CLIENT_ID or client_secret != CLIENT_SECRET:
            return _oauth_error("incorrect_client_credentials")
        return redeem("github", code, redirect_uri, code_verifier)

    @app.get("/github/api/user")
    async def github_user(authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        account = account_for(authorization)
        # GitHub's public profile e-mail is often empty; the verified one comes from /user/emails.
        return {"login": account.login, "name": account.name, "avatar_url": account.avatar_url, "email": None}

    @app.get("/github/api/user/emails")
    async def github_emails(authorization: Annotated[str | None, Header()] = None) -> list[dict[str, Any]]:
        account = account_for(authorization)
        return [
            {"email": f"old-{account.email}", "primary": False, "verified": True},
            {"email": account.email, "primary": True, "verified": account.email_verified},
        ]

    return app


@contextmanager
def running_provider() -> Iterator[LocalOAuthProvider]:
    port = free_port()
    provider = LocalOAuthProvider(base_url=f"http://127.0.0.1:{port}")
    config = uvicorn.Config(
        build_provider_app(provider),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        ws="none",
        http="h11",
        loop="asyncio",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="local-oauth-provider", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the local OAuth provider did not start")
        time.sleep(0.05)
    try:
        yield provider
    finally:
        server.should_exit = True
        thread.join(timeout=10)
