"""Before the API and the worker start (compose's one-shot `migrate` service).

    python -m scripts.prestart [--timeout SECONDS] [--no-seed] [--docs DIR]      (from server/)

1. Waits until the database accepts a real query (not just an open port).
2. Applies the migrations.
3. Seeds the knowledge base with `python -m scripts.seed_knowledge_base` (which skips unchanged
   documents, so a restart does not redo the work).
Both steps run under a PostgreSQL advisory lock each (`app.db.locks`): several of these started at
once (replicas) migrate and seed one after the other, and the later ones find the work done.
Exits non-zero, with the reason, if any step fails: compose then keeps the API from starting.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.core.config import get_settings
from app.db.migrate import upgrade_to_head
from app.db.session import create_engine

SERVER_DIR = Path(__file__).resolve().parents[1]
SEED_SCRIPT = SERVER_DIR / "scripts" / "seed_knowledge_base.py"


class DatabaseUnavailableError(RuntimeError):
    pass


async def _probe(database_url: str) -> None:
    engine = create_engine(database_url, pooled=False)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()


def wait_for_database(database_url: str, *, timeout: float, interval: float = 1.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            asyncio.run(_probe(database_url))
        except (OSError, SQLAlchemyError) as exc:
            if time.monotonic() >= deadline:
                raise DatabaseUnavailableError(
                    f"the database did not answer within {timeout:.0f}s: {type(exc).__name__}"
                ) from exc
            time.sleep(interval)
        else:
            return


def seed_knowledge_base(docs: Path | None = None) -> None:
    # A child process: seeding loads the embedding model, which this short-lived process never needs.
    folder = ["--docs", str(docs.resolve())] if docs is not None else []
    command = [sys.executable, "-m", "scripts.seed_knowledge_base", *folder]
    subprocess.run(command, cwd=SERVER_DIR, check=True)  # noqa: S603  (our interpreter and script)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.prestart", description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the database")
    parser.add_argument("--no-seed", action="store_true", help="skip seeding the knowledge base")
    parser.add_argument("--docs", type=Path, default=None, help="seed from this folder of .md files")
    args = parser.parse_args(argv)
    settings = get_settings()
    try:
        wait_for_database(settings.DATABASE_URL, timeout=args.timeout)
    except DatabaseUnavailableError as exc:
        print(f"prestart: {exc}", file=sys.stderr)
        return 1
    print("prestart: database is up", file=sys.stderr)
    upgrade_to_head()
    print("prestart: migrations applied", file=sys.stderr)
    if args.no_seed:
        return 0
    if not SEED_SCRIPT.exists():
        print("prestart: no seeding script, knowledge base left as it is", file=sys.stderr)
        return 0
    try:
        seed_knowledge_base(args.docs)
    except subprocess.CalledProcessError as exc:
        print(f"prestart: seeding the knowledge base failed (exit {exc.returncode})", file=sys.stderr)
        return 1
    print("prestart: knowledge base seeded", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
