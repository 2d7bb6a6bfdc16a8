"""OAuth sign-in (Google, GitHub) through the browser and a loopback redirect, against a local provider."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.security import decode_access_token
from app.schemas.user import UserCreate
from app.services.accounts.user_admin import create_user, find_user_by_email, set_disabled
from tests.conftest import Account as ApiAccount
from tests.team.browser import API_ORIGIN, browse
from tests.team.conftest import ClientFactory
from tests.team.loopback import LoopbackListener, Pkce, loopback_listener
from tests.team.oauth_provider import Account, LocalOAuthProvider

OAUTH = "/api/v1/auth/oauth"


@pytest.fixture
def desktop() -> Iterator[LoopbackListener]:
    with loopback_listener() as listener:
        yield listener


@pytest.fixture
async def web() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


@pytest.fixture(autouse=True)
def fresh_account(oauth_provider: LocalOAuthProvider) -> Account:
    oauth_provider.deny = False
    oauth_provider.account = Account(email=f"oauth-{uuid.uuid4().hex[:8]}@example.com", name="Robin Provider")
    return oauth_provider.account


def start_url(provider: str, redirect_uri: str, pkce: Pkce, state: str = "desktop-state-1") -> str:
    query = urlencode({"redirect_uri": redirect_uri, "code_challenge": pkce.challenge, "state": state})
    return f"{API_ORIGIN}{OAUTH}/{provider}/start?{query}"


async def sign_in(
    provider: str, team_api: httpx.AsyncClient, web: httpx.AsyncClient, desktop: LoopbackListener, pkce: Pkce
) -> dict[str, str]:
    page = await browse(start_url(provider, desktop.redirect_uri, pkce), team_api, web)
    assert page.status_code == 200, page.text
    return desktop.last()


@pytest.mark.parametrize("provider", ["google", "github"])
async def test_a_desktop_signs_in_through_the_browser_and_gets_the_specs_jwt(
    provider: str,
    team_api: httpx.AsyncClient,
    web: httpx.AsyncClient,
    desktop: LoopbackListener,
    oauth_provider: LocalOAuthProvider,
    fresh_account: Account,
    settings: Settings,
) -> None:
    pkce = Pkce()
    callback = await sign_in(provider, team_api, web, desktop, pkce)
    assert callback["state"] == "desktop-state-1"
    assert "token" not in callback, "the JWT never travels through the browser"
    assert oauth_provider.token_requests[-1] == provider

    exchanged = await team_api.post(
        f"{OAUTH}/exchange", json={"code": callback["code"], "code_verifier": pkce.verifier}
    )
    assert exchanged.status_code == 200, exchanged.text
    body = exchanged.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == settings.ACCESS_TOKEN_EXPIRE_MINUTES * 60
    assert body["user"]["email"] == fresh_account.email
    assert body["user"]["name"] == fresh_account.name
    assert body["user"]["avatar_url"] == fresh_account.avatar_url

    claims = decode_access_token(body["access_token"], secret=settings.NEXTAUTH_SECRET.get_secret_value())
    assert str(claims.user_id) == body["user"]["id"]
    assert claims.email == fresh_account.email
    assert claims.name == fresh_account.name

    verified = await team_api.post(
        "/api/v1/auth/verify", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert verified.status_code == 200
    assert verified.json()["id"] == body["user"]["id"]


async def test_signing_in_again_updates_the_same_user_from_the_profile(
    team_api: httpx.AsyncClient,
    web: httpx.AsyncClient,
    desktop: LoopbackListener,
    oauth_provider: LocalOAuthProvider,
    alice: ApiAccount,
) -> None:
    oauth_provider.account = Account(
        email=alice.user.email.upper(),
        name="Alice From GitHub",
        avatar_url="https://avatars.example.com/a.png",
    )
    pkce = Pkce()
    callback = await sign_in("github", team_api, web, desktop, pkce)
    exchanged = await team_api.post(
        f"{OAUTH}/exchange", json={"code": callback["code"], "code_verifier": pkce.verifier}
    )
    user = exchanged.json()["user"]
    assert user["id"] == str(alice.user.id)
    assert user["name"] == "Alice From GitHub"
    assert user["avatar_url"] == "https://avatars.example.com/a.png"


async def test_a_code_is_good_once_and_only_with_its_verifier(
    team_api: httpx.AsyncClient, web: httpx.AsyncClient, desktop: LoopbackListener
) -> None:
    pkce = Pkce()
    code = (await sign_in("google", team_api, web, desktop, pkce))["code"]
    stolen = await team_api.post(f"{OAUTH}/exchange", json={"code": code, "code_verifier": Pkce().verifier})
    assert stolen.status_code == 400
    assert stolen.json()["error_code"] == "INVALID_INPUT"
    # A wrong verifier burns the code: whoever intercepted it cannot keep guessing.
    retry = await team_api.post(f"{OAUTH}/exchange", json={"code": code, "code_verifier": pkce.verifier})
    assert retry.status_code == 400

    pkce = Pkce()
    code = (await sign_in("google", team_api, web, desktop, pkce))["code"]
    first = await team_api.post(f"{OAUTH}/exchange", json={"code": code, "code_verifier": pkce.verifier})
    assert first.status_code == 200
    replay = await team_api.post(f"{OAUTH}/exchange", json={"code": code, "code_verifier": pkce.verifier})
    assert replay.status_code == 400


async def test_a_provider_callback_cannot_be_replayed(
    team_api: httpx.AsyncClient, web: httpx.AsyncClient, oauth_provider: LocalOAuthProvider
) -> None:
    pkce = Pkce()
    with loopback_listener() as desktop:
        to_provider = await team_api.get(start_url("google", desktop.redirect_uri, pkce))
        assert to_provider.status_code == 302
        assert to_provider.headers["cache-control"] == "no-store"
        authorize = urlsplit(to_provider.headers["location"])
        params = parse_qs(authorize.query)
        assert params["code_challenge_method"] == ["S256"]
        assert params["client_id"] == [oauth_provider.settings()["GOOGLE_CLIENT_ID"]]
        back = await web.get(to_provider.headers["location"])
        callback_url = back.headers["location"]
        first = await team_api.get(callback_url)
        assert first.status_code == 302
        second = await team_api.get(callback_url)
        assert second.status_code == 400
        assert second.json()["error_code"] == "INVALID_INPUT"


async def test_a_refusal_at_the_provider_reaches_the_desktop_as_an_error(
    team_api: httpx.AsyncClient,
    web: httpx.AsyncClient,
    desktop: LoopbackListener,
    oauth_provider: LocalOAuthProvider,
) -> None:
    oauth_provider.deny = True
    callback = await sign_in("google", team_api, web, desktop, Pkce())
    assert callback["error"] == "access_denied"
    assert callback["state"] == "desktop-state-1"
    assert "code" not in callback


async def test_an_unverified_email_signs_no_one_in(
    team_api: httpx.AsyncClient,
    web: httpx.AsyncClient,
    desktop: LoopbackListener,
    oauth_provider: LocalOAuthProvider,
) -> None:
    for provider in ("google", "github"):
        oauth_provider.account = Account(
            email=f"unverified-{uuid.uuid4().hex[:6]}@example.com", email_verified=False
        )
        callback = await sign_in(provider, team_api, web, desktop, Pkce())
        assert callback["error"] == "access_denied", provider
        assert "verified" in callback["error_description"]


async def test_a_disabled_user_cannot_sign_in_nor_redeem_a_code(
    team_api: httpx.AsyncClient,
    web: httpx.AsyncClient,
    desktop: LoopbackListener,
    oauth_provider: LocalOAuthProvider,
    alice: ApiAccount,
    db: AsyncSession,
) -> None:
    oauth_provider.account = Account(email=alice.user.email)
    pkce = Pkce()
    code = (await sign_in("google", team_api, web, desktop, pkce))["code"]
    await set_disabled(db, alice.user.email, disabled=True)

    refused = await team_api.post(f"{OAUTH}/exchange", json={"code": code, "code_verifier": pkce.verifier})
    assert refused.status_code == 401
    assert refused.json()["error_code"] == "UNAUTHORIZED"
    callback = await sign_in("google", team_api, web, desktop, Pkce())
    assert callback["error"] == "access_denied"
    assert "disabled" in callback["error_description"]


async def test_a_closed_server_signs_in_invited_users_only(
    make_client: ClientFactory,
    web: httpx.AsyncClient,
    desktop: LoopbackListener,
    oauth_provider: LocalOAuthProvider,
    db: AsyncSession,
) -> None:
    # No domain may sign up: the default of a team server.
    async with make_client(SIGN_UP_ALLOWED_DOMAINS="") as closed:
        refused = await sign_in("google", closed, web, desktop, Pkce())
        assert refused["error"] == "access_denied"
        assert "invited users only" in refused["error_description"]
        assert await find_user_by_email(db, oauth_provider.account.email) is None

        await create_user(db, UserCreate(email=oauth_provider.account.email))
        admitted = await sign_in("google", closed, web, desktop, Pkce())
        assert set(admitted) == {"code", "state"}


async def test_another_domain_than_the_allowed_one_cannot_sign_up(
    make_client: ClientFactory, web: httpx.AsyncClient, desktop: LoopbackListener
) -> None:
    async with make_client(SIGN_UP_ALLOWED_DOMAINS="team.example.org, other.example.net") as server:
        refused = await sign_in("github", server, web, desktop, Pkce())
        assert refused["error"] == "access_denied"


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://evil.example/callback",
        "http://evil.example/callback",
        "http://localhost:5000/callback",
        "http://127.0.0.1.evil.example/callback",
        "http://127.0.0.1:5000@evil.example/callback",
        "http://user@127.0.0.1:5000/callback",
        "http://127.0.0.1:5000\\@evil.example/",
        "http://127.0.0.1:99999/callback",
        "http://127.0.0.1:5000/callback#fragment",
        "javascript:alert(1)",
    ],
)
async def test_only_loopback_redirect_uris_are_accepted(
    team_api: httpx.AsyncClient, redirect_uri: str
) -> None:
    response = await team_api.get(start_url("google", redirect_uri, Pkce()))
    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_INPUT"
    assert "location" not in response.headers


async def test_ipv6_loopback_and_any_port_are_accepted(team_api: httpx.AsyncClient) -> None:
    for uri in ("http://[::1]:49152/callback", "http://127.0.0.1:1/cb?x=1", "http://127.0.0.1/callback"):
        response = await team_api.get(start_url("github", uri, Pkce()))
        assert response.status_code == 302, uri


async def test_the_start_requires_an_s256_challenge(team_api: httpx.AsyncClient) -> None:
    base = f"{OAUTH}/google/start?redirect_uri=http://127.0.0.1:5000/callback"
    assert (await team_api.get(base)).status_code == 422
    assert (await team_api.get(f"{base}&code_challenge=short")).status_code == 400
    plain = f"{base}&code_challenge={Pkce().challenge}&code_challenge_method=plain"
    assert (await team_api.get(plain)).status_code == 422


async def test_providers_are_offered_only_when_configured(
    team_api: httpx.AsyncClient, make_client: ClientFactory
) -> None:
    assert (await team_api.get(f"{OAUTH}/providers")).json() == {"providers": ["google", "github"]}
    async with make_client(GOOGLE_CLIENT_ID=None, GITHUB_CLIENT_SECRET=None) as bare:
        assert (await bare.get(f"{OAUTH}/providers")).json() == {"providers": []}
        start = await bare.get(start_url("google", "http://127.0.0.1:5000/callback", Pkce()))
        assert start.status_code == 404
    unknown = await team_api.get(start_url("facebook", "http://127.0.0.1:5000/callback", Pkce()))
    assert unknown.status_code == 404


async def test_the_sign_in_page_offers_each_provider(team_api: httpx.AsyncClient) -> None:
    pkce = Pkce()
    query = urlencode({"redirect_uri": "http://127.0.0.1:5000/callback", "code_challenge": pkce.challenge})
    page = await team_api.get(f"{OAUTH}/sign-in?{query}")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Sign in with Google" in page.text
    assert "Sign in with GitHub" in page.text
    assert f"{OAUTH}/github/start?" in page.text
    assert pkce.challenge in page.text
    refused = await team_api.get(
        f"{OAUTH}/sign-in?redirect_uri=https://evil.example/&code_challenge={pkce.challenge}"
    )
    assert refused.status_code == 400
