"""`ascend users …` for teams without OAuth, and the one-shot prestart the `migrate` container runs
(alone, and two at once as replicas starting together)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from asyncio.subprocess import PIPE
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import locks
from app.db.migrate import alembic_config
from app.db.session import create_engine
from bundled_services.provisioning import embedding_model
from tests.stack import ServiceStack
from tests.team.test_processes import ascend

SERVER_DIR = Path(__file__).resolve().parents[2] / "server"


def test_users_create_list_disable_enable(stack: ServiceStack) -> None:
    email = f"cli-users-{uuid.uuid4().hex[:8]}@example.com"
    created = ascend("users", "create", "--email", email, "--name", "Casey Admin")
    assert created.returncode == 0, created.stderr
    assert email in created.stdout
    assert "active" in created.stdout

    again = ascend("users", "create", "--email", email.upper())
    assert again.returncode == 1
    assert "already exists" in again.stderr

    listed = ascend("users", "list")
    assert listed.returncode == 0
    (line,) = [row for row in listed.stdout.splitlines() if email in row]
    assert "Casey Admin" in line

    assert "disabled" in ascend("users", "disable", "--email", email).stdout
    assert "active" in ascend("users", "enable", "--email", email).stdout
    assert "every token issued until now is refused" in ascend("users", "revoke", "--email", email).stdout
    invited = f"invited-{uuid.uuid4().hex[:6]}@example.com"
    assert invited in ascend("users", "invite", "--email", invited).stdout
    unknown = ascend("users", "disable", "--email", f"nobody-{uuid.uuid4().hex[:6]}@example.com")
    assert unknown.returncode == 1
    assert "no user" in unknown.stderr
    assert ascend("users", "create", "--email", "not-an-email").returncode == 2
    assert "users" in ascend("--help").stdout


def _prestart(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scripts.prestart", *args],
        cwd=SERVER_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_prestart_migrates_a_new_database_to_head(stack: ServiceStack) -> None:
    database = f"prestart_{uuid.uuid4().hex[:8]}"
    stack.postgres.create_database(database)
    env = {**os.environ, "DATABASE_URL": stack.postgres.async_url(database)}
    result = _prestart("--no-seed", "--timeout", "30", env=env)
    assert result.returncode == 0, result.stderr
    assert "migrations applied" in result.stderr

    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    version = stack.postgres.psql("SELECT version_num FROM alembic_version", database=database)
    assert head is not None
    assert head in version
    columns = stack.postgres.psql(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'users'", database=database
    )
    assert "disabled_at" in columns


def test_prestart_gives_up_on_a_database_that_never_answers() -> None:
    env = {**os.environ, "DATABASE_URL": "postgresql+asyncpg://ascend:x@127.0.0.1:9/ascend"}
    result = _prestart("--timeout", "2", env=env)
    assert result.returncode == 1
    assert "did not answer within 2s" in result.stderr


GUIDE = """# The STAR method

Answer a behavioural question with the Situation you were in, the Task you had, the Action you took
and the Result it had. Quantify the result where you can: latency cut by half, two weeks saved.
"""


async def _waiting_for(connection: AsyncConnection, key: int) -> int:
    """How many sessions wait for the advisory lock `key` (a bigint key shows as two 32-bit halves)."""
    waiting = await connection.scalar(
        text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND classid::bigint = :high AND objid::bigint = :low AND objsubid = 1"
        ),
        {"high": key >> 32, "low": key & 0xFFFFFFFF},
    )
    return int(waiting or 0)


async def _until_both_wait(
    connection: AsyncConnection, key: int, what: str, runs: list[asyncio.subprocess.Process]
) -> None:
    deadline = time.monotonic() + 240
    while await _waiting_for(connection, key) < 2:
        exited = [run.returncode for run in runs if run.returncode is not None]
        assert not exited, f"a prestart exited (code {exited}) before waiting for the {what} lock"
        assert time.monotonic() < deadline, f"the two prestarts never both waited for the {what} lock"
        await asyncio.sleep(0.2)


@pytest.mark.timeout(600)
async def test_two_prestarts_at_once_both_succeed_and_migrate_and_seed_once(
    stack: ServiceStack, tmp_path: Path
) -> None:
    database = f"replicas_{uuid.uuid4().hex[:8]}"
    stack.postgres.create_database(database)
    url = stack.postgres.async_url(database)
    docs = tmp_path / "guides"
    docs.mkdir()
    (docs / "star_method.md").write_text(GUIDE)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "EMBEDDING_MODEL_NAME": str(embedding_model.provision()),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    command = ["-m", "scripts.prestart", "--timeout", "60", "--docs", str(docs)]
    engine = create_engine(url, pooled=False)
    runs: list[asyncio.subprocess.Process] = []
    try:
        async with engine.connect() as holder:
            # Held here until both replicas wait for it, so that each step is reached by both at once.
            for key in (locks.MIGRATIONS, locks.KNOWLEDGE_BASE_SEED):
                await holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            for _ in range(2):
                runs.append(
                    await asyncio.create_subprocess_exec(
                        sys.executable, *command, cwd=SERVER_DIR, env=env, stdout=PIPE, stderr=PIPE
                    )
                )
            await _until_both_wait(holder, locks.MIGRATIONS, "migrations", runs)
            await holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": locks.MIGRATIONS})
            await _until_both_wait(holder, locks.KNOWLEDGE_BASE_SEED, "seeding", runs)
            await holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": locks.KNOWLEDGE_BASE_SEED})
            outputs = [await asyncio.wait_for(run.communicate(), 300) for run in runs]
    finally:
        for run in runs:
            if run.returncode is None:
                run.kill()
                await run.wait()
        await engine.dispose()

    stdouts = [stdout.decode() for stdout, _ in outputs]
    for run, (_, stderr) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, stderr.decode()
        assert "migrations applied" in stderr.decode()
    # One seeded the guide; the other, after waiting its turn, found it stored.
    assert sorted(stdout.strip().splitlines()[-1] for stdout in stdouts) == [
        "knowledge base: 1 documents, 0 chunks written, 1 documents unchanged",
        "knowledge base: 1 documents, 1 chunks written, 0 documents unchanged",
    ]
    counted = stack.postgres.psql(
        "SELECT count(*) || ' ' || count(DISTINCT chunk_text) FROM knowledge_base_chunks", database=database
    )
    assert counted.split() == ["1", "1"]
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    assert head in stack.postgres.psql("SELECT version_num FROM alembic_version", database=database)
