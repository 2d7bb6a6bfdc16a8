"""A real HTTP server on 127.0.0.1 that answers with scripted replies, in turn.

Stands in for what cannot run here: the OpenAI cloud endpoint, and an inference server that is
rate-limiting, failing or hanging at a chosen moment. It speaks plain HTTP, so the providers'
real clients (httpx, the official openai client) talk to it exactly as to a real service.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    # Seconds to wait before answering: longer than the client's timeout makes a hang.
    delay: float = 0.0


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: Any
    received_at: float


def chat_completion(content: str | None, *, finish_reason: str = "stop", model: str = "test-model") -> Reply:
    """A 200 reply in the OpenAI chat-completions format."""
    return Reply(
        body={
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                    "finish_reason": finish_reason,
                    "logprobs": None,
                }
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        }
    )


def error_reply(status: int, message: str, *, headers: dict[str, str] | None = None) -> Reply:
    return Reply(
        status=status,
        body={"error": {"message": message, "type": "test_error", "param": None, "code": None}},
        headers=headers or {},
    )


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", "0"))
        raw = self.rfile.read(length)
        self.server.owner.record(
            RecordedRequest(
                path=self.path,
                headers={key.lower(): value for key, value in self.headers.items()},
                body=json.loads(raw) if raw else None,
                received_at=time.monotonic(),
            )
        )
        self._answer(self.server.owner.next_reply())

    def do_GET(self) -> None:
        self._answer(Reply(body={"object": "list", "data": []}))

    def _answer(self, reply: Reply) -> None:
        if reply.delay:
            if self.server.owner.released.wait(reply.delay):
                return
            # The client waited the whole delay out: a test of its timeout would want to know.
            self.server.owner.note_late_reply()
        payload = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
        try:
            self.send_response(reply.status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up waiting (a timeout under test); nobody is left to answer.
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, owner: ScriptedServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.owner = owner


class ScriptedServer:
    """Answers each POST with the next scripted reply; the last one repeats."""

    def __init__(self, replies: list[Reply]) -> None:
        if not replies:
            raise ValueError("script at least one reply")
        self._replies = list(replies)
        self._lock = threading.Lock()
        self.requests: list[RecordedRequest] = []
        # Delayed replies sent because the delay ran out (not cut short by the end of the test).
        self.late_replies = 0
        self.released = threading.Event()
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def note_late_reply(self) -> None:
        with self._lock:
            self.late_replies += 1

    def next_reply(self) -> Reply:
        with self._lock:
            return self._replies.pop(0) if len(self._replies) > 1 else self._replies[0]

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
