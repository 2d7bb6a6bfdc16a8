"""User provisioning (the CLI, and later OAuth sign-in) and token issuing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.security import create_access_token
from app.db.models import User
from app.schemas.user import UserCreate


async def get_or_create_user(db: AsyncSession, profile: UserCreate) -> User:
    """Find the user by e-mail (case-insensitively) or create it; a given name updates the stored one."""
    email = str(profile.email)
    user = await db.scalar(select(User).where(func.lower(User.email) == email.lower()))
    if user is None:
        user = User(email=email, name=profile.name, avatar_url=profile.avatar_url)
        db.add(user)
    else:
        if profile.name is not None:
            user.name = profile.name
        if profile.avatar_url is not None:
            user.avatar_url = profile.avatar_url
    await db.commit()
    await db.refresh(user)
    return user


def issue_token(settings: Settings, user: User, *, expires_in: timedelta | None = None) -> str:
    return create_access_token(
        secret=settings.NEXTAUTH_SECRET.get_secret_value(),
        user_id=user.id,
        email=user.email,
        name=user.name,
        expires_in=expires_in or timedelta(minutes=settings.ACCESS_TOKEN_EXPIRE_MINUTES),
    )
