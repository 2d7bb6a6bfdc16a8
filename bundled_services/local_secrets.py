"""Secrets generated on first run and kept in the data dir, readable by the user only."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class LocalSecrets:
    jwt_secret: str
    s3_access_key: str
    s3_secret_key: str


def load_or_create(path: Path) -> LocalSecrets:
    if path.exists():
        return LocalSecrets(**json.loads(path.read_text()))
    created = LocalSecrets(
        jwt_secret=secrets.token_urlsafe(48),
        s3_access_key=f"ascend-{secrets.token_hex(8)}",
        s3_secret_key=secrets.token_urlsafe(32),
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(asdict(created), handle)
    return created
