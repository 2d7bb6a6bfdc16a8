"""llama.cpp's OpenAI-compatible server (`python -m bundled_services.llm_service`: llama-cpp-python's
server with grammar-checked sampling and kept opening turns) on loopback."""

from __future__ import annotations

import signal
from dataclasses import dataclass
from pathlib import Path

from bundled_services.launchers.process import LOOPBACK, ManagedProcess, http_ok, start_on_free_port
from bundled_services.python_command import module_command

# Loading a 1 GB GGUF from a cold disk cache takes a while on a laptop.
START_TIMEOUT_SECONDS = 180.0
# The report agent's last call outgrows 4,096 tokens, and a judgement cut off by a full context is
# none (docs/embedded-stack.md#why-these-limits).
CONTEXT_TOKENS = 8192


@dataclass(slots=True)
class LLMServerHandle:
    api_base: str
    model_alias: str
    port: int
    process: ManagedProcess

    def answers(self) -> bool:
        return http_ok(self.port, "/v1/models")

    def wait_ready(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        """Returns once the model is loaded; stops the process if it never gets there."""
        self.process.wait_ready_or_stop(self.answers, timeout=timeout, interval=0.25)

    def stop(self) -> None:
        self.process.stop()


def llm_server_process(
    model_path: Path, log_path: Path, *, port: int, model_alias: str, threads: int | None = None
) -> ManagedProcess:
    argv = [
        *module_command("bundled_services.llm_service"),
        "--model", str(model_path),
        "--model_alias", model_alias,
        "--host", LOOPBACK,
        "--port", str(port),
        "--n_ctx", str(CONTEXT_TOKENS),
        # The server's default keeps the scores of every position it reads (152k floats a token:
        # 600 KB copied per prompt token, up to 5 GB at 8,192) for logprobs, which Ascend never asks
        # for; off, a prompt costs less and the server checks prompt-lookup guesses (`prompt_lookup`).
        "--logits_all", "False",
    ]  # fmt: skip
    if threads is not None:
        argv += ["--n_threads", str(threads)]
    # Left to a SIGTERM, the server first finishes the request in flight, a prompt nobody will read
    # the answer to (a minute of both cores on a busy laptop), before it lets go of 2 GB of memory.
    return ManagedProcess("language model", argv, log_path=log_path, parent_death_signal=signal.SIGKILL)


def spawn_llm_server(
    model_path: Path, log_path: Path, *, port: int, model_alias: str, threads: int | None = None
) -> LLMServerHandle:
    """Start the process without waiting for the model to load (see `LLMServerHandle.wait_ready`)."""
    if not model_path.is_file():
        raise FileNotFoundError(f"language model not found: {model_path}")
    process = llm_server_process(model_path, log_path, port=port, model_alias=model_alias, threads=threads)
    process.start()
    return LLMServerHandle(
        api_base=f"http://{LOOPBACK}:{port}/v1", model_alias=model_alias, port=port, process=process
    )


def start_llm_server(
    model_path: Path, log_path: Path, *, model_alias: str, port: int | None = None, threads: int | None = None
) -> LLMServerHandle:
    def launch(chosen: int) -> LLMServerHandle:
        handle = spawn_llm_server(model_path, log_path, port=chosen, model_alias=model_alias, threads=threads)
        handle.wait_ready()
        return handle

    return start_on_free_port(launch, port)
