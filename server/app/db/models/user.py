from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.db.models._columns import CreatedAt, UuidPrimaryKey


class User(Base):
    __tablename__ = "users"

    id: Mapped[UuidPrimaryKey]
    email: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    name: Mapped[str | None] = mapped_column(String(255))
    avatar_url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=text("now()"), onupdate=text("now()")
    )
    # Set by `ascend users disable`: the user keeps their data but can neither sign in nor call the API.
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set by `ascend users revoke`: every token issued up to this moment is refused.
    tokens_revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
