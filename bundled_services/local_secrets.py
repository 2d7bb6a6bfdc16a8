"""Secrets generated on first run and kept in the data dir, readable by the user only."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, fields
from pathlib import Path


@dataclass(frozen=True, slots=True)
class LocalSecrets:
    jwt_secret: str
    s3_access_key: str
    s3_secret_key: str
    broker_password: str


def _generate() -> dict[str, str]:
    return {
        "jwt_secret": secrets.token_urlsafe(48),
        "s3_access_key": f"ascend-{secrets.token_hex(8)}",
        "s3_secret_key": secrets.token_urlsafe(32),
        # Hex: it goes into the broker's URL and its config file, neither of which needs quoting then.
        "broker_password": secrets.token_hex(24),
    }


def _write(path: Path, values: dict[str, str], *, exclusive: bool) -> None:
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    descriptor = os.open(path, flags, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(values, handle)


def load_or_create(path: Path) -> LocalSecrets:
    if not path.exists():
        created = _generate()
        _write(path, created, exclusive=True)
        return LocalSecrets(**created)
    stored = json.loads(path.read_text())
    wanted = {field.name for field in fields(LocalSecrets)}
    missing = wanted - stored.keys()
    if missing:
        # A data dir from an older version: keep its secrets (they sign existing tokens and open its
        # files) and add only the new ones.
        stored.update({name: value for name, value in _generate().items() if name in missing})
        _write(path, stored, exclusive=False)
    return LocalSecrets(**{name: stored[name] for name in wanted})
