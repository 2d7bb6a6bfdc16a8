"""The network between the desktop client and the real server: a TCP relay on a loopback port.

It passes bytes both ways untouched. On request it drops the next connections after their first bytes,
without an answer (a network that fails mid-request), or holds each new connection's upload once a
number of bytes have passed, until told to go on (a slow link, so a test can act while an upload is in
flight). Only the network is stood in for: what answers behind it is the real API.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

CHUNK = 64 * 1024
# The relay's receive window when it stops reading: small and fixed, so a held upload stalls the
# client within a few megabytes (the client's own send buffer) instead of the kernel's autotuned 32 MB.
RECEIVE_BUFFER = 64 * 1024


@dataclass(slots=True)
class _Hold:
    after: int
    done: bool = False


class _Server(socketserver.ThreadingTCPServer):
    # Handler threads are joined on close: nothing of a test's network outlives it.
    daemon_threads = False
    block_on_close = True

    def __init__(self, relay: Relay) -> None:
        self.relay = relay
        super().__init__(("127.0.0.1", 0), _Connection)

    def server_bind(self) -> None:
        # Accepted connections inherit the listening socket's buffer size.
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        super().server_bind()


class _Connection(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        self.server.relay.serve(self.request)


class Relay:
    def __init__(self, upstream_url: str) -> None:
        target = urlsplit(upstream_url)
        if target.hostname is None or target.port is None:
            raise ValueError(f"not a URL with a host and port: {upstream_url}")
        self._upstream = (target.hostname, target.port)
        self._path = target.path
        self._lock = threading.Lock()
        self._drops = 0
        self._hold_after: int | None = None
        self._go = threading.Event()
        self._sockets: set[socket.socket] = set()
        self.dropped = 0
        self.forwarded = 0
        self.held = threading.Event()
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, name="relay", daemon=True)

    @property
    def url(self) -> str:
        """The upstream URL with the relay's address in place of the server's."""
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}{self._path}"

    def drop(self, count: int) -> None:
        """The next `count` connections are cut after their first bytes, with no answer."""
        with self._lock:
            self._drops = count

    def hold_uploads_after(self, size: int | None) -> None:
        """Each new connection's upload stops being read after `size` bytes until `go_on` (None: never)."""
        with self._lock:
            self._hold_after = size
            self._go.clear()
            self.held.clear()

    def go_on(self) -> None:
        self._go.set()

    def serve(self, client: socket.socket) -> None:
        with self._lock:
            dropping = self._drops > 0
            if dropping:
                self._drops -= 1
                self.dropped += 1
            hold = _Hold(self._hold_after) if self._hold_after is not None else None
            self._sockets.add(client)
        try:
            if dropping:
                # The request has begun to arrive; closing with the rest unread resets the connection.
                with contextlib.suppress(OSError):
                    client.recv(1024)
                return
            self._forward(client, hold)
        finally:
            with self._lock:
                self._sockets.discard(client)

    def _forward(self, client: socket.socket, hold: _Hold | None) -> None:
        try:
            upstream = socket.create_connection(self._upstream, timeout=10)
        except OSError:
            return
        upstream.settimeout(None)
        with self._lock:
            self.forwarded += 1
            self._sockets.add(upstream)
        answers = threading.Thread(target=self._pump, args=(upstream, client, None), name="relay-answers")
        answers.start()
        try:
            self._pump(client, upstream, hold)
            answers.join()
        finally:
            with self._lock:
                self._sockets.discard(upstream)
            upstream.close()

    def _pump(self, source: socket.socket, target: socket.socket, hold: _Hold | None) -> None:
        passed = 0
        try:
            while True:
                size = CHUNK
                if hold is not None and not hold.done:
                    if passed >= hold.after:
                        self.held.set()
                        self._go.wait()
                        hold.done = True
                    else:
                        size = min(CHUNK, hold.after - passed)
                data = source.recv(size)
                if not data:
                    break
                target.sendall(data)
                passed += len(data)
        except OSError:
            pass  # either side went away (reset, closed): the other is told below
        finally:
            with contextlib.suppress(OSError):
                target.shutdown(socket.SHUT_WR)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._go.set()
        self._server.shutdown()
        with self._lock:
            open_sockets = list(self._sockets)
        for each in open_sockets:
            # Wakes a pump blocked in recv, so every handler thread ends and is joined below.
            with contextlib.suppress(OSError):
                each.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        self._thread.join(timeout=10)


@contextmanager
def relay_to(upstream_url: str) -> Iterator[Relay]:
    relay = Relay(upstream_url)
    relay.start()
    try:
        yield relay
    finally:
        relay.close()
