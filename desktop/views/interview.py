"""The mock interview: one question at a time (or the candidate's own), recorded and submitted."""

from __future__ import annotations

from uuid import UUID

from app.schemas.session import RecordingResult, SessionStatus
from desktop.answers.store import SavedAnswer
from desktop.audio.backend import InputDevice
from desktop.controllers.answer_flow import TakeState
from desktop.limits import QUESTION_MAX_CHARS
from desktop.qt import QComboBox, QHBoxLayout, QLineEdit, Qt, QVBoxLayout, QWidget, Signal
from desktop.views import style
from desktop.views.formatting import clock, status_words
from desktop.views.meters import LevelMeter
from desktop.views.widgets import Banner, BusyRow, Card, Chip, Page, button, clear_layout, label


class InterviewView(Page):
    record_requested = Signal(object)  # device index or None
    stop_requested = Signal()
    play_requested = Signal()
    stop_playback_requested = Signal()
    rerecord_requested = Signal()
    submit_requested = Signal(str)
    cancel_upload_requested = Signal()
    ask_again_requested = Signal()
    answer_opened = Signal(object)  # UUID
    resend_requested = Signal(object)  # SavedAnswer
    device_chosen = Signal(str)
    retry_requested = Signal()

    def __init__(self) -> None:
        super().__init__(
            "Mock interview", "Answer out loud, as you would in the room. Aim for one to two minutes."
        )
        self.banner = Banner()
        self.content.addWidget(self.banner)
        self._questions: list[str] = []
        self._index = 0
        self._own = False
        self._state = TakeState.IDLE

        self._build_question_card()
        self._build_recorder_card()
        answers = Card("Answers in this session")
        self.answers = QVBoxLayout()
        self.answers.setSpacing(10)
        answers.body.addLayout(self.answers)
        self.content.addWidget(answers)
        self.content.addStretch(1)
        self._pending: list[SavedAnswer] = []
        self._results: list[RecordingResult] = []
        self.set_take_state(TakeState.IDLE.value)
        self._render_answers()

    # ------------------------------------------------------------------ session

    def _build_recorder_card(self) -> None:
        recorder = Card("Your answer")
        device_row = QHBoxLayout()
        device_row.addWidget(label("Microphone", "h3", wrap=False))
        self.devices = QComboBox()
        self.devices.setMinimumWidth(280)
        self.devices.currentIndexChanged.connect(self._device_changed)
        device_row.addWidget(self.devices, 1)
        recorder.body.addLayout(device_row)
        live = QHBoxLayout()
        self.record = button("●  Record", "record", self._record_clicked)
        self.timer = label("00:00", "timer", wrap=False)
        self.meter = LevelMeter()
        live.addWidget(self.record)
        live.addSpacing(10)
        live.addWidget(self.timer)
        live.addSpacing(10)
        live.addWidget(self.meter, 1)
        recorder.body.addLayout(live)
        review = QHBoxLayout()
        self.play = button("▶  Play back", "", self._play_clicked)
        self.rerecord = button("Re-record", "", self.rerecord_requested.emit)
        self.submit = button("Submit answer", "primary", self._submit_clicked)
        review.addWidget(self.play)
        review.addWidget(self.rerecord)
        review.addStretch(1)
        review.addWidget(self.submit)
        recorder.body.addLayout(review)
        self.take_note = label("", "muted")
        recorder.body.addWidget(self.take_note)
        self.upload = BusyRow()
        self.upload.cancel.clicked.connect(self.cancel_upload_requested.emit)
        recorder.body.addWidget(self.upload)
        self.content.addWidget(recorder)

    def _build_question_card(self) -> None:
        question_card = Card()
        self.question_busy = BusyRow()
        question_card.body.addWidget(self.question_busy)
        self.position = label("", "muted")
        question_card.body.addWidget(self.position)
        self.question = label("", "question", selectable=True)
        question_card.body.addWidget(self.question)
        self.own_question = QLineEdit()
        self.own_question.setMaxLength(QUESTION_MAX_CHARS)
        self.own_question.setPlaceholderText(
            "Type the question you want to practise, e.g. “Tell me about a conflict you resolved.”"
        )
        self.own_question.hide()
        self.own_question.textChanged.connect(lambda _text: self._update_buttons())
        question_card.body.addWidget(self.own_question)
        nav = QHBoxLayout()
        self.previous = button("← Previous", "", lambda: self._move(-1))
        self.next = button("Next →", "", lambda: self._move(1))
        self.own_toggle = button("Answer a question of your own", "link", self._toggle_own)
        nav.addWidget(self.previous)
        nav.addWidget(self.next)
        nav.addStretch(1)
        nav.addWidget(self.own_toggle)
        question_card.body.addLayout(nav)
        self.content.addWidget(question_card)

    def reset(self) -> None:
        self._questions = []
        self._index = 0
        self._pending = []
        self._results = []
        self.banner.hide()
        self.timer.setText("00:00")
        self.take_note.setText("")
        self.question.setText("")
        self.position.setText("")
        self.question_busy.busy("Writing interview questions for this job…")
        self._render_answers()
        self._show_question()

    def show_session(self, status: SessionStatus) -> None:
        if status.job_description:
            self.subtitle.setText(status.job_description.strip().splitlines()[0][:140])
        if status.generated_questions:
            self.question_busy.idle()
            if status.generated_questions != self._questions:
                self._questions = list(status.generated_questions)
                self._index = min(self._index, len(self._questions) - 1)
        elif status.status == "failed":
            self.question_busy.idle()
            self.banner.show_message(
                "The interview questions couldn't be written this time. You can practise with a "
                "question of your own meanwhile, or ask again.",
                "warning",
                "Ask for questions again",
                self.ask_again_requested.emit,
                details=status.failure_reason or "",
            )
            if not self._own:
                self._toggle_own()
        else:
            self.question_busy.busy("Writing interview questions for this job…")
        self._results = list(status.results)
        self._render_answers()
        self._show_question()

    def show_pending(self, pending: list[SavedAnswer]) -> None:
        self._pending = pending
        self._render_answers()

    def show_error(self, message: str) -> None:
        self.banner.show_message(message, "error", "Try again", self.retry_requested.emit)

    def show_problem(self, message: str) -> None:
        self.banner.show_message(message, "error")

    def current_question(self) -> str:
        if self._own:
            return self.own_question.text()
        return self._questions[self._index] if self._questions else ""

    def choose_own_question(self, text: str) -> None:
        if not self._own:
            self._toggle_own()
        self.own_question.setText(text)

    def _toggle_own(self) -> None:
        self._own = not self._own
        self._show_question()

    def _move(self, step: int) -> None:
        if self._questions:
            self._index = max(0, min(len(self._questions) - 1, self._index + step))
            self._show_question()

    def _show_question(self) -> None:
        has_questions = bool(self._questions)
        self.own_question.setVisible(self._own)
        self.question.setVisible(not self._own and has_questions)
        self.previous.setVisible(not self._own and has_questions)
        self.next.setVisible(not self._own and has_questions)
        if self._own:
            self.position.setText("Your own question")
            self.own_toggle.setText("Back to the generated questions" if has_questions else "")
            self.own_toggle.setVisible(has_questions)
        else:
            self.own_toggle.setText("Answer a question of your own")
            self.own_toggle.setVisible(True)
            if has_questions:
                self.position.setText(f"Question {self._index + 1} of {len(self._questions)}")
                self.question.setText(self._questions[self._index])
                self.previous.setEnabled(self._index > 0)
                self.next.setEnabled(self._index < len(self._questions) - 1)
            else:
                self.position.setText("")
        self._update_buttons()

    # ------------------------------------------------------------------ recording

    def show_devices(self, devices: list[InputDevice], preferred: str) -> None:
        self.devices.blockSignals(True)
        self.devices.clear()
        chosen = -1
        for position, device in enumerate(devices):
            suffix = "  (system default)" if device.is_default else ""
            self.devices.addItem(f"{device.name}{suffix}", device.index)
            if device.name == preferred or (chosen < 0 and device.is_default and not preferred):
                chosen = position
        if not devices:
            self.devices.addItem("No microphone found", None)
        self.devices.setCurrentIndex(max(chosen, 0))
        self.devices.blockSignals(False)
        self._update_buttons()

    def audio_unavailable(self, message: str) -> None:
        self.devices.clear()
        self.devices.addItem("Recording unavailable", None)
        self.take_note.setText(message)
        self.record.setEnabled(False)

    def selected_device(self) -> int | None:
        value = self.devices.currentData()
        return value if isinstance(value, int) else None

    def _device_changed(self, position: int) -> None:
        if position >= 0 and isinstance(self.devices.itemData(position), int):
            self.device_chosen.emit(self.devices.itemText(position).removesuffix("  (system default)"))

    def set_take_state(self, state: str) -> None:
        self._state = TakeState(state)
        if self._state is TakeState.RECORDING:
            self.take_note.setText("Recording… speak as you would to the interviewer.")
        if self._state is TakeState.IDLE:
            self.meter.set_level(0.0)
        self._update_buttons()

    def show_level(self, level: float) -> None:
        self.meter.set_level(level)

    def show_elapsed(self, seconds: float) -> None:
        self.timer.setText(clock(seconds))

    def take_ready(self, seconds: float) -> None:
        self.timer.setText(clock(seconds))
        self.take_note.setText(f"Recorded {clock(seconds)}. Play it back, record it again, or submit it.")

    def upload_busy(self, text: str) -> None:
        self.upload.busy(text, cancellable=True)

    def upload_progress(self, done: int, total: int) -> None:
        self.upload.progress(done, total)

    def upload_finished(self) -> None:
        self.upload.idle()
        self.timer.setText("00:00")
        self.take_note.setText("Answer sent. Its transcript and feedback report are on the way.")

    def upload_failed(self, message: str) -> None:
        self.upload.idle()
        self.take_note.setText("")
        self.banner.show_message(message, "error")

    def _record_clicked(self) -> None:
        if self._state is TakeState.RECORDING:
            self.stop_requested.emit()
        else:
            self.timer.setText("00:00")
            self.record_requested.emit(self.selected_device())

    def _play_clicked(self) -> None:
        if self._state is TakeState.PLAYING:
            self.stop_playback_requested.emit()
        else:
            self.play_requested.emit()

    def _submit_clicked(self) -> None:
        self.submit_requested.emit(self.current_question())

    def _update_buttons(self) -> None:
        state = self._state
        recording = state is TakeState.RECORDING
        has_take = state in (TakeState.RECORDED, TakeState.PLAYING)
        has_device = self.selected_device() is not None
        has_question = bool(self.current_question().strip()) or self._own
        self.record.setText("■  Stop" if recording else "●  Record")
        self.record.setEnabled(
            recording or (state in (TakeState.IDLE, TakeState.RECORDED) and has_device and has_question)
        )
        self.play.setText("■  Stop playback" if state is TakeState.PLAYING else "▶  Play back")
        self.play.setEnabled(has_take)
        self.rerecord.setEnabled(has_take)
        self.submit.setEnabled(state is TakeState.RECORDED)
        self.devices.setEnabled(not recording)
        self.previous.setEnabled(not recording and self._index > 0)
        self.next.setEnabled(not recording and self._index < len(self._questions) - 1)

    # ------------------------------------------------------------------ answers

    def _render_answers(self) -> None:
        clear_layout(self.answers)
        if not self._results and not self._pending:
            self.answers.addWidget(label("No answers yet. Record one above and submit it.", "muted"))
            return
        for saved in self._pending:
            self.answers.addWidget(self._pending_row(saved))
        for result in reversed(self._results):
            self.answers.addWidget(self._result_row(result))

    def _pending_row(self, saved: SavedAnswer) -> QWidget:
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        text = QVBoxLayout()
        text.addWidget(label(saved.question, "h3"))
        reason = saved.last_error or "Not sent yet."
        text.addWidget(label(f"Saved on this computer, not uploaded: {reason}", "muted"))
        line.addLayout(text, 1)
        line.addWidget(Chip("Not sent", "warning"), 0, Qt.AlignmentFlag.AlignTop)
        line.addWidget(
            button("Send again", "", lambda: self.resend_requested.emit(saved)), 0, Qt.AlignmentFlag.AlignTop
        )
        return row

    def _result_row(self, result: RecordingResult) -> QWidget:
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        text = QVBoxLayout()
        text.addWidget(label(result.question, "h3"))
        status = result.feedback_status or "pending"
        if status == "failed":
            what = (
                "Transcribed, but the feedback report couldn't be written."
                if result.transcript
                else "This answer couldn't be transcribed."
            )
            note = label(f"{what} The recording is kept on this computer.")
            note.setStyleSheet(f"color: {style.DANGER};")
            note.setToolTip(result.failure_reason or "")
        elif status == "complete" and result.feedback is not None:
            note = label(f"Overall score {result.feedback.overall_score:.0f} / 100", "muted")
        elif result.transcript:
            note = label("Transcribed. Writing your feedback report…", "muted")
        else:
            note = label("Transcribing your answer…", "muted")
        note.setAccessibleName("answer status")
        text.addWidget(note)
        line.addLayout(text, 1)
        words, kind = status_words(status)
        line.addWidget(Chip(words, kind), 0, Qt.AlignmentFlag.AlignTop)
        opener = button(
            "Open report" if status == "complete" else "Details",
            "",
            lambda: self.answer_opened.emit(result.recording_id),
        )
        line.addWidget(opener, 0, Qt.AlignmentFlag.AlignTop)
        return row

    def session_answer_ids(self) -> list[UUID]:
        return [result.recording_id for result in self._results]
