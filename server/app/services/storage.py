"""Object storage (MinIO or any S3-compatible server) through the `minio` SDK.

The SDK is blocking, so every call runs in a worker thread to keep the event loop free.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from minio import Minio
from minio.error import S3Error

from app.core.config import Settings


class StorageError(Exception):
    """The object store refused or failed an operation."""


def new_object_key(prefix: str, user_id: uuid.UUID, extension: str) -> str:
    """A key we generate: the user's filename never reaches the object store."""
    return f"{prefix}/{user_id}/{uuid.uuid4().hex}{extension}"


class ObjectStorage:
    def __init__(self, client: Minio, bucket: str) -> None:
        self._client = client
        self.bucket = bucket

    @classmethod
    def from_settings(cls, settings: Settings) -> ObjectStorage:
        endpoint = urlsplit(settings.S3_ENDPOINT_URL)
        if endpoint.scheme not in ("http", "https") or not endpoint.netloc:
            raise ValueError(f"S3_ENDPOINT_URL must be an http(s) URL, got {settings.S3_ENDPOINT_URL!r}")
        client = Minio(
            endpoint.netloc,
            access_key=settings.S3_ACCESS_KEY_ID,
            secret_key=settings.S3_SECRET_ACCESS_KEY.get_secret_value(),
            secure=endpoint.scheme == "https",
            region=settings.S3_REGION,
        )
        return cls(client, settings.S3_BUCKET_NAME)

    async def ensure_bucket(self) -> None:
        def ensure() -> None:
            if not self._client.bucket_exists(self.bucket):
                try:
                    self._client.make_bucket(self.bucket)
                except S3Error as exc:
                    # Another process (a second API worker) may have created it in between.
                    if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                        raise

        await asyncio.to_thread(ensure)

    async def upload_file(self, key: str, path: Path, *, content_type: str) -> None:
        try:
            await asyncio.to_thread(self._client.fput_object, self.bucket, key, str(path), content_type)
        except S3Error as exc:
            raise StorageError(f"could not store {key}: {exc.code}") from exc

    async def download_file(self, key: str, path: Path) -> None:
        try:
            await asyncio.to_thread(self._client.fget_object, self.bucket, key, str(path))
        except S3Error as exc:
            raise StorageError(f"could not fetch {key}: {exc.code}") from exc

    async def remove(self, key: str) -> None:
        try:
            await asyncio.to_thread(self._client.remove_object, self.bucket, key)
        except S3Error as exc:
            raise StorageError(f"could not remove {key}: {exc.code}") from exc

    async def remove_prefix(self, prefix: str) -> int:
        """Remove every object under the prefix; returns how many were removed."""

        def remove_all() -> int:
            from minio.deleteobjects import DeleteObject

            names = [
                item.object_name
                for item in self._client.list_objects(self.bucket, prefix=prefix, recursive=True)
            ]
            errors = list(
                self._client.remove_objects(
                    self.bucket, [DeleteObject(name) for name in names if name is not None]
                )
            )
            if errors:
                raise StorageError(f"could not remove {len(errors)} objects under {prefix}")
            return len(names)

        return await asyncio.to_thread(remove_all)

    async def exists(self, key: str) -> bool:
        def stat() -> bool:
            try:
                self._client.stat_object(self.bucket, key)
            except S3Error as exc:
                if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                    return False
                raise
            return True

        return await asyncio.to_thread(stat)
