"""What the desktop client does around a browser sign-in: PKCE, and a listener on a loopback port."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass(slots=True)
class Pkce:
    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(48))

    @property
    def challenge(self) -> str:
        digest = hashlib.sha256(self.verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass(slots=True)
class LoopbackListener:
    redirect_uri: str
    received: list[dict[str, str]] = field(default_factory=list)

    def last(self) -> dict[str, str]:
        assert self.received, "the browser never came back to the loopback redirect URI"
        return self.received[-1]


@contextmanager
def loopback_listener() -> Iterator[LoopbackListener]:
    received: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            target = urlsplit(self.path)
            if target.path == "/callback":
                received.append({key: values[0] for key, values in parse_qs(target.query).items()})
            body = b"You can close this tab and go back to Ascend AI."
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, name="loopback-listener", daemon=True)
    thread.start()
    try:
        yield LoopbackListener(
            redirect_uri=f"http://127.0.0.1:{server.server_address[1]}/callback", received=received
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
