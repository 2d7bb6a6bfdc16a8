"""Server-side commands (`python -m app.cli …`, reached through the `ascend` command).

`token` prints the JWT as its last line so scripts can take it with `tail -n 1`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import timedelta

from pydantic import ValidationError

from app.cli import users
from app.core.config import get_settings
from app.db.session import create_engine, create_session_factory
from app.schemas.user import UserCreate
from app.services.accounts.users import get_or_create_user, issue_token


async def _token(email: str, name: str | None, expires_days: float | None) -> str:
    settings = get_settings()
    engine = create_engine(settings.DATABASE_URL, pooled=False)
    try:
        async with create_session_factory(engine)() as db:
            user = await get_or_create_user(db, UserCreate(email=email, name=name))
            expires_in = timedelta(days=expires_days) if expires_days is not None else None
            return issue_token(settings, user, expires_in=expires_in)
    finally:
        await engine.dispose()


def _run_token(args: argparse.Namespace) -> int:
    try:
        UserCreate(email=args.email, name=args.name)
    except ValidationError as exc:
        print(f"error: {exc.errors()[0]['msg']}", file=sys.stderr)
        return 2
    token = asyncio.run(_token(args.email, args.name, args.expires_days))
    print(f"Token for {args.email} (send it as 'Authorization: Bearer <token>'):", file=sys.stderr)
    print(token)
    return 0


def _run_migrate(_: argparse.Namespace) -> int:
    from app.db.migrate import upgrade_to_head

    upgrade_to_head()
    print("database schema is up to date")
    return 0


def _run_seed_kb(args: argparse.Namespace) -> int:
    from app.services.knowledge_base.seed import main as seed_main

    return seed_main(["--reset"] if args.reset else [])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ascend", description="Ascend AI server commands")
    commands = parser.add_subparsers(dest="command", required=True)

    token = commands.add_parser("token", help="create the user if missing and print a JWT for it")
    token.add_argument("--email", required=True)
    token.add_argument("--name", default=None)
    token.add_argument("--expires-days", type=float, default=None, help="lifetime (default 30 days)")
    token.set_defaults(run=_run_token)

    migrate = commands.add_parser("migrate", help="apply the database migrations")
    migrate.set_defaults(run=_run_migrate)

    seed_kb = commands.add_parser("seed-kb", help="embed knowledge_base_docs/*.md into the knowledge base")
    seed_kb.add_argument("--reset", action="store_true", help="empty the knowledge base first")
    seed_kb.set_defaults(run=_run_seed_kb)

    users.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        get_settings()
    except ValidationError as exc:
        print(f"error: invalid configuration:\n{exc}", file=sys.stderr)
        return 2
    result: int = args.run(args)
    return result
