"""The test plays the system browser: Qt hands it every web address the app opens, and it browses there.

`QDesktopServices.setUrlHandler` is Qt's own way to route `openUrl` for a scheme to an object, so the
app's code runs unchanged up to the moment a real browser would take over. Browsing happens on a
thread of its own, as in a real browser, while the test keeps Qt's event loop (and with it the app's
loopback listener) running.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import unescape

import httpx

from desktop.qt import QDesktopServices, QObject, QUrl, Slot

MAX_HOPS = 10
_LINK = re.compile(r'<a href="([^"]+)">([^<]+)</a>')


@dataclass(slots=True)
class Visit:
    """One trip through the browser: every address it went to, and the page it ended on."""

    visited: list[str] = field(default_factory=list)
    page: httpx.Response | None = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def finished(self) -> bool:
        return self.done.is_set()


def links(page: httpx.Response) -> dict[str, str]:
    """A page's links, by their text."""
    return {unescape(text): unescape(href) for href, text in _LINK.findall(page.text)}


class SystemBrowser(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url.toString(QUrl.ComponentFormattingOption.FullyEncoded))

    def browse(self, url: str, click: str | None = None) -> Visit:
        """GET `url` on a thread, following redirects, and the link labelled `click` on the first page."""
        visit = Visit()

        def run() -> None:
            try:
                with httpx.Client(timeout=15) as client:
                    visit.page = self._follow(client, url, visit)
                    if click is not None:
                        visit.page = self._follow(client, links(visit.page)[click], visit)
            except BaseException as error:  # handed to the test, which fails with it
                visit.error = error
            finally:
                visit.done.set()

        threading.Thread(target=run, name="system-browser", daemon=True).start()
        return visit

    @staticmethod
    def _follow(client: httpx.Client, url: str, visit: Visit) -> httpx.Response:
        for _ in range(MAX_HOPS):
            visit.visited.append(url)
            response = client.get(url)
            if not response.is_redirect:
                return response
            url = str(response.next_request.url) if response.next_request else response.headers["location"]
        raise AssertionError(f"more than {MAX_HOPS} redirects from {visit.visited[0]}")


@contextmanager
def system_browser() -> Iterator[SystemBrowser]:
    browser = SystemBrowser()
    for scheme in ("http", "https"):
        # PySide6's stub says bytes, but the binding accepts only the slot's name as str.
        QDesktopServices.setUrlHandler(scheme, browser, "open")  # type: ignore[arg-type]
    try:
        yield browser
    finally:
        for scheme in ("http", "https"):
            QDesktopServices.unsetUrlHandler(scheme)
