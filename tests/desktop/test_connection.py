"""Getting connected: browser sign-in's loopback redirect, and start-up failures in words."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
from pytestqt.qtbot import QtBot

from bundled_services.launchers.process import ServiceStartError
from bundled_services.supervisor import EmbeddedStack
from desktop.connection.browser_signin import BrowserSignIn, server_root
from desktop.connection.model_status import check_models
from desktop.context import AppContext
from desktop.views.main_window import MainWindow, Screen


def get_in_background(url: str) -> tuple[threading.Thread, list[httpx.Response]]:
    responses: list[httpx.Response] = []
    thread = threading.Thread(target=lambda: responses.append(httpx.get(url, timeout=10)))
    thread.start()
    return thread, responses


def test_the_browser_returns_the_token_to_a_loopback_port(qtbot: QtBot) -> None:
    sign_in = BrowserSignIn()
    assert sign_in.listen()
    url = urlsplit(sign_in.sign_in_url("https://ascend.example.com/api/v1"))
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://ascend.example.com/auth/desktop/sign-in"
    query = parse_qs(url.query)
    redirect, state = query["redirect_uri"][0], query["state"][0]
    assert redirect.startswith("http://127.0.0.1:")

    thread, responses = get_in_background(f"{redirect}?state=wrong&token=stolen")
    qtbot.waitUntil(lambda: bool(responses), timeout=10_000)
    thread.join()
    assert responses[0].status_code == 400

    with qtbot.waitSignal(sign_in.token_received, timeout=10_000) as received:
        thread, responses = get_in_background(f"{redirect}?state={state}&token=eyJ.jwt.sig")
        qtbot.waitUntil(lambda: bool(responses), timeout=10_000)
    thread.join()
    assert received.args == ["eyJ.jwt.sig"]
    assert responses[0].status_code == 200
    assert "close this tab" in responses[0].text
    sign_in.close()


def test_server_root_drops_the_api_prefix() -> None:
    assert server_root("http://127.0.0.1:8000/api/v1/") == "http://127.0.0.1:8000"


class StackThatCannotStart(EmbeddedStack):
    """Stands in for a laptop where PostgreSQL can't start (only the tests use it)."""

    def start(self) -> None:
        self.on_progress("Starting the database")
        raise ServiceStartError("postgres exited during start-up:\nFATAL: could not bind to port")


def failing_factory(data_dir: Path, on_progress: Callable[[str], None]) -> EmbeddedStack:
    return StackThatCannotStart(data_dir=data_dir, on_progress=on_progress)


def test_a_service_that_cannot_start_is_explained_with_a_way_to_retry(
    qtbot: QtBot, context: AppContext
) -> None:
    window = MainWindow(context, failing_factory)
    qtbot.addWidget(window)
    window.show()
    window.start()
    qtbot.waitUntil(lambda: not window.startup.banner.isHidden(), timeout=10_000)
    message = window.startup.banner.text.text()
    assert message.startswith("Ascend AI's services didn't start (postgres exited during start-up)")
    assert str(context.data_dir / "logs") in message
    assert "FATAL" not in message
    assert window.startup.retry.isVisible()
    assert Screen(window.pages.currentIndex()) is Screen.STARTUP
    assert window.sidebar.isHidden()
    window.startup.retry.click()
    qtbot.waitUntil(lambda: not window.startup.banner.isHidden(), timeout=10_000)
    assert window.startup.step_texts() == ["Starting the database"]


def test_without_a_token_the_team_mode_asks_to_sign_in(qtbot: QtBot, context: AppContext) -> None:
    window = MainWindow(context, failing_factory)
    qtbot.addWidget(window)
    window.show()
    window.start()
    window.startup.team.click()
    assert Screen(window.pages.currentIndex()) is Screen.SIGN_IN
    window.sign_in.submit.click()
    assert window.sign_in.banner.text.text() == "Paste the token first."


def test_models_that_are_not_set_up_say_so() -> None:
    statuses = check_models({"DATABASE_URL": "postgresql://x"})
    assert [status.ready for status in statuses] == [False, False]
    assert "can't be transcribed" in statuses[0].detail
    unreachable = check_models(
        {
            "WHISPER_SERVICE_URL": "http://127.0.0.1:9/transcribe",
            "LOCAL_LLM_API_BASE": "http://127.0.0.1:9/v1",
        }
    )
    assert [status.ready for status in unreachable] == [False, False]
    assert "Not answering" in unreachable[1].detail
