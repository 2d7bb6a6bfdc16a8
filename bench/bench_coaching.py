"""Benchmark the coaching jobs on the embedded stack: question sets, feedback reports, agent success.

    .venv/bin/python -m bench.bench_coaching [--runs 3] [--model default|small]

Starts `EmbeddedStack` in a temporary data dir (models from ASCEND_MODELS_DIR), then per run:
creates a session for the sample resume and job description and times it until its gap analysis
and questions are written; submits the sample 60 s answer and times it until its feedback report is
written (transcription included). Reports medians, and which path (agent or fallback) wrote each
report, as a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from bundled_services.local_user import mint_local_token
from bundled_services.supervisor import DATABASE_NAME, EmbeddedStack

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def wait(client: httpx.Client, path: str, field: str, timeout: float = 1800) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body: dict[str, object] = client.get(path).raise_for_status().json()
        if body[field] in ("complete", "failed"):
            return body
        time.sleep(0.5)
    raise TimeoutError(path)


def one_run(client: httpx.Client) -> tuple[float, float, bool]:
    with (EXAMPLES / "resume.pdf").open("rb") as resume:
        resume_id = client.post("/resumes", files={"file": ("resume.pdf", resume, "application/pdf")}).json()[
            "resume_id"
        ]
    started = time.monotonic()
    session_id = client.post(
        "/sessions",
        json={"resume_id": resume_id, "job_description": (EXAMPLES / "job_description.txt").read_text()},
    ).json()["session_id"]
    session = wait(client, f"/sessions/{session_id}", "status")
    questions_seconds = time.monotonic() - started
    questions = session["generated_questions"]
    assert isinstance(questions, list)
    question = str(questions[0]) if questions else "Tell me about a time you improved a system's performance."
    started = time.monotonic()
    with (EXAMPLES / "answer.wav").open("rb") as audio:
        recording_id = client.post(
            f"/sessions/{session_id}/recordings",
            data={"question": question},
            files={"audio": ("answer.wav", audio, "audio/wav")},
        ).json()["recording_id"]
    recording = wait(client, f"/recordings/{recording_id}", "feedback_status")
    return questions_seconds, time.monotonic() - started, recording["feedback_status"] == "complete"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--model", choices=("default", "small"), default="default")
    args = parser.parse_args()
    os.environ["ASCEND_LLM_MODEL"] = args.model
    with tempfile.TemporaryDirectory(prefix="ascend-bench-") as data_dir:
        Path(data_dir).chmod(0o755)  # the embedded PostgreSQL runs as another user when this runs as root
        stack = EmbeddedStack(data_dir=Path(data_dir), on_progress=lambda message: print(f"… {message}"))
        stack.start()
        try:
            token = mint_local_token({**os.environ, **stack.server_env})
            client = httpx.Client(
                base_url=stack.api_url, headers={"Authorization": f"Bearer {token}"}, timeout=120
            )
            results = [one_run(client) for _ in range(args.runs)]
            assert stack.postgres is not None
            paths = stack.postgres.psql(
                "SELECT generated_by, count(*) FROM feedback GROUP BY 1 ORDER BY 1", database=DATABASE_NAME
            ).split()
        finally:
            stack.stop()
    question_times = [result[0] for result in results]
    feedback_times = [result[1] for result in results]
    print("\n| model | runs | question set (gap analysis + questions), median s | feedback (transcription + "
          "report), median s | reports complete | written by |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    print(
        f"| {args.model} | {args.runs} | {statistics.median(question_times):.0f} | "
        f"{statistics.median(feedback_times):.0f} | {sum(result[2] for result in results)}/{args.runs} | "
        f"{', '.join(paths) or 'none'} |"
    )


if __name__ == "__main__":
    main()
