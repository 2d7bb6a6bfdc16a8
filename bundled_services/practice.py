"""`ascend practice`: the whole coaching workflow through the HTTP API, from the command line.

Upload the resume, open a session for the job description (gap analysis and questions), answer
one question with a recorded file, wait for transcription and feedback, print the report. It uses
the embedded stack already running on this data dir, starts one for the duration of the command,
or talks to `--api-url` with `--token`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bundled_services import paths
from bundled_services.instance_lock import AlreadyRunningError
from bundled_services.launchers.process import ServiceStartError
from bundled_services.local_user import mint_local_token
from bundled_services.supervisor.serve import handle_stop_signals
from bundled_services.supervisor.stack import API_URL_FILE, SERVER_ENV_FILE, EmbeddedStack, StopRequested

# Each wait ends on average half a poll after the job does; the API answers a poll in milliseconds.
POLL_SECONDS = 0.5
SESSION_TIMEOUT_SECONDS = 30 * 60
FEEDBACK_TIMEOUT_SECONDS = 30 * 60
TERMINAL = ("complete", "failed")

CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".webm": "audio/webm",
}


class PracticeError(RuntimeError):
    """Something the user should read: what failed, in a sentence."""


@dataclass(frozen=True, slots=True)
class Connection:
    api_url: str
    token: str


def _server_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    for line in (data_dir / SERVER_ENV_FILE).read_text().splitlines():
        key, _, value = line.partition("=")
        env[key] = value
    return env


@contextmanager
def embedded_connection(say: Callable[[str], None]) -> Iterator[Connection]:
    """The running embedded stack of this data dir, or one started for this command."""
    data_dir = paths.data_dir()
    stack = EmbeddedStack(data_dir=data_dir, on_progress=say)
    # Ctrl-C or SIGTERM stop the services this command started instead of leaving them running.
    handle_stop_signals(stack, interrupt_running=True)
    try:
        stack.start()
    except AlreadyRunningError:
        url_file = data_dir / API_URL_FILE
        if not url_file.exists():
            raise PracticeError("Ascend AI is starting up in another window; try again in a moment") from None
        say("Using the Ascend AI already running on this computer")
        yield Connection(url_file.read_text().strip(), mint_local_token(_server_env(data_dir)))
        return
    except ServiceStartError as exc:
        raise PracticeError(f"the services did not start: {exc}") from exc
    try:
        yield Connection(stack.api_url, mint_local_token(_child_env(stack)))
    finally:
        say("Stopping the services")
        stack.stop()


def _child_env(stack: EmbeddedStack) -> dict[str, str]:
    return {**os.environ, **stack.server_env}


class PracticeClient:
    def __init__(self, connection: Connection, say: Callable[[str], None]) -> None:
        self._http = httpx.Client(
            base_url=connection.api_url.rstrip("/"),
            headers={"Authorization": f"Bearer {connection.token}"},
            timeout=httpx.Timeout(120.0, connect=10.0),
        )
        self._say = say

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise PracticeError(f"could not reach the API at {self._http.base_url}: {exc}") from exc
        if response.status_code >= 400:
            raise PracticeError(f"{method} {path} failed ({response.status_code}): {_detail(response)}")
        return response.json()

    def upload_resume(self, path: Path) -> str:
        with path.open("rb") as handle:
            body = self._call("POST", "/resumes", files={"file": (path.name, handle, _content_type(path))})
        return str(body["resume_id"])

    def create_session(self, resume_id: str, job_description: str) -> str:
        body = self._call(
            "POST", "/sessions", json={"resume_id": resume_id, "job_description": job_description}
        )
        return str(body["session_id"])

    def submit_answer(self, session_id: str, question: str, audio: Path) -> str:
        with audio.open("rb") as handle:
            body = self._call(
                "POST",
                f"/sessions/{session_id}/recordings",
                data={"question": question},
                files={"audio": (audio.name, handle, _content_type(audio))},
            )
        return str(body["recording_id"])

    def wait(self, path: str, field: str, what: str, timeout: float) -> dict[str, Any]:
        started = time.monotonic()
        last = ""
        while True:
            body: dict[str, Any] = self._call("GET", path)
            state = str(body[field])
            if state in TERMINAL:
                return body
            elapsed = time.monotonic() - started
            if elapsed > timeout:
                raise PracticeError(f"{what} did not finish within {timeout / 60:.0f} minutes")
            if state != last:
                self._say(f"{what}: {state}")
                last = state
            time.sleep(POLL_SECONDS)


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    detail = body.get("detail") if isinstance(body, dict) else None
    return json.dumps(detail) if isinstance(detail, list) else str(detail)


def _content_type(path: Path) -> str:
    return CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")


def choose_question(questions: list[str], number: int | None, own: str | None) -> str:
    if own:
        return own
    if not questions:
        raise PracticeError("the session has no generated questions; pass --question-text")
    index = (number or 1) - 1
    if not 0 <= index < len(questions):
        raise PracticeError(f"--question must be between 1 and {len(questions)}")
    return questions[index]


def run_practice(
    args: argparse.Namespace, connection: Connection, say: Callable[[str], None]
) -> dict[str, Any]:
    client = PracticeClient(connection, say)
    try:
        say(f"Uploading {args.resume.name}")
        resume_id = client.upload_resume(args.resume)
        say("Analysing your fit for the job and writing the interview")
        session_id = client.create_session(resume_id, args.jd.read_text(encoding="utf-8"))
        session = client.wait(
            f"/sessions/{session_id}", "status", "Interview preparation", SESSION_TIMEOUT_SECONDS
        )
        if session["status"] == "failed":
            raise PracticeError(f"the interview could not be prepared: {session.get('failure_reason')}")
        question = choose_question(session["generated_questions"], args.question, args.question_text)
        say(f"Answering: {question}")
        recording_id = client.submit_answer(session_id, question, args.answer)
        recording = client.wait(
            f"/recordings/{recording_id}", "feedback_status", "Your answer", FEEDBACK_TIMEOUT_SECONDS
        )
        if recording["feedback_status"] == "failed":
            raise PracticeError(f"the answer could not be analysed: {recording.get('failure_reason')}")
        session = client.wait(f"/sessions/{session_id}", "status", "Session", SESSION_TIMEOUT_SECONDS)
    finally:
        client.close()
    return {
        "session_id": session_id,
        "gap_analysis": session.get("gap_analysis"),
        "questions": session["generated_questions"],
        "recording_id": recording_id,
        "question": question,
        "transcript": recording["transcript"],
        "feedback": recording["feedback"],
    }


def format_report(result: dict[str, Any]) -> str:
    lines: list[str] = []
    gap = result.get("gap_analysis") or {}
    if gap:
        lines += [f"GAP ANALYSIS: match {gap['match_score']:.0f}%", gap["summary"]]
        for item in gap["requirements"]:
            mark = {"met": "+", "partial": "~", "missing": "-"}[item["status"]]
            evidence = f'  ("{item["evidence"]}")' if item.get("evidence") else ""
            lines.append(f"  [{mark}] {item['requirement']}{evidence}")
        lines += ["Resume suggestions:", *(f"  - {tip}" for tip in gap["resume_suggestions"]), ""]
    lines += ["INTERVIEW QUESTIONS:", *(f"  {n}. {q}" for n, q in enumerate(result["questions"], 1)), ""]
    feedback = result["feedback"]
    star = feedback["star_analysis"]
    delivery = feedback["delivery_metrics"]
    lines += [
        f"QUESTION: {result['question']}",
        f"TRANSCRIPT: {result['transcript']}",
        "",
        f"OVERALL SCORE: {feedback['overall_score']:.0f}/100",
        f"STAR ({feedback.get('star_quality') or 0:.0f}/100)",
        f"  Situation: {star['situation']}",
        f"  Task:      {star['task']}",
        f"  Action:    {star['action']}",
        f"  Result:    {star['result']}",
        f"  Overall:   {star['overall_assessment']}",
        "DELIVERY",
        f"  Pace: {delivery['words_per_minute']:.0f} words per minute (ideal 140-160), "
        f"rating {delivery['pace_rating']:.1f}/10",
        f"  Filler words: {delivery['filler_word_count']}",
        f"  Confidence: {delivery['confidence_score']:.1f}/10",
        "RECOMMENDATIONS",
        *(f"  - {tip}" for tip in feedback["recommendations"]),
    ]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ascend practice", description="Practise one interview answer")
    parser.add_argument("--resume", type=Path, required=True, help="your resume (PDF or DOCX)")
    parser.add_argument("--jd", type=Path, required=True, help="the job description (a text file)")
    parser.add_argument("--answer", type=Path, required=True, help="your recorded answer (wav/mp3/m4a/webm)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--question", type=int, default=None, help="answer generated question N (default 1)")
    which.add_argument("--question-text", default=None, help="answer a question of your own")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON line")
    parser.add_argument(
        "--api-url", default=None, help="a running server's API, e.g. http://host:8000/api/v1"
    )
    parser.add_argument(
        "--token", default=os.environ.get("ASCEND_TOKEN"), help="JWT for --api-url [ASCEND_TOKEN]"
    )
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    for path in (args.resume, args.jd, args.answer):
        if not path.is_file():
            print(f"ascend practice: {path} is not a file", file=sys.stderr)
            return 2
    if args.api_url and not args.token:
        print("ascend practice: --api-url needs --token (or ASCEND_TOKEN)", file=sys.stderr)
        return 2

    def say(message: str) -> None:
        print(f"… {message}", file=sys.stderr, flush=True)

    try:
        if args.api_url:
            result = run_practice(args, Connection(args.api_url, args.token), say)
        else:
            with embedded_connection(say) as connection:
                result = run_practice(args, connection, say)
    except PracticeError as exc:
        print(f"ascend practice: {exc}", file=sys.stderr)
        return 1
    except StopRequested:
        print("ascend practice: stopped", file=sys.stderr)
        return 130
    print(json.dumps(result) if args.json else format_report(result), flush=True)
    return 0
