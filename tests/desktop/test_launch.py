"""`python -m desktop` starts the embedded stack by itself and shuts it down cleanly on SIGTERM."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.desktop.embedded_env import embedded_environment, inherited_server_settings
from tests.waiting import wait_until


@pytest.fixture
def data_dir() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="ascend-launch-"))
    # PostgreSQL runs as an unprivileged user when the tests run as root.
    root.chmod(0o755)
    yield root / "data"
    shutil.rmtree(root, ignore_errors=True)


def _launch_environment(data_dir: Path) -> dict[str, str]:
    """What a laptop's shell would have: none of the suite's own server settings."""
    inherited = set(inherited_server_settings())
    env = {key: value for key, value in os.environ.items() if key not in inherited}
    return {**env, **embedded_environment(data_dir), "QT_QPA_PLATFORM": "offscreen"}


def _logs(data_dir: Path, console: Path) -> str:
    parts = [f"--- console\n{console.read_text(errors='replace')[-4000:]}"]
    for log in sorted((data_dir / "logs").glob("*.log")):
        parts.append(f"--- {log.name}\n{log.read_text(errors='replace')[-2000:]}")
    return "\n".join(parts)


def _text(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


def test_the_app_starts_its_services_and_stops_them_on_sigterm(data_dir: Path) -> None:
    console = data_dir.parent / "console.log"
    with (
        console.open("wb") as output,
        subprocess.Popen(
            [sys.executable, "-m", "desktop"],
            env=_launch_environment(data_dir),
            stdout=output,
            stderr=subprocess.STDOUT,
        ) as app,
    ):
        try:
            api_url = data_dir / "api_url"
            desktop_log = data_dir / "logs" / "desktop.log"

            def running_and(condition: Callable[[], bool]) -> Callable[[], bool]:
                def check() -> bool:
                    assert app.poll() is None, _logs(data_dir, console)
                    return condition()

                return check

            # Generous: the first run on a fresh machine also converts the speech model.
            wait_until(
                running_and(api_url.exists),
                timeout=300,
                failure=lambda: "the embedded stack never came up\n" + _logs(data_dir, console),
            )
            # The local sign-in finishes first, so shutting down also covers a signed-in window.
            wait_until(
                running_and(lambda: "signed in to http://127.0.0.1:" in _text(desktop_log)),
                timeout=120,
                failure=lambda: "the app never signed in to its services\n" + _logs(data_dir, console),
            )
            app.send_signal(signal.SIGTERM)
            app.wait(timeout=90)
        finally:
            if app.poll() is None:
                app.kill()
                app.wait()
    assert app.returncode == 0, _logs(data_dir, console)
    assert not api_url.exists(), "the services were not stopped"
    log = (data_dir / "logs" / "desktop.log").read_text()
    assert "Traceback" not in log
