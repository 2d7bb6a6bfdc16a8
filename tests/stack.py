"""The real services the tests run against: PostgreSQL + pgvector, the broker and the S3 server."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bundled_services.launchers.broker import BrokerHandle, start_broker
from bundled_services.launchers.object_store import ObjectStoreHandle, start_object_store
from bundled_services.launchers.postgres import PostgresHandle, start_postgres

TEST_DATABASE = "ascend_test"


@dataclass(slots=True)
class ServiceStack:
    root: Path
    postgres: PostgresHandle
    broker: BrokerHandle
    object_store: ObjectStoreHandle
    secret: str

    @property
    def database_url(self) -> str:
        return self.postgres.async_url(TEST_DATABASE)

    def environment(self) -> dict[str, str]:
        return {
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.broker.url,
            "CELERY_BROKER_URL": self.broker.url,
            "CELERY_RESULT_BACKEND": self.broker.url,
            "S3_ENDPOINT_URL": self.object_store.endpoint_url,
            "S3_ACCESS_KEY_ID": self.object_store.access_key,
            "S3_SECRET_ACCESS_KEY": self.object_store.secret_key,
            "S3_BUCKET_NAME": "ascend-test",
            "S3_REGION": self.object_store.region,
            "NEXTAUTH_SECRET": self.secret,
        }


@contextmanager
def running_stack() -> Iterator[ServiceStack]:
    root = Path(tempfile.mkdtemp(prefix="ascend-test-"))
    # The embedded Postgres runs as an unprivileged user when the tests run as root.
    root.chmod(0o755)
    started: list[PostgresHandle | BrokerHandle | ObjectStoreHandle] = []
    try:
        postgres = start_postgres(root / "pg" / "data")
        started.append(postgres)
        postgres.create_database(TEST_DATABASE)
        broker = start_broker(root / "broker", persist=False)
        started.append(broker)
        object_store = start_object_store(root / "s3", root / "logs" / "s3.log")
        started.append(object_store)
        yield ServiceStack(
            root=root,
            postgres=postgres,
            broker=broker,
            object_store=object_store,
            secret=secrets.token_urlsafe(48),
        )
    finally:
        for handle in reversed(started):
            handle.stop()
        shutil.rmtree(root, ignore_errors=True)


def runtime_dir() -> str:
    path = Path(tempfile.gettempdir()) / f"ascend-test-runtime-{os.getuid()}"
    path.mkdir(mode=0o700, exist_ok=True)
    return str(path)
