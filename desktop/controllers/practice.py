"""Starting a practice: check the resume and job description, upload, ask for the analysis and questions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from app.schemas.history import ResumeSummary
from desktop.api.errors import UserFacingError
from desktop.context import AppContext
from desktop.limits import job_description_problem, resume_problem
from desktop.qt import QObject, Signal
from desktop.tasks import CancelToken, Progress, TaskHandle, simple

MAX_TEXT_FILE_BYTES = 1024 * 1024
UPLOAD_STEPS = 3


@dataclass(frozen=True, slots=True)
class ResumeCheck:
    path: Path
    size: int
    problem: str | None


@dataclass(frozen=True, slots=True)
class PracticeStarted:
    resume_id: UUID
    session_id: UUID
    job_description: str


def read_text_file(path: Path) -> str:
    if path.stat().st_size > MAX_TEXT_FILE_BYTES:
        raise UserFacingError(f"“{path.name}” is too large to be a job description.")
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


class PracticeController(QObject):
    resumes_loaded = Signal(list)
    resume_checked = Signal(object)  # ResumeCheck
    job_description_loaded = Signal(str)
    step = Signal(str)
    upload_progress = Signal(int, int)
    started = Signal(object)  # PracticeStarted
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self._context = context
        self._running: TaskHandle | None = None

    @property
    def busy(self) -> bool:
        return self._running is not None

    def load_resumes(self) -> None:
        def fetch() -> list[ResumeSummary]:
            return self._context.client().resumes()

        self._context.runner.submit(simple(fetch), self.resumes_loaded.emit, self.failed.emit)

    def check_resume(self, path: Path) -> None:
        def check() -> ResumeCheck:
            size = path.stat().st_size
            return ResumeCheck(path, size, resume_problem(path, size))

        self._context.runner.submit(simple(check), self.resume_checked.emit, self.failed.emit)

    def load_job_description(self, path: Path) -> None:
        self._context.runner.submit(
            simple(lambda: read_text_file(path)), self.job_description_loaded.emit, self.failed.emit
        )

    def start(self, resume: Path | UUID, job_description: str) -> None:
        """Upload the resume (unless it is one already on the server), then start a session.

        The session's job writes the gap analysis first and the questions after it.
        """
        problem = job_description_problem(job_description)
        if problem:
            self.failed.emit(problem)
            return
        text = job_description.strip()
        context = self._context

        def work(token: CancelToken, progress: Progress) -> PracticeStarted:
            client = context.client()
            if isinstance(resume, Path):
                size = resume.stat().st_size
                if issue := resume_problem(resume, size):
                    raise UserFacingError(issue)
                self.step.emit(f"Uploading {resume.name}")
                resume_id = client.upload_resume(resume, progress, lambda: token.cancelled).resume_id
            else:
                resume_id = resume
            token.raise_if_cancelled()
            self.step.emit("Asking for a gap analysis and interview questions")
            session_id = client.create_session(resume_id, text).session_id
            return PracticeStarted(resume_id, session_id, text)

        handle = context.runner.submit(
            work,
            self._done,
            self._failed,
            on_progress=self.upload_progress.emit,
            on_cancelled=self._cancelled,
        )
        self._running = handle

    def cancel(self) -> None:
        if self._running is not None:
            self._running.cancel()

    def _done(self, started: PracticeStarted) -> None:
        self._running = None
        self.started.emit(started)

    def _failed(self, message: str) -> None:
        self._running = None
        self.failed.emit(message)

    def _cancelled(self) -> None:
        self._running = None
        self.cancelled.emit()
