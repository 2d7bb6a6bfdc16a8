"""Getting connected: browser sign-in's loopback redirect and PKCE, and start-up failures in words."""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import httpx
from pytestqt.qtbot import QtBot

from app.schemas.oauth import CODE_VERIFIER_PATTERN
from bundled_services.launchers.process import ServiceStartError
from bundled_services.supervisor.stack import EmbeddedStack
from desktop.composition.build import build_app
from desktop.connection.browser_signin import AuthorizationCode, BrowserSignIn
from desktop.connection.model_status import check_models
from desktop.context import AppContext
from desktop.views.main_window import Screen
from tests.desktop.system_browser import SystemBrowser, system_browser


def get_in_background(url: str) -> tuple[threading.Thread, list[httpx.Response]]:
    responses: list[httpx.Response] = []
    thread = threading.Thread(target=lambda: responses.append(httpx.get(url, timeout=10)))
    thread.start()
    return thread, responses


def call_back(qtbot: QtBot, url: str) -> httpx.Response:
    """The browser arriving at the app's loopback address (on a thread: the listener is the UI thread's)."""
    thread, responses = get_in_background(url)
    qtbot.waitUntil(lambda: bool(responses), timeout=10_000)
    thread.join()
    return responses[0]


def opened_query(browser: SystemBrowser) -> tuple[str, dict[str, str]]:
    url = urlsplit(browser.opened[-1])
    return url.path, {key: values[0] for key, values in parse_qs(url.query).items()}


def test_the_browser_brings_a_one_time_code_back_to_a_loopback_port(qtbot: QtBot) -> None:
    sign_in = BrowserSignIn()
    codes: list[AuthorizationCode] = []
    problems: list[str] = []
    sign_in.code_received.connect(codes.append)
    sign_in.failed.connect(problems.append)
    with system_browser() as browser:
        sign_in.start("https://ascend.example.com/api/v1/", ["google", "github"])
        _, query = opened_query(browser)
        assert browser.opened[-1].startswith("https://ascend.example.com/api/v1/auth/oauth/sign-in?")
        redirect, state = query["redirect_uri"], query["state"]
        assert redirect.startswith("http://127.0.0.1:")
        assert redirect.endswith("/callback")

        # Someone else's redirect, or a stale tab, is refused and the app keeps waiting for its own.
        assert call_back(qtbot, f"{redirect}?state=wrong&code=stolen").status_code == 400
        assert call_back(qtbot, f"{redirect.removesuffix('/callback')}/favicon.ico").status_code == 404
        assert codes == []

        answer = call_back(qtbot, f"{redirect}?state={state}&code=one-time-code")
    assert answer.status_code == 200
    assert "close this tab" in answer.text
    assert answer.headers["cache-control"] == "no-store"
    assert not sign_in.waiting, "the port stays open only until the browser has come back"
    assert problems == []
    [received] = codes
    assert received.api_url == "https://ascend.example.com/api/v1"
    assert received.code == "one-time-code"
    # The verifier never left the app; the server saw only its S256 challenge.
    assert re.fullmatch(CODE_VERIFIER_PATTERN, received.code_verifier)
    assert received.code_verifier not in browser.opened[-1]
    digest = hashlib.sha256(received.code_verifier.encode()).digest()
    assert query["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_a_server_with_one_provider_sends_the_browser_straight_to_it(qtbot: QtBot) -> None:
    sign_in = BrowserSignIn()
    with system_browser() as browser:
        sign_in.start("http://127.0.0.1:8000/api/v1", ["github"])
        first_path, first = opened_query(browser)
        sign_in.start("http://127.0.0.1:8000/api/v1", ["github"])
        _, second = opened_query(browser)
    assert first_path == "/api/v1/auth/oauth/github/start"
    # Every attempt has its own state and PKCE pair.
    assert first["state"] != second["state"]
    assert first["code_challenge"] != second["code_challenge"]
    sign_in.cancel()


def test_a_refused_sign_in_comes_back_as_words(qtbot: QtBot) -> None:
    sign_in = BrowserSignIn()
    with system_browser() as browser:
        with qtbot.waitSignal(sign_in.failed) as none_offered:
            sign_in.start("http://127.0.0.1:8000/api/v1", [])
        assert browser.opened == []
        assert "doesn't offer sign-in with Google or GitHub" in none_offered.args[0]

        sign_in.start("http://127.0.0.1:8000/api/v1", ["google", "github"])
        _, query = opened_query(browser)
        with qtbot.waitSignal(sign_in.failed) as refused:
            description = "<b>The sign-in was cancelled at the provider</b>"
            page = call_back(
                qtbot,
                f"{query['redirect_uri']}?error=access_denied&state={query['state']}"
                f"&error_description={quote(description)}",
            )
    assert refused.args == ["The sign-in didn't finish. <b>The sign-in was cancelled at the provider</b>."]
    assert "&lt;b&gt;" in page.text, "the server's words are shown as text, not as markup"
    assert not sign_in.waiting


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
    app = build_app(context, failing_factory)
    window = app.window
    qtbot.addWidget(window)
    window.show()
    app.start()
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
    app = build_app(context, failing_factory)
    window = app.window
    qtbot.addWidget(window)
    window.show()
    app.start()
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
