"""How steadily the language model judges one answer: the sample 60 s answer submitted again and again
to one session, each time transcribed and judged afresh, under the same question.

A small model's judgement varies from one run to the next (the agent samples at temperature 0.2); a
coach that scores the same answer 20 one time and 90 the next is no coach. Prints each report's STAR
quality and how long its feedback took, then a Markdown row of the spread.

    python -m bench.bench_judgement [--model default] [--runs 10] [--keep-logs DIR]

Run from the repository root with the models provisioned (`ASCEND_MODELS_DIR`, as in the Makefile).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_practice import EXAMPLES, WRITTEN_BY, start_stack

# A question the sample answer (a slow checkout API made fast) answers.
QUESTION = "Tell me about a time you made a slow system fast enough for a deadline."
WAIT_SECONDS = 900.0


def _judge_repeatedly(runs: int) -> list[tuple[float, float]]:
    """(STAR quality, seconds from submission to report) of each run, against the running stack."""
    # Imported here, as `ascend` does it: the runtime dir and the stack's data dir must be in the
    # environment before the client's modules read them.
    from bundled_services.cli import ensure_runtime_dir

    ensure_runtime_dir()
    from bundled_services.practice import PracticeClient, embedded_connection

    def quiet(_message: str) -> None:
        return None

    results: list[tuple[float, float]] = []
    with embedded_connection(quiet) as connection:
        client = PracticeClient(connection, quiet)
        try:
            resume_id = client.upload_resume(EXAMPLES / "resume.pdf")
            session_id = client.create_session(resume_id, (EXAMPLES / "job_description.txt").read_text())
            client.wait(f"/sessions/{session_id}", "status", "preparation", WAIT_SECONDS)
            for number in range(runs):
                started = time.monotonic()
                recording_id = client.submit_answer(session_id, QUESTION, EXAMPLES / "answer.wav")
                recording = client.wait(
                    f"/recordings/{recording_id}", "feedback_status", "feedback", WAIT_SECONDS
                )
                if recording["feedback_status"] != "complete":
                    raise SystemExit(f"run {number + 1}: {recording.get('failure_reason')}")
                seconds = time.monotonic() - started
                star = float(recording["feedback"]["star_quality"])
                print(f"run {number + 1}: STAR {star:.0f}, {seconds:.1f} s", file=sys.stderr)
                results.append((star, seconds))
        finally:
            client.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--model", choices=("default", "small"), default="default")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--keep-logs", type=Path, metavar="DIR", help="copy the stack's logs to DIR")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="ascend-bench-"))
    data_dir = root / "data"
    os.environ.update({"ASCEND_DATA_DIR": str(data_dir), "ASCEND_LLM_MODEL": args.model})
    serve = start_stack(data_dir, dict(os.environ))
    try:
        results = _judge_repeatedly(args.runs)
        worker_log = (data_dir / "logs" / "worker.log").read_text(errors="replace")
        found = WRITTEN_BY.finditer(worker_log)
        paths = [match.group(2) for match in found if match.group(1).startswith("feedback")]
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=120)
        if args.keep_logs is not None:
            shutil.copytree(data_dir / "logs", args.keep_logs, dirs_exist_ok=True)
        shutil.rmtree(root, ignore_errors=True)
    stars = [star for star, _ in results]
    print(f"\n### One answer judged {len(results)} times ({os.cpu_count()} cores)\n")
    print(
        "| language model | runs | STAR quality per run | median | lowest | feedback (median) "
        "| reports by the agent |"
    )
    print("|---|---:|---|---:|---:|---:|---:|")
    print(
        f"| {args.model} | {len(results)} | {', '.join(f'{star:.0f}' for star in stars)} "
        f"| {statistics.median(stars):.0f} | {min(stars):.0f} "
        f"| {statistics.median(seconds for _, seconds in results):.0f} s "
        f"| {paths.count('agent')} of {len(paths)} |"
    )


if __name__ == "__main__":
    main()
