"""Fixtures of the team-server tests: a local OAuth provider and API clients with team settings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace
from typing import Any

import httpx
import pytest
import redis
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.services.resources import Resources
from tests.conftest import build_client
from tests.team.oauth_provider import LocalOAuthProvider, running_provider

ClientFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]
_SECRETS = {"GOOGLE_CLIENT_SECRET", "GITHUB_CLIENT_SECRET", "NEXTAUTH_SECRET", "S3_SECRET_ACCESS_KEY"}


@pytest.fixture(scope="session")
def oauth_provider() -> Iterator[LocalOAuthProvider]:
    with running_provider() as provider:
        yield provider


def team_settings(base: Settings, **overrides: Any) -> Settings:
    values = {
        key: SecretStr(value) if key in _SECRETS and isinstance(value, str) else value
        for key, value in overrides.items()
    }
    # Validated like the environment would be, so a wrong override fails here rather than later.
    return Settings.model_validate({**base.model_dump(), **values})


@pytest.fixture
def make_client(
    resources: Resources,
    session_factory: async_sessionmaker[AsyncSession],
    broker: redis.Redis,
    oauth_provider: LocalOAuthProvider,
) -> ClientFactory:
    """An in-process API client whose settings are the suite's plus the local provider plus overrides."""

    @asynccontextmanager
    async def factory(
        client_address: tuple[str, int] = ("127.0.0.1", 123), **overrides: Any
    ) -> AsyncIterator[httpx.AsyncClient]:
        active = team_settings(resources.settings, **{**oauth_provider.settings(), **overrides})
        # No override (limits, sign-in, CORS, the broker /ready probes) concerns an opened client.
        team = replace(resources, settings=active, session_factory=session_factory)
        async with build_client(team, client_address) as client:
            yield client

    return factory


@pytest.fixture
async def team_api(make_client: ClientFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client() as client:
        yield client
