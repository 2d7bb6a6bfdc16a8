"""The window: a sidebar, the screens stacked beside it, and going from one screen to another.

The window knows nothing of controllers: it says which screen is left and which is entered, and that
it was asked to close. desktop.composition connects those, and each screen, to the controllers.
"""

from __future__ import annotations

from enum import IntEnum

from app.schemas.user import UserResponse
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
    Signal,
)
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
    screen_left = Signal(object)  # Screen, before the next one is shown
    screen_entered = Signal(object)  # Screen, also when it was already showing
    close_requested = Signal()  # the first time the window is closed: stop what runs, then finish_closing

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("Ascend AI")
        self.resize(1180, 820)
        self.setMinimumSize(960, 640)
        self._closing = False
        self._may_close = False

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
        # In Screen's order: a screen's value is its page's index.
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

    # ------------------------------------------------------------------ navigation

    @property
    def current(self) -> Screen:
        return Screen(self.pages.currentIndex())

    def go(self, screen: Screen) -> None:
        """Show a screen of the signed-in app, saying which screen was left and which entered."""
        leaving = self.current
        if leaving is not screen:
            self.screen_left.emit(leaving)
        self.pages.setCurrentIndex(screen)
        for target, entry in self.nav.items():
            entry.setChecked(target is screen)
        self.screen_entered.emit(screen)

    def show_outside(self, screen: Screen) -> None:
        """Show start-up, sign-in or first-run setup: screens around the app, with no sidebar."""
        self.sidebar.hide()
        self.pages.setCurrentIndex(screen)

    def show_starting(self) -> None:
        self.sidebar.hide()
        self.startup.reset()

    def show_signed_in(self, user: UserResponse) -> None:
        self.startup.finished()
        self.sidebar.show()
        self.user_label.setText(f"Signed in as\n{user.name or user.email}")
        self.home.greet(first_name(user.name))
        self.go(Screen.HOME)

    def show_sign_in(self, server_url: str, problem: str) -> None:
        self.sign_in.show_for(server_url, problem)
        self.show_outside(Screen.SIGN_IN)

    def show_service_restarted(self, name: str) -> None:
        service = SERVICE_NAMES.get(name, name)
        self.home.banner.show_message(f"The {service} stopped unexpectedly and was restarted.", "warning")

    # ------------------------------------------------------------------ geometry and closing

    def encoded_geometry(self) -> str:
        return bytes(self.saveGeometry().toBase64().data()).decode()

    def restore_encoded_geometry(self, saved: str) -> None:
        if saved:
            self.restoreGeometry(QByteArray.fromBase64(saved.encode()))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self._may_close:
            event.accept()
            return
        event.ignore()
        if self._closing:
            return
        self._closing = True
        self.show_starting()
        self.startup.step("Stopping Ascend AI's services")
        self.show_outside(Screen.STARTUP)
        self.close_requested.emit()

    def finish_closing(self) -> None:
        """What the window was showing has stopped: a close asked for earlier goes ahead."""
        if self._closing:
            self._may_close = True
            # Later, not from here: with no stack running (the first-run screen, a team server) the
            # stop is reported while closeEvent is still running, and Qt ignores a nested close.
            QTimer.singleShot(0, self.close)
