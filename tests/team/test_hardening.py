"""Multi-user hardening in-process: rate limits, body limits, CORS, disabled users, readiness, logs."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.app import create_app
from app.api.current_user import REVOKED_DETAIL
from app.core.config import Settings
from app.core.logging import JsonFormatter, redact
from app.core.rate_limit import RULES
from app.services.accounts.user_admin import revoke_tokens, set_disabled
from app.services.accounts.users import issue_token
from tests.conftest import Account
from tests.files import JOB_DESCRIPTION, RESUME_TEXT, make_pdf
from tests.team.conftest import ClientFactory

SECRET_MARKER = "ZEBRA-PLUTONIUM-4417"


async def upload_resume(api: httpx.AsyncClient, account: Account, text: str = RESUME_TEXT) -> httpx.Response:
    files = {"file": ("resume.pdf", make_pdf(text), "application/pdf")}
    return await api.post("/api/v1/resumes", files=files, headers=account.headers)


def test_every_rate_limited_route_exists_as_an_endpoint() -> None:
    paths = create_app().openapi()["paths"]
    for rule in RULES:
        assert rule.route in paths, f"{rule.route} is not an endpoint"
        assert rule.method.lower() in paths[rule.route], rule
    job_starters = {path for path, ops in paths.items() if "post" in ops and "recordings" in path}
    assert job_starters <= {rule.route for rule in RULES}


async def test_job_starting_endpoints_are_limited_per_user(
    make_client: ClientFactory, alice: Account, bob: Account
) -> None:
    async with make_client(RATE_LIMIT_SESSIONS=2) as api:
        body = {"resume_id": "00000000-0000-0000-0000-000000000000", "job_description": JOB_DESCRIPTION}
        for _ in range(2):
            assert (await api.post("/api/v1/sessions", json=body, headers=alice.headers)).status_code == 404
        limited = await api.post("/api/v1/sessions", json=body, headers=alice.headers)
        assert limited.status_code == 429
        assert limited.json() == {
            "detail": "Too many requests; try again later",
            "error_code": "RATE_LIMITED",
        }
        assert 1 <= int(limited.headers["retry-after"]) <= 3600
        # Each user has a count of their own; reads are not limited; a missing token is still a 401.
        assert (await api.post("/api/v1/sessions", json=body, headers=bob.headers)).status_code == 404
        assert (await api.get("/api/v1/sessions", headers=alice.headers)).status_code == 200
        assert (await api.post("/api/v1/sessions", json=body)).status_code == 401


async def test_uploads_are_limited_before_the_body_is_stored(
    make_client: ClientFactory, alice: Account
) -> None:
    async with make_client(RATE_LIMIT_RESUME_UPLOADS=1) as api:
        assert (await upload_resume(api, alice)).status_code == 201
        second = await upload_resume(api, alice)
        assert second.status_code == 429
        listed = await api.get("/api/v1/resumes", headers=alice.headers)
        assert len(listed.json()) == 1


async def test_rate_limits_can_be_switched_off(make_client: ClientFactory, alice: Account) -> None:
    async with make_client(RATE_LIMIT_SESSIONS=1, RATE_LIMIT_ENABLED=False) as api:
        body = {"resume_id": "00000000-0000-0000-0000-000000000000", "job_description": JOB_DESCRIPTION}
        for _ in range(3):
            assert (await api.post("/api/v1/sessions", json=body, headers=alice.headers)).status_code == 404


async def test_bodies_over_the_limit_are_refused_declared_or_streamed(
    make_client: ClientFactory, alice: Account
) -> None:
    async with make_client(MAX_REQUEST_BODY_MB=0.01) as api:
        big = {"resume_id": "00000000-0000-0000-0000-000000000000", "job_description": "x" * 20_000}
        declared = await api.post("/api/v1/sessions", json=big, headers=alice.headers)
        assert declared.status_code == 413
        assert declared.json() == {"detail": "File exceeds size limit", "error_code": "FILE_TOO_LARGE"}

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(10):
                yield b"x" * 4096

        streamed = await api.post(
            "/api/v1/sessions",
            content=chunks(),
            headers={**alice.headers, "Content-Type": "application/json"},
        )
        assert streamed.status_code == 413
        assert streamed.json()["error_code"] == "FILE_TOO_LARGE"
        small = {"resume_id": "00000000-0000-0000-0000-000000000000", "job_description": JOB_DESCRIPTION}
        assert (await api.post("/api/v1/sessions", json=small, headers=alice.headers)).status_code == 404


async def test_sign_in_endpoints_are_limited_per_client_address(make_client: ClientFactory) -> None:
    # A window of three years: no window boundary falls between the requests.
    window = {"RATE_LIMIT_WINDOW_SECONDS": 10**8}
    async with make_client(
        RATE_LIMIT_SIGN_IN_PER_ADDRESS=3, client_address=("203.0.113.7", 40000), **window
    ) as api:
        assert (await api.get("/api/v1/auth/oauth/providers")).status_code == 200
        # Each step of a sign-in counts, whatever it answers (here a 400 for a sign-in never started).
        assert (
            await api.post("/api/v1/auth/oauth/exchange", json={"code": "x", "code_verifier": "y" * 43})
        ).status_code == 400
        assert (await api.get("/api/v1/auth/oauth/providers")).status_code == 200
        limited = await api.get("/api/v1/auth/oauth/providers")
        assert limited.status_code == 429
        assert limited.json()["error_code"] == "RATE_LIMITED"
        assert 1 <= int(limited.headers["retry-after"]) <= 10**8
        # The health probe is not a sign-in endpoint.
        assert (await api.get("/health")).status_code == 200
    async with make_client(
        RATE_LIMIT_SIGN_IN_PER_ADDRESS=3, client_address=("203.0.113.8", 40000), **window
    ) as other:
        assert (await other.get("/api/v1/auth/oauth/providers")).status_code == 200


async def test_json_endpoints_take_a_few_kib_while_uploads_keep_their_own_limit(
    make_client: ClientFactory, alice: Account
) -> None:
    async with make_client(MAX_JSON_BODY_KB=16) as api:
        body = {"resume_id": "00000000-0000-0000-0000-000000000000", "job_description": "x" * 20_000}
        refused = await api.post("/api/v1/sessions", json=body, headers=alice.headers)
        assert refused.status_code == 413
        assert refused.json()["error_code"] == "FILE_TOO_LARGE"
        # A 1 MB upload passes the body limit and meets the file checks (it is no PDF).
        files = {"file": ("cv.pdf", b"x" * 1024 * 1024, "application/pdf")}
        upload = await api.post("/api/v1/resumes", files=files, headers=alice.headers)
        assert upload.status_code == 400
        assert "not a PDF" in upload.json()["detail"]


async def test_cors_is_closed_unless_origins_are_configured(make_client: ClientFactory) -> None:
    preflight = {"Origin": "https://coach.example.com", "Access-Control-Request-Method": "POST"}
    async with make_client() as closed:
        response = await closed.options("/api/v1/resumes", headers=preflight)
        assert "access-control-allow-origin" not in response.headers
        plain = await closed.get("/health", headers={"Origin": "https://coach.example.com"})
        assert "access-control-allow-origin" not in plain.headers
    async with make_client(CORS_ALLOWED_ORIGINS=["https://coach.example.com"]) as opened:
        allowed = await opened.options("/api/v1/resumes", headers=preflight)
        assert allowed.headers["access-control-allow-origin"] == "https://coach.example.com"
        other = await opened.options(
            "/api/v1/resumes", headers={**preflight, "Origin": "https://evil.example"}
        )
        assert "access-control-allow-origin" not in other.headers


async def test_a_disabled_user_gets_401_everywhere_until_enabled(
    team_api: httpx.AsyncClient, alice: Account, db: AsyncSession
) -> None:
    assert (await upload_resume(team_api, alice)).status_code == 201
    await set_disabled(db, alice.user.email, disabled=True)
    for method, path in (
        ("POST", "/api/v1/auth/verify"),
        ("GET", "/api/v1/resumes"),
        ("GET", "/api/v1/sessions"),
        ("GET", "/api/v1/recordings"),
        ("DELETE", "/api/v1/users/me"),
    ):
        response = await team_api.request(method, path, headers=alice.headers)
        assert response.status_code == 401, path
        assert response.json() == {"detail": "This account is disabled", "error_code": "UNAUTHORIZED"}
    assert (await upload_resume(team_api, alice)).status_code == 401
    await set_disabled(db, alice.user.email, disabled=False)
    assert (await team_api.post("/api/v1/auth/verify", headers=alice.headers)).status_code == 200


async def test_a_revoked_token_is_refused_and_the_next_one_is_good(
    team_api: httpx.AsyncClient, alice: Account, db: AsyncSession, settings: Settings
) -> None:
    assert (await team_api.post("/api/v1/auth/verify", headers=alice.headers)).status_code == 200
    user = await revoke_tokens(db, alice.user.email)
    for path in ("/api/v1/auth/verify", "/api/v1/resumes"):
        method = "POST" if path.endswith("verify") else "GET"
        refused = await team_api.request(method, path, headers=alice.headers)
        assert refused.status_code == 401, path
        assert refused.json() == {"detail": REVOKED_DETAIL, "error_code": "UNAUTHORIZED"}
    fresh = {"Authorization": f"Bearer {issue_token(settings, user)}"}
    assert (await team_api.post("/api/v1/auth/verify", headers=fresh)).status_code == 200


async def test_ready_probes_each_dependency_and_names_the_one_down(make_client: ClientFactory) -> None:
    async with make_client() as api:
        ready = await api.get("/ready")
        assert ready.status_code == 200
        assert ready.json() == {
            "status": "ready",
            "checks": {"database": "ok", "broker": "ok", "object_store": "ok"},
        }
    async with make_client(CELERY_BROKER_URL="redis://127.0.0.1:9/0") as api:
        down = await api.get("/ready")
        assert down.status_code == 503
        assert down.json() == {
            "detail": "Not ready: broker",
            "error_code": "NOT_READY",
            "checks": {"database": "ok", "broker": "failed", "object_store": "ok"},
        }


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


async def test_request_logs_carry_ids_but_no_token_or_resume_text(
    team_api: httpx.AsyncClient, alice: Account, json_log: io.StringIO
) -> None:
    response = await upload_resume(team_api, alice, RESUME_TEXT + f"\nSecret project {SECRET_MARKER}")
    assert response.status_code == 201
    resume_id = response.json()["resume_id"]
    detail = await team_api.get(
        f"/api/v1/resumes/{resume_id}", headers={**alice.headers, "X-Request-ID": "trace-abc.123"}
    )
    assert SECRET_MARKER in detail.json()["parsed_text"]
    assert detail.headers["x-request-id"] == "trace-abc.123"
    assert len(response.headers["x-request-id"]) == 32

    text = json_log.getvalue()
    assert SECRET_MARKER not in text
    assert alice.token not in text
    assert "Bearer" not in text
    entries = [json.loads(line) for line in text.splitlines()]
    access = [entry for entry in entries if entry["logger"] == "app.access"]
    upload = next(entry for entry in access if entry["method"] == "POST")
    assert upload["path"] == "/api/v1/resumes"
    assert upload["status"] == 201
    assert upload["user_id"] == str(alice.user.id)
    assert upload["request_id"] == response.headers["x-request-id"]
    assert upload["duration_ms"] >= 0
    fetched = next(entry for entry in access if entry["method"] == "GET")
    assert fetched["request_id"] == "trace-abc.123"


def test_tokens_are_masked_in_any_message() -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXBhcnQ"
    assert jwt not in redact(f"failed for {jwt}")
    assert "opaque-token-1" not in redact("Authorization: Bearer opaque-token-1")
