from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta

import httpx
import jwt
import pytest

from app.core.config import Settings
from app.core.security import create_access_token
from tests.conftest import Account

UNAUTHORIZED = {"detail": "Invalid or expired token", "error_code": "UNAUTHORIZED"}


async def test_verify_returns_the_user(api: httpx.AsyncClient, alice: Account) -> None:
    response = await api.post("/api/v1/auth/verify", headers=alice.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(alice.user.id)
    assert body["email"] == alice.user.email
    assert body["name"] == "Alice"
    assert set(body) == {"id", "email", "name", "avatar_url", "created_at", "updated_at"}


def _unsigned(claims: dict[str, object]) -> str:
    def encode(part: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()

    return f"{encode({'alg': 'none', 'typ': 'JWT'})}.{encode(claims)}."


def _token(settings: Settings, account: Account, **overrides: object) -> str:
    claims: dict[str, object] = {
        "sub": str(account.user.id),
        "email": account.user.email,
        "name": account.user.name,
        "exp": 4102444800,
    }
    claims.update(overrides)
    return jwt.encode(claims, settings.NEXTAUTH_SECRET.get_secret_value(), algorithm="HS256")


@pytest.mark.parametrize(
    "make_header",
    [
        pytest.param(lambda s, a: None, id="no header"),
        pytest.param(lambda s, a: "Basic dXNlcjpwYXNz", id="basic scheme"),
        pytest.param(lambda s, a: "Bearer ", id="empty bearer"),
        pytest.param(lambda s, a: "Bearer not.a.jwt", id="malformed"),
        pytest.param(lambda s, a: "Bearer abc", id="garbage"),
        pytest.param(
            lambda s, a: (
                "Bearer "
                + create_access_token(
                    secret=s.NEXTAUTH_SECRET.get_secret_value(),
                    user_id=a.user.id,
                    email=a.user.email,
                    name=None,
                    expires_in=timedelta(seconds=-5),
                )
            ),
            id="expired",
        ),
        pytest.param(
            lambda s, a: (
                "Bearer "
                + jwt.encode(
                    {"sub": str(a.user.id), "exp": 4102444800}, "another-secret-" * 4, algorithm="HS256"
                )
            ),
            id="wrong signature",
        ),
        pytest.param(
            lambda s, a: "Bearer " + _unsigned({"sub": str(a.user.id), "exp": 4102444800}), id="alg none"
        ),
        pytest.param(lambda s, a: "Bearer " + _token(s, a, sub=str(uuid.uuid4())), id="unknown sub"),
        pytest.param(lambda s, a: "Bearer " + _token(s, a, sub="not-a-uuid"), id="sub not a uuid"),
        pytest.param(lambda s, a: "Bearer " + _token(s, a, exp=None), id="no exp"),
        pytest.param(
            lambda s, a: (
                "Bearer "
                + jwt.encode(
                    {"sub": str(a.user.id), "exp": 4102444800},
                    s.NEXTAUTH_SECRET.get_secret_value(),
                    algorithm="HS512",
                )
            ),
            id="other algorithm",
        ),
    ],
)
async def test_every_bad_token_is_a_401_in_the_spec_shape(
    api: httpx.AsyncClient, alice: Account, settings: Settings, make_header: object
) -> None:
    assert callable(make_header)
    header = make_header(settings, alice)
    headers = {"Authorization": header} if header is not None else {}
    response = await api.post("/api/v1/auth/verify", headers=headers)
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/api/v1/resumes/{uuid.uuid4()}"),
        ("POST", "/api/v1/resumes"),
        ("POST", "/api/v1/sessions"),
        ("GET", f"/api/v1/sessions/{uuid.uuid4()}"),
        ("POST", f"/api/v1/sessions/{uuid.uuid4()}/recordings"),
        ("GET", f"/api/v1/recordings/{uuid.uuid4()}"),
    ],
)
async def test_every_endpoint_requires_a_token(api: httpx.AsyncClient, method: str, path: str) -> None:
    response = await api.request(method, path)
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED
