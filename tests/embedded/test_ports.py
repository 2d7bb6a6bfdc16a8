"""Port collisions: an explicit API port that is taken is refused up front, with a message that says so
and nothing left running; a picked port that another program grabs first makes the service move."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from bundled_services.instance_lock import InstanceLock
from bundled_services.launchers import process as process_module
from bundled_services.launchers.broker import start_broker
from bundled_services.leftovers import RECORD_NAME
from bundled_services.supervisor.stack import LOCK_FILE
from tests.embedded.conftest import StartServe, skip_seeding
from tests.embedded.serve_process import UNREACHABLE_LLM, UNREACHABLE_WHISPER, stack_environment


@pytest.fixture
def occupied_port() -> Iterator[int]:
    """A port another program is listening on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def test_an_api_port_in_use_is_refused_before_anything_starts(
    scratch: Path, occupied_port: int, start_serve: StartServe
) -> None:
    data_dir = scratch / "refused"
    skip_seeding(data_dir)
    env = stack_environment(
        data_dir, WHISPER_SERVICE_URL=UNREACHABLE_WHISPER, LOCAL_LLM_API_BASE=UNREACHABLE_LLM
    )
    serving = start_serve(data_dir, env, "--port", str(occupied_port))
    assert serving.wait_exit(timeout=60) == 1
    assert f"port {occupied_port} on 127.0.0.1 is already in use by another program" in serving.output
    # Refused before a single service started: no database, no child, no lock left behind.
    assert not (data_dir / "postgres").exists()
    assert not (data_dir / RECORD_NAME).exists()
    assert InstanceLock(data_dir / LOCK_FILE).held_elsewhere() is None


def test_a_service_whose_picked_port_is_taken_starts_on_another(
    scratch: Path, occupied_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another program binding the picked port between the pick and the service's own bind: the first
    # pick is made to be the occupied port, so that race is certain instead of rare.
    real_free_port = process_module.free_port
    picks = iter([occupied_port])
    monkeypatch.setattr(
        process_module, "free_port", lambda host="127.0.0.1": next(picks, None) or real_free_port(host)
    )

    broker = start_broker(scratch / "moved-broker", persist=False, password="not-a-secret")
    try:
        assert broker.port != occupied_port
        assert broker.answers()
        assert "Address already in use" in (scratch / "moved-broker" / "valkey.log").read_text()
    finally:
        broker.stop()
