"""The speech-to-text service (`python -m bundled_services.whisper_service`) on loopback."""

from __future__ import annotations

import signal
from dataclasses import dataclass
from pathlib import Path

from bundled_services.launchers.process import LOOPBACK, ManagedProcess, http_ok, start_on_free_port
from bundled_services.python_command import module_command

START_TIMEOUT_SECONDS = 120.0


@dataclass(slots=True)
class SpeechServerHandle:
    transcribe_url: str
    port: int
    process: ManagedProcess

    def answers(self) -> bool:
        return http_ok(self.port, "/health")

    def wait_ready(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        """Returns once the model is loaded; stops the process if it never gets there."""
        self.process.wait_ready_or_stop(self.answers, timeout=timeout, interval=0.25)

    def stop(self) -> None:
        self.process.stop()


def spawn_speech_server(
    model_path: Path, log_path: Path, *, port: int, threads: int | None = None
) -> SpeechServerHandle:
    """Start the process without waiting for its model to load (see `SpeechServerHandle.wait_ready`)."""
    if not model_path.is_file():
        raise FileNotFoundError(f"speech model not found: {model_path}")
    argv = [
        *module_command("bundled_services.whisper_service"),
        "--host", LOOPBACK, "--port", str(port), "--model", str(model_path),
    ]  # fmt: skip
    if threads is not None:
        argv += ["--threads", str(threads)]
    # Like the language model: a transcription in flight has no reader once the supervisor is gone.
    process = ManagedProcess(
        "speech recognition", argv, log_path=log_path, parent_death_signal=signal.SIGKILL
    )
    process.start()
    return SpeechServerHandle(
        transcribe_url=f"http://{LOOPBACK}:{port}/transcribe", port=port, process=process
    )


def start_speech_server(
    model_path: Path, log_path: Path, *, port: int | None = None, threads: int | None = None
) -> SpeechServerHandle:
    def launch(chosen: int) -> SpeechServerHandle:
        handle = spawn_speech_server(model_path, log_path, port=chosen, threads=threads)
        handle.wait_ready()
        return handle

    return start_on_free_port(launch, port)
