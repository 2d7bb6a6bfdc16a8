"""`ascend users list|create|invite|disable|enable|revoke`: accounts on a team server.

A disabled user keeps their data but gets 401 everywhere and cannot sign in until enabled again.
An invited user (`invite` is `create`) may sign in with OAuth even where sign-up is closed. Revoking
refuses every token the user holds; they sign in again for a new one.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import get_settings
from app.db.models import User
from app.db.session import create_engine, create_session_factory
from app.schemas.user import UserCreate
from app.services.accounts.user_admin import (
    UserAdminError,
    create_user,
    list_users,
    revoke_tokens,
    set_disabled,
)

T = TypeVar("T")


async def _with_db(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    engine = create_engine(get_settings().DATABASE_URL, pooled=False)
    try:
        async with create_session_factory(engine)() as db:
            return await work(db)
    finally:
        await engine.dispose()


def _describe(user: User) -> str:
    status = "disabled" if user.disabled_at is not None else "active"
    return f"{user.id}  {status:<8}  {user.created_at:%Y-%m-%d}  {user.email}  {user.name or ''}".rstrip()


def _run_list(_: argparse.Namespace) -> int:
    users = asyncio.run(_with_db(list_users))
    for user in users:
        print(_describe(user))
    print(f"{len(users)} user(s)", file=sys.stderr)
    return 0


def _run_create(args: argparse.Namespace) -> int:
    try:
        profile = UserCreate(email=args.email, name=args.name)
    except ValidationError as exc:
        print(f"error: {exc.errors()[0]['msg']}", file=sys.stderr)
        return 2
    try:
        user = asyncio.run(_with_db(lambda db: create_user(db, profile)))
    except UserAdminError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(_describe(user))
    return 0


def _set_disabled(email: str, *, disabled: bool) -> int:
    try:
        user = asyncio.run(_with_db(lambda db: set_disabled(db, email, disabled=disabled)))
    except UserAdminError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(_describe(user))
    return 0


def _run_revoke(args: argparse.Namespace) -> int:
    try:
        user = asyncio.run(_with_db(lambda db: revoke_tokens(db, args.email)))
    except UserAdminError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{_describe(user)}  (every token issued until now is refused)")
    return 0


def _run_disable(args: argparse.Namespace) -> int:
    return _set_disabled(args.email, disabled=True)


def _run_enable(args: argparse.Namespace) -> int:
    return _set_disabled(args.email, disabled=False)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    users = commands.add_parser(
        "users", help="list, create or invite, disable or enable users; revoke tokens"
    )
    actions = users.add_subparsers(dest="users_command", required=True)

    listing = actions.add_parser("list", help="every user: id, status, created, e-mail, name")
    listing.set_defaults(run=_run_list)

    create = actions.add_parser("create", help="create a user (then `ascend token` issues their JWT)")
    create.add_argument("--email", required=True)
    create.add_argument("--name", default=None)
    create.set_defaults(run=_run_create)

    invite = actions.add_parser("invite", help="create a user who may then sign in with OAuth")
    invite.add_argument("--email", required=True)
    invite.add_argument("--name", default=None)
    invite.set_defaults(run=_run_create)

    revoke = actions.add_parser("revoke", help="refuse every token the user holds now")
    revoke.add_argument("--email", required=True)
    revoke.set_defaults(run=_run_revoke)

    disable = actions.add_parser("disable", help="block a user from signing in and from the API")
    disable.add_argument("--email", required=True)
    disable.set_defaults(run=_run_disable)

    enable = actions.add_parser("enable", help="let a disabled user back in")
    enable.add_argument("--email", required=True)
    enable.set_defaults(run=_run_enable)
