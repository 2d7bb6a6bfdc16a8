"""Privacy, proven: the whole coaching workflow runs with no way off the machine, and tries none.

`ascend practice` starts the embedded stack on a fresh data dir (models checked, database made,
every service started), uploads the example resume and job description,
gets a gap analysis and interview questions, submits the 60-second example answer, and prints the
feedback report: all inside a network namespace whose only way out is a sinkhole that counts packets
(see `netns`). Meanwhile every internet socket of every process is recorded (see `socket_audit`).
Passing means the report was made, no packet was even sent towards another machine, every socket
was on 127.0.0.1, and no log quotes the resume, the job description, the questions or the transcript.

The one test here that runs the language model (the small one), so the slowest: minutes on two cores,
most of them in the model's schema-constrained generations. The knowledge base is marked as seeded
(embedding every guide would add a minute; the embedding model itself still runs here, offline, for
the gap analysis and the feedback's knowledge search).
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.embedded.conftest import skip_seeding
from tests.embedded.netns import isolated_namespace
from tests.embedded.serve_process import EXAMPLES, REPO_ROOT, ascend_command, stack_environment

# The audited practice took 2 min on a quiet 2-core machine; a hang must end in pytest's report.
PRACTICE_TIMEOUT_SECONDS = 1200


def _run_to_the_end(command: list[str], env: dict[str, str], scratch: Path) -> tuple[int, str, str]:
    """Run the audited practice; past the time limit, stop it the way Ctrl-C would (so it stops the
    stack it started) rather than kill it and leave the services running in the namespace."""
    stdout_path, stderr_path = scratch / "practice.out", scratch / "practice.err"
    with stdout_path.open("w") as stdout, stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            command, env=env, cwd=REPO_ROOT, stdout=stdout, stderr=stderr, start_new_session=True
        )
        try:
            process.wait(timeout=PRACTICE_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGINT)
            process.wait(timeout=120)
            raise AssertionError(
                f"the practice flow took over {PRACTICE_TIMEOUT_SECONDS}s:\n{stderr_path.read_text()[-3000:]}"
            ) from None
    return process.returncode, stdout_path.read_text(), stderr_path.read_text()


def _is_loopback(address: str) -> bool:
    host = address.rsplit(":", 1)[0]
    return ipaddress.ip_address(host).is_loopback


@pytest.mark.timeout(PRACTICE_TIMEOUT_SECONDS + 60)
def test_the_whole_practice_flow_runs_offline_on_loopback_only(scratch: Path) -> None:
    data_dir = scratch / "offline"
    skip_seeding(data_dir)
    report_path = scratch / "sockets.json"
    env = stack_environment(data_dir)
    practice = ascend_command(
        "practice",
        "--resume", str(EXAMPLES / "resume.pdf"),
        "--jd", str(EXAMPLES / "job_description.txt"),
        "--answer", str(EXAMPLES / "answer.wav"),
        "--json",
    )  # fmt: skip
    audited = [
        sys.executable, "-m", "tests.embedded.socket_audit",
        "--out", str(report_path), "--pgdata", str(data_dir / "postgres"), "--", *practice,
    ]  # fmt: skip

    with isolated_namespace() as namespace:
        assert sorted(namespace.interfaces()) == ["lo:127.0.0.1", "sink0:10.254.0.1"]
        returncode, stdout, stderr = _run_to_the_end(namespace.command(audited), env, scratch)
        packets_off_machine = namespace.sinkhole_packets()

    assert returncode == 0, stderr[-4000:]
    report = json.loads(stdout.strip().splitlines()[-1])
    assert set(report) >= {
        "session_id",
        "gap_analysis",
        "questions",
        "recording_id",
        "transcript",
        "feedback",
    }
    assert report["gap_analysis"]["requirements"]
    assert 3 <= len(report["questions"]) <= 10
    assert re.search(r"\b(um|uh)\b", report["transcript"], re.IGNORECASE), report["transcript"]
    feedback = report["feedback"]
    assert 0 <= feedback["overall_score"] <= 100
    assert 3 <= len(feedback["recommendations"]) <= 5
    assert feedback["delivery_metrics"]["filler_word_count"] > 0
    # The progress shows the stack was started by this command, inside the namespace.
    assert "Starting the database" in stderr

    assert packets_off_machine == 0, "something tried to reach another machine"
    audit = json.loads(report_path.read_text())
    sockets = audit["sockets"]
    strays = [
        s for s in sockets if not _is_loopback(s["local"]) or (s["remote"] and not _is_loopback(s["remote"]))
    ]
    assert strays == []
    listening = {s["local"] for s in sockets if s["status"] == "LISTEN"}
    assert all(address.startswith("127.0.0.1:") for address in listening)
    # The audit did see the stack: the API, broker, file store, speech and language model servers.
    assert len(listening) >= 5, sockets
    assert audit["samples"] > 100

    # What the candidate gave and got stays in the database: no log line quotes any of it.
    private = [
        (EXAMPLES / "resume.txt").read_text(),
        (EXAMPLES / "job_description.txt").read_text(),
        report["transcript"],
        *report["questions"],
    ]
    quoted = _quoted_in_logs(private, data_dir / "logs")
    assert quoted == [], quoted[:10]


WINDOW_WORDS = 6


def _windows(text: str) -> set[str]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {" ".join(words[i : i + WINDOW_WORDS]) for i in range(len(words) - WINDOW_WORDS + 1)}


def _quoted_in_logs(texts: list[str], logs: Path) -> list[tuple[str, str]]:
    """(log file, six words in a row) for every private text's six words found in a log."""
    fragments = set().union(*(_windows(text) for text in texts))
    found: list[tuple[str, str]] = []
    for log in sorted(logs.rglob("*")):
        if log.is_file():
            said = _windows(log.read_text(errors="replace"))
            found.extend((log.name, fragment) for fragment in sorted(fragments & said))
    return found
