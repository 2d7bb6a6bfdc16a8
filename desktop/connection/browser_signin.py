"""Team-server sign-in through the system browser (OAuth for native apps, RFC 8252, with PKCE).

1. The app listens on a free port of 127.0.0.1 and makes a PKCE pair: a random `code_verifier` it keeps,
   and its SHA-256 `code_challenge` it sends.
2. It opens the browser at the server's `/auth/oauth/sign-in` page (one button per provider), or
   straight at `/auth/oauth/{provider}/start` when the server offers only one, with
   `redirect_uri=http://127.0.0.1:PORT/callback`, the challenge and a random `state`.
3. After the provider's consent the server sends the browser back to that address with
   `?code=ONE_TIME&state=S`, or `?error=...&error_description=...&state=S`. A matching state proves the
   redirect answers this sign-in and not some other page's request.
4. The app trades the code and its verifier for a JWT (`POST /auth/oauth/exchange`): a code read from
   the browser's history, or by another program on this computer, is worthless without the verifier.

This module does steps 1 to 3 on the UI thread (the listener is Qt's); the exchange is network work
that the connection controller runs on a worker thread.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from urllib.parse import parse_qs, urlencode, urlsplit

from desktop.qt import QDesktopServices, QHostAddress, QObject, QTcpServer, QTcpSocket, QUrl, Signal

CALLBACK_PATH = "/callback"
OAUTH_PATH = "/auth/oauth"
_MAX_REQUEST_BYTES = 16_384
_PAGE = (
    "<!doctype html><meta charset=utf-8><title>Ascend AI</title>"
    "<body style='font-family:sans-serif;text-align:center;margin-top:15%'>"
    "<h1>{headline}</h1><p>{body}</p></body>"
)


def code_challenge(verifier: str) -> str:
    """RFC 7636's S256 challenge: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, slots=True)
class Pkce:
    # 48 random bytes make 64 characters of the unreserved set: inside RFC 7636's 43 to 128.
    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(48))

    @property
    def challenge(self) -> str:
        return code_challenge(self.verifier)


@dataclass(frozen=True, slots=True)
class AuthorizationCode:
    """What the loopback redirect delivered, with what the app needs to redeem it."""

    api_url: str
    code: str
    code_verifier: str


def sign_in_url(api_url: str, providers: Sequence[str], redirect_uri: str, pkce: Pkce, state: str) -> str:
    """The page to open in the browser: the provider itself when the server offers only one."""
    query = urlencode({"redirect_uri": redirect_uri, "code_challenge": pkce.challenge, "state": state})
    page = f"{providers[0]}/start" if len(providers) == 1 else "sign-in"
    return f"{api_url.rstrip('/')}{OAUTH_PATH}/{page}?{query}"


class BrowserSignIn(QObject):
    code_received = Signal(object)  # AuthorizationCode
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._server = QTcpServer(self)
        self._server.newConnection.connect(self._accept)
        self._buffers: dict[QTcpSocket, bytes] = {}
        self._api_url = ""
        self._state = ""
        self._pkce = Pkce()

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self._server.serverPort()}{CALLBACK_PATH}"

    @property
    def waiting(self) -> bool:
        """True from opening the browser until the browser comes back (or the sign-in is cancelled)."""
        return self._server.isListening()

    def start(self, api_url: str, providers: Sequence[str]) -> None:
        """Open the browser at the server's sign-in; every call starts afresh with a new state and PKCE."""
        if not providers:
            self.failed.emit(
                "This server doesn't offer sign-in with Google or GitHub. "
                "Paste a token from its administrator instead."
            )
            return
        if not self._server.isListening() and not self._server.listen(
            QHostAddress(QHostAddress.SpecialAddress.LocalHost), 0
        ):
            self.failed.emit("Ascend AI couldn't open a local port for the browser to return to.")
            return
        self._api_url = api_url.rstrip("/")
        self._state = secrets.token_urlsafe(24)
        self._pkce = Pkce()
        url = sign_in_url(self._api_url, providers, self.redirect_uri, self._pkce, self._state)
        if not QDesktopServices.openUrl(QUrl(url)):
            self.cancel()
            self.failed.emit("No web browser could be opened. Paste a token instead.")

    def cancel(self) -> None:
        """Stop waiting: a browser that comes back later finds nothing listening."""
        self._server.close()
        self._state = ""

    def _accept(self) -> None:
        while (socket := self._server.nextPendingConnection()) is not None:
            self._buffers[socket] = b""
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(lambda s=socket: self._forget(s))

    def _forget(self, socket: QTcpSocket) -> None:
        self._buffers.pop(socket, None)
        socket.deleteLater()

    def _read(self, socket: QTcpSocket) -> None:
        data = self._buffers.get(socket, b"") + bytes(socket.readAll().data())
        self._buffers[socket] = data
        if b"\r\n\r\n" not in data and len(data) < _MAX_REQUEST_BYTES:
            return
        request_line = data.split(b"\r\n", 1)[0].decode("latin-1")
        parts = request_line.split(" ")
        target = urlsplit(parts[1]) if len(parts) == 3 and parts[0] == "GET" else None
        if target is None or target.path != CALLBACK_PATH:
            self._respond(
                socket, "404 Not Found", "Not found", "This address only finishes an Ascend AI sign-in."
            )
            return
        query = {key: values[0] for key, values in parse_qs(target.query).items()}
        state = query.get("state", "")
        if not self._state or not secrets.compare_digest(state.encode(), self._state.encode()):
            # Another page's request, or a sign-in the app no longer waits for: keep waiting for ours.
            self._respond(
                socket, "400 Bad Request", "Sign-in didn't match", "Start the sign-in again from the app."
            )
            return
        code, error = query.get("code", ""), query.get("error", "")
        if not code and not error:
            self._respond(
                socket, "400 Bad Request", "Sign-in didn't finish", "Start the sign-in again from the app."
            )
            return
        self.cancel()
        if error:
            reason = _sentence(query.get("error_description", "")) or f"The server answered “{error}”."
            self._respond(socket, "200 OK", "You're not signed in", f"{reason} Go back to Ascend AI.")
            self.failed.emit(f"The sign-in didn't finish. {reason}")
            return
        self._respond(
            socket, "200 OK", "You're signed in", "You can close this tab and go back to Ascend AI."
        )
        self.code_received.emit(AuthorizationCode(self._api_url, code, self._pkce.verifier))

    def _respond(self, socket: QTcpSocket, status: str, headline: str, body: str) -> None:
        page = _PAGE.format(headline=escape(headline, quote=False), body=escape(body, quote=False)).encode()
        head = (
            f"HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n"
            f"Content-Length: {len(page)}\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        socket.write(head + page)
        socket.disconnectFromHost()


def _sentence(text: str) -> str:
    text = " ".join(text.split())[:300]
    if not text:
        return ""
    return text if text.endswith((".", "!", "?")) else f"{text}."
