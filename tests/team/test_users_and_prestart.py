"""`ascend users …` for teams without OAuth, and the one-shot prestart the `migrate` container runs."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from app.db.migrate import alembic_config
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
