"""Desktop tests run Qt offscreen and fail on any Qt warning."""

from __future__ import annotations

import os
import shutil
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.db.models import User
from desktop.audio.sounddevice_backend import SoundDeviceBackend
from desktop.composition.build import build_app
from desktop.composition.root import DesktopApp
from desktop.context import AppContext
from desktop.qt import (
    QApplication,
    QMessageLogContext,
    QSettings,
    QtMsgType,
    QWidget,
    qInstallMessageHandler,
)
from desktop.settings import AppSettings
from desktop.tasks import TaskRunner
from desktop.views import style
from desktop.views.main_window import MainWindow
from tests.conftest import Account, create_account
from tests.desktop.embedded_env import embedded_environment, inherited_server_settings
from tests.desktop.fake_audio import FakeAudioBackend
from tests.desktop.team_server import serving
from tests.desktop.virtual_mic import VirtualMicrophone, virtual_microphone

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
FAILING = (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg)
# The offscreen platform plugin says this whenever a dialog with a fixed size is shown: a gap in the
# test platform, not in the app (desktop platforms implement it).
PLATFORM_LIMITATIONS = frozenset({"This plugin does not support propagateSizeHints()"})


@pytest.fixture(scope="session")
def qapp_args() -> list[str]:
    return ["ascend-desktop-tests"]


@pytest.fixture(scope="session", autouse=True)
def styled(qapp: QApplication) -> QApplication:
    style.apply(qapp)
    return qapp


@pytest.fixture(autouse=True)
def fail_on_qt_warnings() -> Iterator[None]:
    problems: list[str] = []

    def handler(kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
        if kind in FAILING and message not in PLATFORM_LIMITATIONS:
            problems.append(f"{kind.name}: {message}")

    previous = qInstallMessageHandler(handler)
    yield
    qInstallMessageHandler(previous)
    assert not problems, "Qt reported problems:\n" + "\n".join(problems)


@pytest.fixture(scope="session")
def server_url(settings: Settings) -> Iterator[str]:
    """The real API on a loopback port, over the suite's PostgreSQL, broker and object store."""
    with serving(settings) as url:
        yield url


@asynccontextmanager
async def _committed(
    factory: async_sessionmaker[AsyncSession], settings: Settings, name: str
) -> AsyncIterator[Account]:
    # Committed, so the server's own connections see the user; deleted with all of theirs afterwards.
    account = await create_account(factory, settings, name)
    yield account
    async with factory() as session:
        await session.execute(delete(User).where(User.id == account.user.id))
        await session.commit()


@pytest.fixture
async def candidate(
    committing_factory: async_sessionmaker[AsyncSession], settings: Settings
) -> AsyncIterator[Account]:
    """The user the desktop client signs in as."""
    async with _committed(committing_factory, settings, "Jordan") as account:
        yield account


@pytest.fixture
async def stranger(
    committing_factory: async_sessionmaker[AsyncSession], settings: Settings
) -> AsyncIterator[Account]:
    """Another user of the same server, whose ids the candidate must not reach."""
    async with _committed(committing_factory, settings, "Riley") as account:
        yield account


@pytest.fixture
def app_settings(tmp_path: Path) -> AppSettings:
    return AppSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    created = TaskRunner()
    yield created
    created.cancel_all()
    assert created.wait(30_000), "background tasks were still running after the test"


@pytest.fixture
def audio() -> FakeAudioBackend:
    return FakeAudioBackend()


@pytest.fixture
def context(
    app_settings: AppSettings, runner: TaskRunner, tmp_path: Path, audio: FakeAudioBackend
) -> AppContext:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    return AppContext(settings=app_settings, runner=runner, data_dir=data_dir, audio=audio)


@pytest.fixture
def screenshot(tmp_path: Path) -> Callable[[QWidget, str], Path]:
    """Saves a widget as a PNG: into docs/screenshots when ASCEND_SCREENSHOTS=1 asks for the README's
    pictures to be drawn again, otherwise into the test's own folder, so a test run leaves the tree clean."""
    folder = SCREENSHOTS if os.environ.get("ASCEND_SCREENSHOTS") == "1" else tmp_path / "screenshots"

    def save(widget: QWidget, name: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{name}.png"
        QApplication.processEvents()
        assert widget.grab().save(str(target)), f"could not save {target}"
        return target

    return save


@pytest.fixture
def signed_in_app(qtbot: QtBot, context: AppContext) -> Iterator[DesktopApp]:
    """The app as a signed-in user sees it, with no server behind it: for rendering screens."""
    built = build_app(context)
    window = built.window
    qtbot.addWidget(window)
    window.resize(1180, 820)
    window.sidebar.show()
    window.user_label.setText("Signed in as\nJordan Rivera")
    window.show()
    qtbot.waitExposed(window)
    yield built
    built.controllers.connection.embedded.stop()


@pytest.fixture
def window(signed_in_app: DesktopApp) -> MainWindow:
    return signed_in_app.window


@pytest.fixture
def language_model() -> bool:
    """Whether `fresh_app`'s stack runs the (small) language model; a module overrides it."""
    return False


@pytest.fixture
def workspace() -> Iterator[Path]:
    # PostgreSQL runs as an unprivileged user when the tests run as root, so the data dir can't live
    # under pytest's private tmp dir.
    root = Path(tempfile.mkdtemp(prefix="ascend-desktop-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def microphone(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[VirtualMicrophone]:
    with virtual_microphone(workspace / "audio") as mic:
        for key in ("PULSE_SERVER", "PULSE_RUNTIME_PATH", "PULSE_SINK", "PULSE_SOURCE"):
            monkeypatch.setenv(key, mic.env[key])
        yield mic


@pytest.fixture
def fresh_app(
    qtbot: QtBot,
    workspace: Path,
    microphone: VirtualMicrophone,
    monkeypatch: pytest.MonkeyPatch,
    language_model: bool,
) -> Iterator[DesktopApp]:
    """The app as a new user launches it, on the real embedded stack, not yet started."""
    data_dir = workspace / "data"
    for key in inherited_server_settings():
        monkeypatch.delenv(key)
    for key, value in embedded_environment(data_dir, language_model=language_model).items():
        monkeypatch.setenv(key, value)
    settings = AppSettings(QSettings(str(workspace / "settings.ini"), QSettings.Format.IniFormat))
    runner = TaskRunner()
    context = AppContext(settings=settings, runner=runner, data_dir=data_dir, audio=SoundDeviceBackend())
    app = build_app(context)
    window = app.window
    qtbot.addWidget(window)
    window.resize(1180, 820)
    window.show()
    qtbot.waitExposed(window)
    try:
        yield app
    finally:
        window.close()
        qtbot.waitUntil(lambda: not app.controllers.connection.embedded.running, timeout=60_000)
        qtbot.waitUntil(lambda: not runner.busy, timeout=60_000)
        runner.wait()
