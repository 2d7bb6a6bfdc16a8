"""New practice: a resume (new file or one already uploaded) and a job description, checked up front."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from app.schemas.history import ResumeSummary
from desktop.controllers.practice import ResumeCheck
from desktop.limits import (
    JOB_DESCRIPTION_MAX_CHARS,
    JOB_DESCRIPTION_MIN_CHARS,
    MAX_RESUME_MB,
    MEGABYTE,
    job_description_problem,
)
from desktop.qt import QComboBox, QFileDialog, QHBoxLayout, QPlainTextEdit, QRadioButton, Signal
from desktop.text_analysis import RANGE_DASH
from desktop.views import style
from desktop.views.formatting import when
from desktop.views.widgets import Banner, BusyRow, Card, Page, button, label


class PracticeView(Page):
    resume_chosen = Signal(object)  # Path
    job_file_chosen = Signal(object)  # Path
    start_requested = Signal(object, str)  # Path | UUID, job description
    cancel_requested = Signal()

    def __init__(self) -> None:
        super().__init__(
            "New practice",
            "Give Ascend AI your resume and the job you're applying for. It checks one against the other "
            "and writes interview questions for that job.",
        )
        self.banner = Banner()
        self.content.addWidget(self.banner)
        self._resume_file: Path | None = None

        resume = Card("1 · Your resume")
        self.use_file = QRadioButton(f"Upload a resume (PDF or Word .docx, up to {MAX_RESUME_MB} MB)")
        self.use_file.setChecked(True)
        self.use_saved = QRadioButton("Use a resume you uploaded before")
        file_row = QHBoxLayout()
        self.choose = button("Choose file…", "", self._choose_resume)
        self.resume_label = label("No file chosen", "muted")
        file_row.addWidget(self.choose)
        file_row.addWidget(self.resume_label, 1)
        self.saved = QComboBox()
        self.saved.setEnabled(False)
        self.use_saved.toggled.connect(self.saved.setEnabled)
        self.use_saved.toggled.connect(lambda _on: self._update_start())
        resume.body.addWidget(self.use_file)
        resume.body.addLayout(file_row)
        resume.body.addWidget(self.use_saved)
        resume.body.addWidget(self.saved)
        self.content.addWidget(resume)

        job = Card("2 · The job description")
        job_row = QHBoxLayout()
        job_row.addWidget(label("Paste it below, or load it from a text file.", "muted"), 1)
        job_row.addWidget(button("Load from file…", "", self._choose_job_file))
        job.body.addLayout(job_row)
        self.job = QPlainTextEdit()
        self.job.setPlaceholderText(
            "Paste the responsibilities and requirements from the job posting here "
            f"({JOB_DESCRIPTION_MIN_CHARS}{RANGE_DASH}{JOB_DESCRIPTION_MAX_CHARS} characters)."
        )
        self.job.setMinimumHeight(220)
        self.job.textChanged.connect(self._update_start)
        job.body.addWidget(self.job)
        self.counter = label("", "muted")
        job.body.addWidget(self.counter)
        self.content.addWidget(job)

        actions = QHBoxLayout()
        self.busy = BusyRow()
        self.busy.cancel.clicked.connect(self.cancel_requested.emit)
        self.start = button("Analyse and write my questions", "primary", self._start)
        actions.addWidget(self.busy, 1)
        actions.addStretch(0)
        actions.addWidget(self.start)
        self.content.addLayout(actions)
        self.content.addStretch(1)
        self._update_start()

    # ------------------------------------------------------------------ from the controller

    def show_resumes(self, resumes: list[ResumeSummary]) -> None:
        self.saved.clear()
        for resume in resumes:
            self.saved.addItem(
                f"{resume.filename} · uploaded {when(resume.created_at)}", str(resume.resume_id)
            )
        self.use_saved.setEnabled(bool(resumes))
        self.saved.setVisible(bool(resumes))
        if not resumes:
            self.use_saved.setText("Use a resume you uploaded before (none yet)")
        else:
            self.use_saved.setText("Use a resume you uploaded before")
        self._update_start()

    def show_resume_check(self, check: ResumeCheck) -> None:
        if check.problem:
            self._resume_file = None
            self.resume_label.setText(check.problem)
            self.resume_label.setStyleSheet(f"color: {style.DANGER};")
        else:
            self._resume_file = check.path
            self.resume_label.setText(
                f"{check.path.name} · {check.size / MEGABYTE:.2f} MB of {MAX_RESUME_MB} MB"
            )
            self.resume_label.setStyleSheet(f"color: {style.INK};")
            self.use_file.setChecked(True)
        self._update_start()

    def show_job_description(self, text: str) -> None:
        self.job.setPlainText(text)

    def working(self, step: str) -> None:
        self.busy.busy(step, cancellable=True)
        self.start.setEnabled(False)
        self.banner.hide()

    def upload_progress(self, done: int, total: int) -> None:
        self.busy.progress(done, total)

    def idle(self) -> None:
        self.busy.idle()
        self._update_start()

    def show_error(self, message: str) -> None:
        self.idle()
        self.banner.show_message(message, "error", "Try again", self._start)

    def reset(self) -> None:
        self.job.clear()
        self._resume_file = None
        self.resume_label.setText("No file chosen")
        self.resume_label.setStyleSheet("")
        self.banner.hide()
        self.idle()

    # ------------------------------------------------------------------ from the candidate

    def choose_resume(self, path: Path) -> None:
        self.resume_label.setText(f"Checking {path.name}…")
        self.resume_chosen.emit(path)

    def _choose_resume(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(
            self, "Choose your resume", "", "Resumes (*.pdf *.docx);;All files (*)"
        )
        if chosen:
            self.choose_resume(Path(chosen))

    def _choose_job_file(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(
            self, "Load a job description", "", "Text files (*.txt *.md);;All files (*)"
        )
        if chosen:
            self.job_file_chosen.emit(Path(chosen))

    def _resume_choice(self) -> Path | UUID | None:
        if self.use_saved.isChecked():
            value = self.saved.currentData()
            return UUID(value) if isinstance(value, str) else None
        return self._resume_file

    def _update_start(self) -> None:
        text = self.job.toPlainText()
        length = len(text.strip())
        problem = job_description_problem(text)
        if length == 0:
            self.counter.setText(f"0 / {JOB_DESCRIPTION_MAX_CHARS} characters")
            self.counter.setStyleSheet("")
        else:
            self.counter.setText(
                f"{length} / {JOB_DESCRIPTION_MAX_CHARS} characters" + (f" · {problem}" if problem else "")
            )
            self.counter.setStyleSheet(f"color: {style.DANGER if problem else style.MUTED};")
        ready = problem is None and self._resume_choice() is not None and self.busy.isHidden()
        self.start.setEnabled(ready)

    def _start(self) -> None:
        choice = self._resume_choice()
        if choice is None:
            self.banner.show_message("Choose a resume first.", "error")
            return
        self.start_requested.emit(choice, self.job.toPlainText())
