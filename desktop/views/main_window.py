"""The window: a sidebar, the screens, and the wiring between screens and their controllers."""

from __future__ import annotations

import os
from enum import IntEnum
from pathlib import Path
from uuid import UUID

from app.schemas.user import UserResponse
from desktop.answers.store import SavedAnswer
from desktop.audio.backend import InputDevice
from desktop.connection.embedded import EmbeddedServer, StackFactory, default_stack
from desktop.context import AppContext
from desktop.controllers.answer_flow import AnswerFlow
from desktop.controllers.connection import ConnectionController
from desktop.controllers.feedback import FeedbackController
from desktop.controllers.gap import GapController
from desktop.controllers.home import HomeController
from desktop.controllers.interview import InterviewController
from desktop.controllers.model_setup import ModelSetupController, needs_model_setup
from desktop.controllers.practice import PracticeController, PracticeStarted
from desktop.controllers.settings import SettingsController
from desktop.qt import (
    QByteArray,
    QCloseEvent,
    QFrame,
    QHBoxLayout,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from desktop.report import export_pdf
from desktop.settings import Mode, SettingKey
from desktop.views.feedback import FeedbackView
from desktop.views.formatting import first_name
from desktop.views.gap import GapView
from desktop.views.home import HomeView
from desktop.views.interview import InterviewView
from desktop.views.model_setup import ModelSetupView
from desktop.views.practice import PracticeView
from desktop.views.settings import SettingsView
from desktop.views.signin import TeamSignInView
from desktop.views.startup import StartupView
from desktop.views.widgets import label


class Screen(IntEnum):
    STARTUP = 0
    SIGN_IN = 1
    HOME = 2
    PRACTICE = 3
    GAP = 4
    INTERVIEW = 5
    FEEDBACK = 6
    SETTINGS = 7
    MODEL_SETUP = 8


SERVICE_NAMES = {"api": "server", "worker": "background worker"}
NAVIGATION = ((Screen.HOME, "Home"), (Screen.PRACTICE, "New practice"), (Screen.SETTINGS, "Settings"))


class MainWindow(QMainWindow):
    def __init__(
        self,
        context: AppContext,
        stack_factory: StackFactory = default_stack,
        *,
        can_download_models: bool | None = None,
    ) -> None:
        """`can_download_models`: whether the stack can fetch missing models itself (default: whether
        pip is there, which it is not in the desktop bundle)."""
        super().__init__()
        self.context = context
        self._can_download_models = can_download_models
        self.setWindowTitle("Ascend AI")
        self.resize(1180, 820)
        self.setMinimumSize(960, 640)
        self._closing = False
        self._may_close = False
        self._devices: list[InputDevice] = []

        self.connection = ConnectionController(
            context, EmbeddedServer(context.runner, context.data_dir, stack_factory)
        )
        self.home_controller = HomeController(context)
        self.practice_controller = PracticeController(context)
        self.gap_controller = GapController(context)
        self.interview_controller = InterviewController(context)
        self.feedback_controller = FeedbackController(context)
        self.settings_controller = SettingsController(context)
        self.answer_flow = AnswerFlow(context)
        self.model_setup_controller = ModelSetupController(context.runner)

        self.startup = StartupView()
        self.sign_in = TeamSignInView()
        self.home = HomeView()
        self.practice = PracticeView()
        self.gap = GapView()
        self.interview = InterviewView()
        self.feedback = FeedbackView()
        self.settings_view = SettingsView()
        self.model_setup = ModelSetupView()
        self.pages = QStackedWidget()
        for page in (
            self.startup,
            self.sign_in,
            self.home,
            self.practice,
            self.gap,
            self.interview,
            self.feedback,
            self.settings_view,
            self.model_setup,
        ):
            self.pages.addWidget(page)

        self._build_sidebar()
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.sidebar)
        row.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self._wire()
        self._restore_geometry()

    # ------------------------------------------------------------------ start and stop

    def _build_sidebar(self) -> None:
        self.sidebar = QFrame()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setFixedWidth(210)
        side = QVBoxLayout(self.sidebar)
        side.setContentsMargins(14, 22, 14, 18)
        side.setSpacing(4)
        side.addWidget(label("Ascend AI", "brand", wrap=False))
        self.nav: dict[Screen, QPushButton] = {}
        for screen, title in NAVIGATION:
            entry = QPushButton(title)
            entry.setObjectName("nav")
            entry.setCheckable(True)
            entry.clicked.connect(lambda _checked=False, s=screen: self.go(s))
            side.addWidget(entry)
            self.nav[screen] = entry
        side.addStretch(1)
        self.user_label = label("", "userLabel")
        side.addWidget(self.user_label)

    def start(self) -> None:
        self.sidebar.hide()
        self.startup.reset()
        if self.context.settings.mode is Mode.EMBEDDED:
            missing = needs_model_setup(os.environ, can_download=self._can_download_models)
            if missing:
                # First run of the bundle: the stack cannot start until its models are here.
                self.model_setup.show_needed(missing)
                self.pages.setCurrentIndex(Screen.MODEL_SETUP)
                return
            self.pages.setCurrentIndex(Screen.STARTUP)
        self.connection.connect_to_server()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self._may_close:
            event.accept()
            return
        event.ignore()
        if self._closing:
            return
        self._closing = True
        self.context.settings.set_text(
            SettingKey.WINDOW_GEOMETRY, bytes(self.saveGeometry().toBase64().data()).decode()
        )
        self.answer_flow.stop()
        self.answer_flow.stop_playback()
        for controller in (self.gap_controller, self.interview_controller, self.feedback_controller):
            controller.stop()
        self.sidebar.hide()
        self.startup.reset()
        self.startup.step("Stopping Ascend AI's services")
        self.pages.setCurrentIndex(Screen.STARTUP)
        self.connection.shut_down()

    def _import_models(self, folder: Path) -> None:
        self.model_setup.importing(folder)
        self.model_setup_controller.import_from(folder)

    def _models_ready(self) -> None:
        self.model_setup.done()
        self.start()

    def _stopped(self) -> None:
        if self._closing:
            self._may_close = True
            # Later, not from here: with no stack running (the first-run screen, a team server) the
            # stop is reported while closeEvent is still running, and Qt ignores a nested close.
            QTimer.singleShot(0, self.close)

    def _restore_geometry(self) -> None:
        saved = self.context.settings.text(SettingKey.WINDOW_GEOMETRY)
        if saved:
            self.restoreGeometry(QByteArray.fromBase64(saved.encode()))

    # ------------------------------------------------------------------ navigation

    def go(self, screen: Screen) -> None:
        leaving = Screen(self.pages.currentIndex())
        if leaving is Screen.GAP and screen is not Screen.GAP:
            self.gap_controller.stop()
        if leaving is Screen.FEEDBACK and screen is not Screen.FEEDBACK:
            self.feedback_controller.stop()
        if leaving is Screen.INTERVIEW and screen is not Screen.INTERVIEW:
            self.interview_controller.stop()
            self.answer_flow.stop()
        self.pages.setCurrentIndex(screen)
        for target, entry in self.nav.items():
            entry.setChecked(target is screen)
        if screen is Screen.HOME:
            self.home_controller.refresh()
        elif screen is Screen.PRACTICE:
            self.practice_controller.load_resumes()
        elif screen is Screen.SETTINGS:
            self._show_settings()
        elif screen is Screen.INTERVIEW:
            self.settings_controller.list_devices()

    def open_session(self, session_id: UUID) -> None:
        self.interview.reset()
        self.answer_flow.set_session(session_id)
        self.interview_controller.open(session_id)
        self.go(Screen.INTERVIEW)

    def open_answer(self, recording_id: UUID) -> None:
        self.feedback.loading()
        self.feedback_controller.open(recording_id)
        self.go(Screen.FEEDBACK)

    # ------------------------------------------------------------------ wiring

    def _wire(self) -> None:
        self._wire_connection()
        self._wire_home_and_practice()
        self._wire_interview()
        self._wire_feedback_and_settings()

    def _wire_connection(self) -> None:
        connection = self.connection
        connection.progress.connect(self.startup.step)
        connection.failed.connect(self.startup.failed)
        connection.connected.connect(self._connected)
        connection.needs_team_sign_in.connect(self._needs_team_sign_in)
        connection.stopped.connect(self._stopped)
        connection.embedded.restarted.connect(self._service_restarted)
        self.startup.retry_requested.connect(self.start)
        self.startup.team_server_requested.connect(
            lambda: self._switch_mode(Mode.TEAM, self.context.settings.server_url)
        )
        self.model_setup.folder_chosen.connect(self._import_models)
        self.model_setup.team_server_requested.connect(
            lambda: self._switch_mode(Mode.TEAM, self.context.settings.server_url)
        )
        self.model_setup_controller.model_started.connect(self.model_setup.model_started)
        self.model_setup_controller.progress.connect(self.model_setup.progress)
        self.model_setup_controller.failed.connect(self.model_setup.failed)
        self.model_setup_controller.finished.connect(self._models_ready)
        self.sign_in.browser_requested.connect(self._browser_sign_in)
        self.sign_in.token_submitted.connect(self._token_sign_in)
        self.sign_in.embedded_requested.connect(
            lambda: self._switch_mode(Mode.EMBEDDED, self.context.settings.server_url)
        )

    def _history_failed(self, message: str) -> None:
        self.home.banner.show_message(message, "error", "Try again", self.home_controller.refresh)

    def _wire_home_and_practice(self) -> None:
        self.home_controller.loaded.connect(self.home.show_history)
        # A method, not a lambda: Qt drops the connection when the window goes, while a history
        # request still finishing in the background would otherwise reach a deleted banner.
        self.home_controller.failed.connect(self._history_failed)
        self.home.refresh_requested.connect(self.home_controller.refresh)
        self.home.new_practice_requested.connect(self._new_practice)
        self.home.session_opened.connect(self.open_session)
        self.home.answer_opened.connect(self.open_answer)

        practice, controller = self.practice, self.practice_controller
        controller.resumes_loaded.connect(practice.show_resumes)
        controller.resume_checked.connect(practice.show_resume_check)
        controller.job_description_loaded.connect(practice.show_job_description)
        controller.step.connect(practice.working)
        controller.upload_progress.connect(practice.upload_progress)
        controller.failed.connect(practice.show_error)
        controller.cancelled.connect(practice.idle)
        controller.started.connect(self._practice_started)
        practice.resume_chosen.connect(controller.check_resume)
        practice.job_file_chosen.connect(controller.load_job_description)
        practice.start_requested.connect(self._start_practice)
        practice.cancel_requested.connect(controller.cancel)

        self.gap_controller.session_updated.connect(self.gap.show_session)
        self.gap_controller.analysis_updated.connect(self.gap.show_analysis)
        self.gap_controller.failed.connect(self.gap.show_error)
        self.gap.retry_requested.connect(self._retry_gap)
        self.gap.analyse_requested.connect(self._analyse_again)
        self.gap.interview_requested.connect(self._gap_to_interview)

    def _wire_interview(self) -> None:
        view, controller, flow = self.interview, self.interview_controller, self.answer_flow
        controller.session_updated.connect(view.show_session)
        controller.pending_loaded.connect(view.show_pending)
        controller.failed.connect(view.show_error)
        controller.session_replaced.connect(self.open_session)
        view.retry_requested.connect(controller.follow)
        view.ask_again_requested.connect(controller.ask_again)
        view.answer_opened.connect(self.open_answer)
        view.record_requested.connect(flow.record)
        view.stop_requested.connect(flow.stop)
        view.play_requested.connect(flow.play)
        view.stop_playback_requested.connect(flow.stop_playback)
        view.rerecord_requested.connect(flow.discard)
        view.submit_requested.connect(flow.submit)
        view.cancel_upload_requested.connect(flow.cancel_upload)
        view.resend_requested.connect(flow.upload_again)
        view.device_chosen.connect(lambda name: self.context.settings.set_text(SettingKey.INPUT_DEVICE, name))
        flow.state_changed.connect(view.set_take_state)
        flow.level.connect(view.show_level)
        flow.elapsed.connect(view.show_elapsed)
        flow.take_ready.connect(view.take_ready)
        flow.problem.connect(view.show_problem)
        flow.upload_status.connect(view.upload_busy)
        flow.upload_progress.connect(view.upload_progress)
        flow.submitted.connect(self._answer_submitted)
        flow.upload_failed.connect(self._answer_not_sent)
        if self.context.audio is None:
            view.audio_unavailable(
                self.context.audio_problem or "Recording isn't available on this computer."
            )

    def _wire_feedback_and_settings(self) -> None:
        self.feedback_controller.updated.connect(self.feedback.show_detail)
        self.feedback_controller.failed.connect(self.feedback.show_error)
        self.feedback.retry_requested.connect(self.feedback_controller.retry)
        self.feedback.export_requested.connect(self._export)
        self.feedback.back_requested.connect(self._feedback_back)

        settings = self.settings_controller
        settings.models_checked.connect(self.settings_view.show_models)
        settings.devices_listed.connect(self._devices_listed)
        settings.failed.connect(self.settings_view.show_message)
        settings.data_deleted.connect(self._data_deleted)
        self.settings_view.check_models_requested.connect(settings.check_models)
        self.settings_view.device_chosen.connect(
            lambda name: self.context.settings.set_text(SettingKey.INPUT_DEVICE, name)
        )
        self.settings_view.delete_requested.connect(settings.delete_all_data)
        self.settings_view.apply_connection.connect(self._switch_mode)
        self.settings_view.sign_out_requested.connect(self._sign_out)

    # ------------------------------------------------------------------ reactions

    def _connected(self, user: UserResponse) -> None:
        self.startup.finished()
        self.sidebar.show()
        name = user.name or user.email
        self.user_label.setText(f"Signed in as\n{name}")
        self.home.greet(first_name(user.name))
        self.go(Screen.HOME)

    def _service_restarted(self, name: str) -> None:
        service = SERVICE_NAMES.get(name, name)
        self.home.banner.show_message(f"The {service} stopped unexpectedly and was restarted.", "warning")

    def _needs_team_sign_in(self, problem: str) -> None:
        self.sidebar.hide()
        self.sign_in.show_for(self.context.settings.server_url, problem)
        self.pages.setCurrentIndex(Screen.SIGN_IN)

    def _browser_sign_in(self, url: str) -> None:
        self.context.settings.set_text(SettingKey.SERVER_URL, url)
        self.connection.sign_in_with_browser()

    def _token_sign_in(self, url: str, token: str) -> None:
        self.context.settings.set_text(SettingKey.SERVER_URL, url)
        self.connection.sign_in_to_team(token)

    def _switch_mode(self, mode: Mode, url: str) -> None:
        settings = self.context.settings
        if url:
            settings.set_text(SettingKey.SERVER_URL, url)
        settings.mode = mode
        if mode is Mode.TEAM:
            self.context.server_env = {}
            if self.connection.embedded.running or self.connection.embedded.starting:
                self.connection.embedded.stop()
        self.start()

    def _sign_out(self) -> None:
        self.connection.sign_out_of_team()
        self._needs_team_sign_in("")

    def _new_practice(self) -> None:
        self.practice.reset()
        self.go(Screen.PRACTICE)

    def _start_practice(self, resume: Path | UUID, job_description: str) -> None:
        self.practice.working("Getting started")
        self.practice_controller.start(resume, job_description)

    def _practice_started(self, started: PracticeStarted) -> None:
        self.practice.idle()
        self.gap.waiting()
        self.gap_controller.watch(started.session_id)
        self.go(Screen.GAP)

    def _retry_gap(self) -> None:
        self.gap.waiting()
        self.gap_controller.retry()

    def _analyse_again(self) -> None:
        self.gap.waiting()
        self.gap_controller.analyse_again()

    def _gap_to_interview(self) -> None:
        if self.gap_controller.session_id is not None:
            self.open_session(self.gap_controller.session_id)

    def _answer_submitted(self, _answer: SavedAnswer) -> None:
        self.interview.upload_finished()
        self.interview_controller.follow()
        self.interview_controller.load_pending()

    def _answer_not_sent(self, _answer: SavedAnswer | None, message: str) -> None:
        self.interview.upload_failed(message)
        self.interview_controller.load_pending()

    def _feedback_back(self) -> None:
        detail = self.feedback.detail
        if detail is not None:
            self.open_session(detail.session_id)
        else:
            self.go(Screen.HOME)

    def _export(self, target: Path) -> None:
        detail = self.feedback.detail
        if detail is None or detail.feedback is None:
            return
        try:
            export_pdf(detail, target)
        except OSError as error:
            self.feedback.show_error(f"The PDF couldn't be saved: {error.strerror or error}.")
            return
        self.feedback.exported(target)

    def _show_settings(self) -> None:
        settings = self.context.settings
        user = self.context.user
        account = f"Signed in as {user.name or user.email} ({user.email})." if user else ""
        self.settings_view.show_connection(settings.mode, settings.server_url, account)
        self.settings_view.show_data_dir(self.context.data_dir)
        self.settings_controller.check_models()
        self.settings_controller.list_devices()

    def _devices_listed(self, devices: list[InputDevice]) -> None:
        self._devices = devices
        preferred = self.context.settings.text(SettingKey.INPUT_DEVICE)
        self.settings_view.show_devices(devices, preferred)
        if self.context.audio is not None:
            self.interview.show_devices(devices, preferred)

    def _data_deleted(self) -> None:
        self.settings_view.show_message("All your data was deleted.", "success")
        if self.context.settings.mode is Mode.EMBEDDED:
            # The local user went with the data; signing in again creates a fresh, empty one.
            self.start()
        else:
            self._sign_out()
