"""The speech-to-text service (`python -m bundled_services.whisper_service`) on loopback."""

from __future__ import annotations

import http.client
import sys
from dataclasses import dataclass
from pathlib import Path

from bundled_services.launchers.process import LOOPBACK, ManagedProcess, free_port

START_TIMEOUT_SECONDS = 120.0


@dataclass(slots=True)
class SpeechServerHandle:
    transcribe_url: str
    process: ManagedProcess

    def stop(self) -> None:
        self.process.stop()


def _healthy(port: int) -> bool:
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=2)
    try:
        connection.request("GET", "/health")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def start_speech_server(
    model_path: Path, log_path: Path, *, port: int | None = None, threads: int | None = None
) -> SpeechServerHandle:
    if not model_path.is_file():
        raise FileNotFoundError(f"speech model not found: {model_path}")
    chosen = port or free_port()
    argv = [
        sys.executable, "-m", "bundled_services.whisper_service",
        "--host", LOOPBACK, "--port", str(chosen), "--model", str(model_path),
    ]  # fmt: skip
    if threads is not None:
        argv += ["--threads", str(threads)]
    process = ManagedProcess("speech recognition", argv, log_path=log_path)
    process.start()
    try:
        process.wait_ready(lambda: _healthy(chosen), timeout=START_TIMEOUT_SECONDS, interval=0.25)
    except BaseException:
        process.stop()
        raise
    return SpeechServerHandle(transcribe_url=f"http://{LOOPBACK}:{chosen}/transcribe", process=process)
