"""`python -m desktop` starts the embedded stack by itself and shuts it down cleanly on SIGTERM."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.desktop.embedded_env import embedded_environment


@pytest.fixture
def data_dir() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="ascend-launch-"))
    # PostgreSQL runs as an unprivileged user when the tests run as root.
    root.chmod(0o755)
    yield root / "data"
    shutil.rmtree(root, ignore_errors=True)


def test_the_app_starts_its_services_and_stops_them_on_sigterm(data_dir: Path) -> None:
    env = {**os.environ, **embedded_environment(data_dir), "QT_QPA_PLATFORM": "offscreen"}
    app = subprocess.Popen(
        [sys.executable, "-m", "desktop"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        api_url = data_dir / "api_url"
        deadline = time.monotonic() + 120
        while not api_url.exists():
            assert app.poll() is None, app.stdout.read().decode() if app.stdout else ""
            assert time.monotonic() < deadline, "the embedded stack never came up"
            time.sleep(0.5)
        # Let the local sign-in finish, so shutting down also covers a signed-in window.
        time.sleep(3)
        app.send_signal(signal.SIGTERM)
        output, _ = app.communicate(timeout=90)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
    assert app.returncode == 0, output.decode()
    assert not api_url.exists(), "the services were not stopped"
    log = (data_dir / "logs" / "desktop.log").read_text()
    assert "Traceback" not in log
