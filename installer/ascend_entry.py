"""The bundle's executable, `ascend`: the desktop app, the `ascend` command, and every service process.

    ascend                         open the desktop app (what a double-click or a menu entry runs)
    ascend --self-test [...]       start everything, coach the sample answer, exit 0 if the report is valid
    ascend --run-module M [...]    run module M as `python -m M` would (how the stack starts its services)
    ascend COMMAND [...]           the `ascend` command (serve, practice, doctor, models, ...)

The server's Python sources travel in the bundle as files, laid out as in the checkout
(`server/`, `knowledge_base_docs/`), because the server finds its migrations and the knowledge
base relative to its own files; `server/` is put on the import path here.
"""

from __future__ import annotations

import multiprocessing
import os
import runpy
import sys
from pathlib import Path

RUN_MODULE_FLAG = "--run-module"  # the same flag as bundled_services.python_command.RUN_MODULE_FLAG
SELF_TEST_FLAG = "--self-test"


def resource_root() -> Path:
    """The folder the bundle's files sit in (`_internal/` beside the executable); the checkout otherwise."""
    bundled = getattr(sys, "_MEIPASS", None)
    return Path(bundled) if bundled else Path(__file__).resolve().parents[1]


def run_module(module: str, arguments: list[str]) -> int:
    """What `python -m module arguments...` does: the working directory first on the import path."""
    sys.path.insert(0, os.getcwd())
    sys.argv = [module, *arguments]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
    return 0


def check_desktop_loads() -> None:
    """The Qt part of the self-test: the platform plugin, widgets and fonts of the bundle draw a window."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        # A headless machine (CI, a server): Qt draws into memory instead of failing to find a display.
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from desktop.qt import QApplication
    from desktop.views import style
    from desktop.views.startup import StartupView

    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    style.apply(app)
    view = StartupView()
    view.resize(800, 600)
    view.step("Checking the desktop app")
    view.show()
    app.processEvents()
    picture = view.grab()
    view.close()
    if picture.isNull() or picture.width() < 100:
        raise RuntimeError("the desktop app's start-up screen could not be drawn")


def self_test(arguments: list[str]) -> int:
    from bundled_services.self_test import main as self_test_main

    check_desktop_loads()
    print("… the desktop app's window draws", file=sys.stderr, flush=True)
    return self_test_main(arguments)


def main() -> int:
    multiprocessing.freeze_support()
    server_dir = str(resource_root() / "server")
    if server_dir not in sys.path:
        sys.path.append(server_dir)
    arguments = sys.argv[1:]
    if arguments[:1] == [RUN_MODULE_FLAG]:
        if len(arguments) < 2:
            print(f"ascend: {RUN_MODULE_FLAG} needs a module name", file=sys.stderr)
            return 2
        return run_module(arguments[1], arguments[2:])
    if arguments[:1] == [SELF_TEST_FLAG]:
        return self_test(arguments[1:])
    from bundled_services.cli import main as ascend

    # No arguments is a double-click or a menu entry: open the app, as `ascend desktop` does.
    return ascend(arguments or ["desktop"])


if __name__ == "__main__":
    sys.exit(main())
