"""A user signs in through OAuth against a shared server from the desktop client.

Everything on the way is real except the people: the app in team-server mode, the server's API served
by Uvicorn on a loopback port over the suite's PostgreSQL and Redis, and an OAuth provider that
behaves like GitHub's and Google's (tests/team/oauth_provider.py) and approves at once, as a user
clicking "Allow" would. The test is the system browser: it goes wherever the app sends it, follows
every redirect, and clicks the provider's button on the server's sign-in page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from pytestqt.qtbot import QtBot

from app.core.config import Settings
from desktop.api.client import ApiClient
from desktop.api.errors import UserFacingError
from desktop.composition.build import build_app
from desktop.connection.browser_signin import AuthorizationCode, Pkce
from desktop.context import AppContext
from desktop.controllers.connection import browser_sign_in_providers, exchange_code
from desktop.qt import QWidget
from desktop.settings import Mode, SettingKey
from desktop.views.main_window import MainWindow, Screen
from tests.desktop.system_browser import SystemBrowser, Visit, system_browser
from tests.desktop.team_server import serving, with_overrides
from tests.team.oauth_provider import Account, LocalOAuthProvider, running_provider


@pytest.fixture(scope="module")
def oauth_provider() -> Iterator[LocalOAuthProvider]:
    with running_provider() as provider:
        yield provider


@pytest.fixture(scope="module")
def team_api_url(settings: Settings, oauth_provider: LocalOAuthProvider) -> Iterator[str]:
    with serving(with_overrides(settings, oauth_provider.settings())) as url:
        yield url


@pytest.fixture
def account(oauth_provider: LocalOAuthProvider) -> Iterator[Account]:
    oauth_provider.account = Account(email="morgan.lee@example.com", name="Morgan Lee", login="morganlee")
    oauth_provider.deny = False
    yield oauth_provider.account
    oauth_provider.deny = False


@pytest.fixture
def team_window(qtbot: QtBot, context: AppContext, team_api_url: str) -> Iterator[MainWindow]:
    context.settings.mode = Mode.TEAM
    context.settings.set_text(SettingKey.SERVER_URL, team_api_url)
    app = build_app(context)
    window = app.window
    qtbot.addWidget(window)
    window.resize(1180, 820)
    window.show()
    qtbot.waitExposed(window)
    app.start()
    yield window
    window.close()
    qtbot.waitUntil(lambda: not context.runner.busy, timeout=30_000)


def current(window: MainWindow) -> Screen:
    return Screen(window.pages.currentIndex())


def sign_in_through_the_browser(
    qtbot: QtBot, window: MainWindow, browser: SystemBrowser, provider_button: str
) -> Visit:
    """Click the app's button, then be the browser the app opened, until it lands back on the app."""
    assert current(window) is Screen.SIGN_IN
    assert window.sign_in.browser.isVisible()
    before = len(browser.opened)
    window.sign_in.browser.click()
    qtbot.waitUntil(lambda: len(browser.opened) > before, timeout=10_000)
    visit = browser.browse(browser.opened[-1], click=provider_button)
    qtbot.waitUntil(lambda: visit.finished, timeout=30_000)
    if visit.error is not None:
        raise visit.error
    assert visit.page is not None
    return visit


def test_a_user_signs_in_through_oauth_against_a_shared_server(
    qtbot: QtBot,
    team_window: MainWindow,
    team_api_url: str,
    account: Account,
    context: AppContext,
    screenshot: Callable[[QWidget, str], Path],
) -> None:
    window = team_window
    assert current(window) is Screen.SIGN_IN
    assert window.sign_in.url.text() == team_api_url
    screenshot(window, "team-sign-in")

    with system_browser() as browser:
        visit = sign_in_through_the_browser(qtbot, window, browser, "Sign in with GitHub")
        qtbot.waitUntil(lambda: current(window) is Screen.HOME, timeout=30_000)

    # The browser went: the server's sign-in page, its GitHub start, GitHub, the server's callback,
    # and back to the app's loopback port, where the app thanked it.
    opened = urlsplit(browser.opened[-1])
    assert f"{opened.scheme}://{opened.netloc}{opened.path}" == f"{team_api_url}/auth/oauth/sign-in"
    query = parse_qs(opened.query)
    assert query["redirect_uri"][0].startswith("http://127.0.0.1:")
    assert len(query["code_challenge"][0]) == 43
    paths = [urlsplit(url).path for url in visit.visited]
    assert paths == [
        "/api/v1/auth/oauth/sign-in",
        "/api/v1/auth/oauth/github/start",
        "/github/login/oauth/authorize",
        "/api/v1/auth/oauth/github/callback",
        "/callback",
    ]
    assert visit.page is not None
    assert visit.page.status_code == 200
    assert "You're signed in" in visit.page.text

    # Signed in as the provider's account, with a token that the browser never saw.
    user = context.user
    assert user is not None
    assert (user.email, user.name) == (account.email, account.name)
    assert "Morgan Lee" in window.user_label.text()
    token = context.tokens.get(context.settings.server_url)
    assert token
    assert not any(token in url for url in visit.visited)
    checked = ApiClient(team_api_url, token)
    try:
        assert checked.verify().id == user.id
    finally:
        checked.close()

    # The token is remembered: the next start signs in without a browser.
    again_app = build_app(
        AppContext(settings=context.settings, runner=context.runner, data_dir=context.data_dir, audio=None)
    )
    again = again_app.window
    qtbot.addWidget(again)
    with system_browser() as browser:
        again_app.start()
        qtbot.waitUntil(lambda: again_app.context.user is not None, timeout=10_000)
        assert browser.opened == []
    assert current(again) is Screen.HOME
    again_app.context.replace_client(None)
    # This window is closed here, as the fixture closes its own: what it started on reaching the home
    # screen reports back through the shared runner, and a report that reaches a window qtbot has
    # already deleted is an error in Qt's event loop ("Signal source has been deleted").
    again.close()
    qtbot.waitUntil(lambda: not again.isVisible() and not context.runner.busy, timeout=30_000)

    # The account goes with the test: the suite's database is shared.
    context.client().delete_my_data()


def test_a_sign_in_refused_at_the_provider_is_explained(
    qtbot: QtBot,
    team_window: MainWindow,
    oauth_provider: LocalOAuthProvider,
    account: Account,
    context: AppContext,
) -> None:
    window = team_window
    oauth_provider.deny = True
    with system_browser() as browser:
        visit = sign_in_through_the_browser(qtbot, window, browser, "Sign in with Google")
        qtbot.waitUntil(lambda: "didn't finish" in window.sign_in.banner.text.text(), timeout=10_000)
    assert [urlsplit(url).path for url in visit.visited][-1] == "/callback"
    assert visit.page is not None
    assert "You're not signed in" in visit.page.text
    assert window.sign_in.banner.text.text() == (
        "The sign-in didn't finish. The sign-in was cancelled at the provider."
    )
    assert current(window) is Screen.SIGN_IN
    assert context.user is None
    assert context.tokens.get(context.settings.server_url) == ""


def test_the_servers_answers_around_the_browser_become_sentences(team_api_url: str) -> None:
    assert browser_sign_in_providers(team_api_url) == ["google", "github"]
    with pytest.raises(UserFacingError, match="it usually ends in /api/v1"):
        browser_sign_in_providers(team_api_url.removesuffix("/api/v1"))
    # A code that was never issued (or expired, or was used) is refused by the server.
    with pytest.raises(UserFacingError, match="Sign in with your browser again"):
        exchange_code(AuthorizationCode(team_api_url, "x" * 43, Pkce().verifier))
