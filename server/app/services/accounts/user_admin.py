"""Team-server user administration: list, create, disable and enable accounts (`ascend users`)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import User
from app.schemas.user import UserCreate


class UserAdminError(Exception):
    """The command cannot be carried out as asked; the message says why."""


async def find_user_by_email(db: AsyncSession, email: str) -> User | None:
    user: User | None = await db.scalar(select(User).where(func.lower(User.email) == email.lower()))
    return user


async def list_users(db: AsyncSession) -> list[User]:
    return list(await db.scalars(select(User).order_by(User.created_at, User.email)))


async def create_user(db: AsyncSession, profile: UserCreate) -> User:
    if await find_user_by_email(db, str(profile.email)) is not None:
        raise UserAdminError(f"a user with the e-mail {profile.email} already exists")
    user = User(email=str(profile.email), name=profile.name, avatar_url=profile.avatar_url)
    db.add(user)
    await db.commit()
    await db.refresh(user)
    return user


async def revoke_tokens(db: AsyncSession, email: str) -> User:
    """Refuse every token the user holds now; signing in again (or `ascend token`) issues a new one."""
    user = await find_user_by_email(db, email)
    if user is None:
        raise UserAdminError(f"no user has the e-mail {email}")
    user.tokens_revoked_at = datetime.now(UTC)
    await db.commit()
    await db.refresh(user)
    return user


def may_sign_up(email: str, allowed_domains: list[str]) -> bool:
    """Whether someone with no account may create one by signing in: only at an allowed domain."""
    domain = email.rpartition("@")[2].lower()
    return domain in allowed_domains


async def set_disabled(db: AsyncSession, email: str, *, disabled: bool) -> User:
    user = await find_user_by_email(db, email)
    if user is None:
        raise UserAdminError(f"no user has the e-mail {email}")
    if disabled and user.disabled_at is None:
        user.disabled_at = datetime.now(UTC)
    elif not disabled:
        user.disabled_at = None
    await db.commit()
    await db.refresh(user)
    return user
