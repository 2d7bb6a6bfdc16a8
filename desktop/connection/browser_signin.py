"""Team-server sign-in through the system browser, finished by a redirect to a loopback port.

The app listens on 127.0.0.1 on a free port and opens the server's sign-in page with that address as
`redirect_uri` and a random `state`. After the OAuth dance the server redirects the browser to
`http://127.0.0.1:PORT/callback?state=...&token=...`; a matching state proves the redirect answers
this sign-in and not some other page's request.
"""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

from desktop.qt import QDesktopServices, QHostAddress, QObject, QTcpServer, QTcpSocket, QUrl, Signal

CALLBACK_PATH = "/callback"
SIGN_IN_PATH = "/auth/desktop/sign-in"
_MAX_REQUEST_BYTES = 16_384
_PAGE = (
    "<!doctype html><meta charset=utf-8><title>Ascend AI</title>"
    "<body style='font-family:sans-serif;text-align:center;margin-top:15%'>"
    "<h1>{headline}</h1><p>{body}</p></body>"
)


def server_root(api_url: str) -> str:
    root = api_url.rstrip("/")
    return root.removesuffix("/api/v1")


class BrowserSignIn(QObject):
    token_received = Signal(str)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._server = QTcpServer(self)
        self._server.newConnection.connect(self._accept)
        self._state = ""
        self._buffers: dict[QTcpSocket, bytes] = {}

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self._server.serverPort()}{CALLBACK_PATH}"

    def sign_in_url(self, api_url: str) -> str:
        query = urlencode({"redirect_uri": self.redirect_uri, "state": self._state})
        return f"{server_root(api_url)}{SIGN_IN_PATH}?{query}"

    def listen(self) -> bool:
        self._state = secrets.token_urlsafe(24)
        if self._server.isListening():
            return True
        return self._server.listen(QHostAddress(QHostAddress.SpecialAddress.LocalHost), 0)

    def start(self, api_url: str) -> None:
        if not self.listen():
            self.failed.emit("Ascend AI couldn't open a local port for the browser to return to.")
            return
        if not QDesktopServices.openUrl(QUrl(self.sign_in_url(api_url))):
            self.failed.emit("No web browser could be opened. Paste a token instead.")

    def close(self) -> None:
        self._server.close()

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
        query = parse_qs(target.query)
        state = query.get("state", [""])[0]
        token = query.get("token", [""])[0]
        if not secrets.compare_digest(state, self._state) or not token:
            self._respond(
                socket, "400 Bad Request", "Sign-in didn't match", "Start the sign-in again from the app."
            )
            return
        self._respond(
            socket, "200 OK", "You're signed in", "You can close this tab and go back to Ascend AI."
        )
        self._server.close()
        self.token_received.emit(token)

    def _respond(self, socket: QTcpSocket, status: str, headline: str, body: str) -> None:
        page = _PAGE.format(headline=headline, body=body).encode()
        head = (
            f"HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n"
            f"Content-Length: {len(page)}\r\nConnection: close\r\n\r\n"
        ).encode()
        socket.write(head + page)
        socket.disconnectFromHost()
