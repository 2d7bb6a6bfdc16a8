"""PostgreSQL advisory locks for work several replicas may start at once and only one may do at a time.

Transaction-scoped (`pg_advisory_xact_lock`): the lock goes with the transaction that did the work, so a
process that dies holding it never leaves it held.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

# One key per kind of work; the high bytes spell "ascend" so that another application's keys on a
# shared database do not collide with ours by chance.
MIGRATIONS = 0x617363656E640001
KNOWLEDGE_BASE_SEED = 0x617363656E640002

_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def hold_until_commit(connection: Connection, key: int) -> None:
    """Wait for the lock `key`, held until this connection's transaction ends (for Alembic's sync API)."""
    connection.execute(_LOCK, {"key": key})


async def hold_until_commit_async(db: AsyncSession, key: int) -> None:
    """Wait for the lock `key`, held until the session's transaction ends."""
    await db.execute(_LOCK, {"key": key})
