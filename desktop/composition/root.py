"""The app as built: its context, controllers and window, and the moves from one screen to another."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from desktop.connection.embedded import EmbeddedServer, StackFactory
from desktop.context import AppContext
from desktop.controllers.answer_flow import AnswerFlow
from desktop.controllers.connection import ConnectionController
from desktop.controllers.feedback import FeedbackController
from desktop.controllers.gap import GapController
from desktop.controllers.home import HomeController
from desktop.controllers.interview import InterviewController
from desktop.controllers.model_setup import ModelSetupController, needs_model_setup
from desktop.controllers.practice import PracticeController
from desktop.controllers.settings import SettingsController
from desktop.qt import QObject
from desktop.settings import Mode, SettingKey
from desktop.views.main_window import MainWindow, Screen


@dataclass(frozen=True)
class Controllers:
    connection: ConnectionController
    model_setup: ModelSetupController
    home: HomeController
    practice: PracticeController
    gap: GapController
    interview: InterviewController
    answer_flow: AnswerFlow
    feedback: FeedbackController
    settings: SettingsController

    @classmethod
    def create(cls, context: AppContext, stack_factory: StackFactory) -> Controllers:
        return cls(
            connection=ConnectionController(
                context, EmbeddedServer(context.runner, context.data_dir, stack_factory)
            ),
            model_setup=ModelSetupController(context.runner),
            home=HomeController(context),
            practice=PracticeController(context),
            gap=GapController(context),
            interview=InterviewController(context),
            answer_flow=AnswerFlow(context),
            feedback=FeedbackController(context),
            settings=SettingsController(context),
        )


class DesktopApp(QObject):
    """The controllers and the window of one run of the app.

    A child of the window, like each screen's wiring: controllers' signals reach their methods only while
    the window is there, so a request still finishing after the window went never reaches a deleted view.
    """

    def __init__(
        self,
        context: AppContext,
        controllers: Controllers,
        window: MainWindow,
        *,
        can_download_models: bool | None = None,
    ) -> None:
        super().__init__(window)
        self.context = context
        self.controllers = controllers
        self.window = window
        self._can_download_models = can_download_models
        window.close_requested.connect(self._shut_down)

    # ------------------------------------------------------------------ start and stop

    def start(self) -> None:
        """Start the embedded stack (once its models are here) or sign in to the team server."""
        self.window.show_starting()
        if self.context.settings.mode is Mode.EMBEDDED:
            missing = needs_model_setup(os.environ, can_download=self._can_download_models)
            if missing:
                # First run of the bundle: the stack cannot start until its models are here.
                self.window.model_setup.show_needed(missing)
                self.window.show_outside(Screen.MODEL_SETUP)
                return
            self.window.show_outside(Screen.STARTUP)
        self.controllers.connection.connect_to_server()

    def _shut_down(self) -> None:
        self.context.settings.set_text(SettingKey.WINDOW_GEOMETRY, self.window.encoded_geometry())
        flow = self.controllers.answer_flow
        flow.stop()
        flow.stop_playback()
        for controller in (self.controllers.gap, self.controllers.interview, self.controllers.feedback):
            controller.stop()
        # The window finishes closing when the connection reports `stopped` (see wire_startup).
        self.controllers.connection.shut_down()

    # ------------------------------------------------------------------ connection and sign-in

    def switch_mode(self, mode: Mode, url: str) -> None:
        settings = self.context.settings
        if url:
            settings.set_text(SettingKey.SERVER_URL, url)
        settings.mode = mode
        if mode is Mode.TEAM:
            self.context.server_env = {}
            embedded = self.controllers.connection.embedded
            if embedded.running or embedded.starting:
                embedded.stop()
        self.start()

    def switch_to(self, mode: Mode) -> Callable[[], None]:
        """A reaction that switches to `mode`, keeping the server address already set."""
        return lambda: self.switch_mode(mode, self.context.settings.server_url)

    def ask_for_team_sign_in(self, problem: str) -> None:
        self.window.show_sign_in(self.context.settings.server_url, problem)

    def sign_out(self) -> None:
        self.controllers.connection.sign_out_of_team()
        self.ask_for_team_sign_in("")

    # ------------------------------------------------------------------ screens opened on something

    def open_gap(self, session_id: UUID) -> None:
        self.window.gap.waiting()
        self.controllers.gap.watch(session_id)
        self.window.go(Screen.GAP)

    def open_session(self, session_id: UUID) -> None:
        self.window.interview.reset()
        self.controllers.answer_flow.set_session(session_id)
        self.controllers.interview.open(session_id)
        self.window.go(Screen.INTERVIEW)

    def open_answer(self, recording_id: UUID) -> None:
        self.window.feedback.loading()
        self.controllers.feedback.open(recording_id)
        self.window.go(Screen.FEEDBACK)


def on_entering(window: MainWindow, screen: Screen, action: Callable[[], None]) -> None:
    """Run `action` each time `screen` is entered (also from itself: Home again refreshes Home)."""

    def entered(entered: Screen) -> None:
        if entered is screen:
            action()

    window.screen_entered.connect(entered)


def on_leaving(window: MainWindow, screen: Screen, action: Callable[[], None]) -> None:
    """Run `action` when the window goes from `screen` to another screen."""

    def left(left: Screen) -> None:
        if left is screen:
            action()

    window.screen_left.connect(left)
