"""`ascend self-test` from the checkout: what it accepts as a valid report, and stopping it midway."""

from __future__ import annotations

import copy
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from bundled_services.models import ModelSet
from bundled_services.self_test import SAMPLES_DIR, SelfTestError, validate_result
from tests.embedded.serve_process import postmaster_pid, process_alive, stack_environment

VALID: dict[str, Any] = {
    "questions": ["Tell me about a time you made a slow service fast."],
    "transcript": "Um, so our checkout API was slow, and I added an index to the orders table.",
    "feedback": {
        "overall_score": 71.5,
        "star_analysis": {
            "situation": "Clear: a slow checkout API under peak traffic.",
            "task": "Bring latency under 200 ms before the sale.",
            "action": "Profiled, fixed N+1 queries, added an index and a cache.",
            "result": "Latency fell to 180 ms and conversion rose.",
            "overall_assessment": "A complete STAR answer.",
        },
        "delivery_metrics": {
            "words_per_minute": 142.0,
            "pace_rating": 9.0,
            "filler_word_count": 4,
            "confidence_score": 7.5,
        },
        "recommendations": ["Open with the result's numbers."],
    },
}


def test_the_samples_the_self_test_coaches_are_shipped() -> None:
    for name in ("resume.pdf", "job_description.txt", "answer.wav"):
        assert (SAMPLES_DIR / name).is_file()


def test_a_complete_report_is_valid() -> None:
    validate_result(VALID)


@pytest.mark.parametrize(
    ("path", "value", "complaint"),
    [
        (("questions",), [], "no generated questions"),
        (("transcript",), "", "transcript"),
        (("transcript",), "Thank you for watching.", "lacks"),
        (("feedback",), None, "no feedback report"),
        (("feedback", "overall_score"), 130, "outside"),
        (("feedback", "overall_score"), float("nan"), "not a number"),
        (("feedback", "star_analysis", "result"), "  ", "result"),
        (("feedback", "delivery_metrics", "filler_word_count"), -1, "filler_word_count"),
        (("feedback", "delivery_metrics", "pace_rating"), True, "not a number"),
        (("feedback", "recommendations"), [], "no recommendations"),
    ],
)
def test_an_incomplete_report_fails_naming_what_is_wrong(
    path: tuple[str, ...], value: object, complaint: str
) -> None:
    result = copy.deepcopy(VALID)
    target = result
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(SelfTestError, match=complaint):
        validate_result(result)


def test_stopping_the_self_test_midway_stops_everything_it_started(provisioned: ModelSet) -> None:
    # Short and under /tmp: PostgreSQL's socket lives in the data dir.
    data_dir = Path(tempfile.mkdtemp(prefix="ascend-st-"))
    env = stack_environment(data_dir)
    process = subprocess.Popen(
        [sys.executable, "-m", "bundled_services.cli", "self-test", "--data-dir", str(data_dir)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    seen = []
    deadline = time.monotonic() + 240
    for line in process.stderr:
        seen.append(line)
        if "Starting the job broker" in line or time.monotonic() > deadline:
            break
    children = psutil.Process(process.pid).children(recursive=True)
    postgres = postmaster_pid(data_dir)
    assert children, "".join(seen)
    process.send_signal(signal.SIGTERM)
    _out, rest = process.communicate(timeout=120)
    assert process.returncode == 130, "".join(seen) + rest
    assert "stopped before it finished" in rest
    _gone, alive = psutil.wait_procs(children, timeout=30)
    assert not alive, f"left running: {[p.pid for p in alive]}"
    assert postgres is not None
    assert not process_alive(postgres), "PostgreSQL was left running"
    shutil.rmtree(data_dir, ignore_errors=True)
