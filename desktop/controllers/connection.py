"""Gets the client signed in: the embedded stack with its local user, or a team server (browser or token)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from app.schemas.user import UserResponse
from desktop.api.client import ApiClient
from desktop.api.errors import ApiError, UserFacingError
from desktop.connection.browser_signin import AuthorizationCode, BrowserSignIn
from desktop.connection.embedded import EmbeddedServer, RunningStack
from desktop.connection.local_signin import LocalSignIn
from desktop.context import AppContext
from desktop.qt import QObject, Signal
from desktop.settings import AppSettings, Mode, SettingKey
from desktop.tasks import simple
from desktop.token_store import TokenStore

logger = logging.getLogger(__name__)

SIGNING_IN = "Signing you in"


def browser_sign_in_providers(api_url: str) -> list[str]:
    """The providers the server offers; blocking, so run it on a worker thread."""
    client = ApiClient(api_url)
    try:
        return list(client.oauth_providers().providers)
    except ApiError as error:
        if error.status_code == 404:
            raise UserFacingError(
                f"There is no Ascend AI server with browser sign-in at {api_url}. Check the address: "
                "it usually ends in /api/v1."
            ) from error
        raise
    finally:
        client.close()


def exchange_code(received: AuthorizationCode) -> str:
    """The JWT for the code the browser brought back; blocking, so run it on a worker thread."""
    client = ApiClient(received.api_url)
    try:
        return client.exchange_oauth_code(received.code, received.code_verifier).access_token
    except ApiError as error:
        if error.status_code == 401:
            raise UserFacingError(
                "Your account is disabled on this server. Ask the server's administrator."
            ) from error
        if error.status_code == 400:
            raise UserFacingError(
                "The sign-in took too long or was already used. Sign in with your browser again."
            ) from error
        raise
    finally:
        client.close()


def stored_team_token(settings: AppSettings, tokens: TokenStore) -> str:
    """The team server's token, moved first out of the settings where earlier versions kept it."""
    legacy = settings.text(SettingKey.LEGACY_TEAM_TOKEN)
    if legacy:
        tokens.set(settings.server_url, legacy)
        settings.remove(SettingKey.LEGACY_TEAM_TOKEN)
    return tokens.get(settings.server_url)


class ConnectionController(QObject):
    progress = Signal(str)
    connected = Signal(object)  # UserResponse
    failed = Signal(str)
    needs_team_sign_in = Signal(str)  # why (empty on first use)
    stopped = Signal()

    def __init__(self, context: AppContext, embedded: EmbeddedServer) -> None:
        super().__init__()
        self._context = context
        self.embedded = embedded
        self._api_url = ""
        self._local = LocalSignIn(self)
        self.browser = BrowserSignIn(self)
        embedded.progress.connect(self.progress)
        embedded.ready.connect(self._stack_ready)
        embedded.failed.connect(self.failed)
        embedded.stopped.connect(self.stopped)
        self._local.signed_in.connect(self._verify_local)
        self._local.failed.connect(self.failed)
        self.browser.code_received.connect(self._redeem)
        self.browser.failed.connect(self.needs_team_sign_in)

    def connect_to_server(self) -> None:
        if self._context.settings.mode is Mode.EMBEDDED:
            if self.embedded.running:
                self._context.replace_client(None)
                self._local.start(self._context.server_env)
                self.progress.emit(SIGNING_IN)
            else:
                self.embedded.start()
            return
        token = stored_team_token(self._context.settings, self._context.tokens)
        if token:
            self.sign_in_to_team(token)
        else:
            self.needs_team_sign_in.emit("")

    def _stack_ready(self, running: RunningStack) -> None:
        self._context.server_env = running.server_env
        self._api_url = running.api_url
        self.progress.emit(SIGNING_IN)
        self._local.start(running.server_env)

    def _verify_local(self, token: str) -> None:
        self._verify(ApiClient(self._api_url, token), on_error=self.failed.emit)

    def sign_in_with_browser(self) -> None:
        """Ask the server which providers it offers, then open the browser at its sign-in."""
        api_url = self._context.settings.server_url
        self._context.runner.submit(
            simple(lambda: browser_sign_in_providers(api_url)),
            lambda providers: self.browser.start(api_url, providers),
            self.needs_team_sign_in.emit,
        )

    def _redeem(self, received: AuthorizationCode) -> None:
        self._context.runner.submit(
            simple(lambda: exchange_code(received)),
            lambda token: self.sign_in_to_team(token, received.api_url),
            self.needs_team_sign_in.emit,
        )

    def sign_in_to_team(self, token: str, api_url: str | None = None) -> None:
        client = ApiClient(api_url or self._context.settings.server_url, token.strip())

        def remember(user: UserResponse) -> None:
            # The token belongs to the server that issued it.
            self._context.settings.set_text(SettingKey.SERVER_URL, client.base_url)
            self._context.tokens.set(client.base_url, token.strip())

        self._verify(client, on_error=self.needs_team_sign_in.emit, also=remember)

    def _verify(
        self,
        client: ApiClient,
        *,
        on_error: Callable[[str], None],
        also: Callable[[UserResponse], None] | None = None,
    ) -> None:
        def done(user: UserResponse) -> None:
            if also is not None:
                also(user)
            self._context.replace_client(client)
            self._context.user = user
            self.connected.emit(user)
            logger.info("signed in to %s", client.base_url)

        def failed(message: str) -> None:
            client.close()
            on_error(message)

        self._context.runner.submit(simple(client.verify), done, failed)

    def sign_out_of_team(self) -> None:
        self.browser.cancel()
        self._context.tokens.delete(self._context.settings.server_url)
        self._context.replace_client(None)

    def shut_down(self) -> None:
        self.browser.cancel()
        self._context.replace_client(None)
        self.embedded.stop()
