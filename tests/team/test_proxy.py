"""The repository's Caddyfile run by a real Caddy in front of the API's Gunicorn: TLS ends at Caddy, and
per-address limits count the real client, whatever X-Forwarded-For a client sends.

Only the ports and the upstream's address differ from the container (the Caddyfile's test-only values);
clients connect from distinct loopback addresses, as clients on distinct hosts would.
"""

from __future__ import annotations

import os
import ssl
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bundled_services.launchers.process import ManagedProcess, free_port
from tests.stack import ServiceStack
from tests.team.compose import ROOT, interpolate, load_compose

SERVER_DIR = ROOT / "server"
BIN = Path(sys.executable).parent
SIGN_IN_LIMIT = 5
# A per-address rule (the OAuth sign-in endpoints), which anyone may call.
COUNTED = "/api/v1/auth/oauth/providers"


@dataclass(slots=True)
class Proxied:
    https: str
    http: str
    direct_port: int
    ca: Path


def _ok(url: str, verify: bool | ssl.SSLContext = True) -> bool:
    try:
        return httpx.get(url, timeout=2, verify=verify).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="module")
def proxied(stack: ServiceStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxied]:
    root = tmp_path_factory.mktemp("proxy")
    api_port, http_port, https_port, health_port = (free_port() for _ in range(4))
    command = [interpolate(str(part), {}) for part in load_compose()["services"]["api"]["command"]]
    api = ManagedProcess(
        "gunicorn",
        [str(BIN / command[0]), *command[1:], "--bind", f"127.0.0.1:{api_port}", "--workers", "2"],
        log_path=root / "api.log",
        env={
            **os.environ,
            "RATE_LIMIT_SIGN_IN_PER_ADDRESS": str(SIGN_IN_LIMIT),
            # Caddy reaches the API from 127.0.0.1: the proxy's address, as PROXY_ADDRESS is in compose.
            "FORWARDED_ALLOW_IPS": "127.0.0.1",
        },
        cwd=SERVER_DIR,
    )
    caddy = ManagedProcess(
        "caddy",
        [str(BIN / "caddy"), "run", "--config", str(ROOT / "Caddyfile"), "--adapter", "caddyfile"],
        log_path=root / "caddy.log",
        env={
            "PATH": os.environ["PATH"],
            # Caddy's own CA and certificates, kept in the test's folder.
            "HOME": str(root),
            "XDG_DATA_HOME": str(root / "data"),
            "XDG_CONFIG_HOME": str(root / "config"),
            "ASCEND_DOMAIN": "localhost",
            "ASCEND_TLS": "internal",
            "ASCEND_API_HOST": "127.0.0.1",
            "ASCEND_API_PORT": str(api_port),
            "CADDY_HTTP_PORT": str(http_port),
            "CADDY_HTTPS_PORT": str(https_port),
            "CADDY_HEALTH_PORT": str(health_port),
        },
        cwd=root,
    )
    api.start()
    caddy.start()
    try:
        api.wait_ready(lambda: _ok(f"http://127.0.0.1:{api_port}/ready"), timeout=60, interval=0.3)
        caddy.wait_ready(lambda: _ok(f"http://127.0.0.1:{health_port}/"), timeout=30, interval=0.2)
        ca = root / "data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
        https = f"https://localhost:{https_port}"
        caddy.wait_ready(
            lambda: ca.is_file() and _ok(f"{https}/health", trusting(ca)), timeout=30, interval=0.2
        )
        yield Proxied(https=https, http=f"http://localhost:{http_port}", direct_port=api_port, ca=ca)
    finally:
        caddy.stop(grace=10)
        api.stop(grace=20)


def trusting(ca: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca))


def client_from(address: str, proxied: Proxied) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=address, verify=trusting(proxied.ca))
    return httpx.Client(transport=transport, timeout=10)


def test_tls_ends_at_caddy_with_a_certificate_of_its_own_ca(proxied: Proxied) -> None:
    with client_from("127.0.0.1", proxied) as client:
        answer = client.get(f"{proxied.https}/health")
        assert answer.status_code == 200
        assert answer.json() == {"status": "ok"}
    # Without Caddy's CA the certificate is not trusted: it is no public one.
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(f"{proxied.https}/health", timeout=5)
    plain = httpx.get(f"{proxied.http}/health", timeout=5)
    assert plain.status_code == 308
    # To port 443 whatever CADDY_HTTPS_PORT says: where compose publishes it.
    assert plain.headers["location"] == "https://localhost/health"


def test_per_address_limits_count_each_client_behind_the_proxy(proxied: Proxied) -> None:
    with client_from("127.0.0.2", proxied) as first, client_from("127.0.0.3", proxied) as second:
        statuses = [first.get(f"{proxied.https}{COUNTED}").status_code for _ in range(SIGN_IN_LIMIT + 1)]
        assert statuses == [200] * SIGN_IN_LIMIT + [429]
        # Another client behind the same proxy has a count of its own.
        assert second.get(f"{proxied.https}{COUNTED}").status_code == 200
        # A header naming someone else changes nothing: Caddy replaces it with the address it sees.
        spoofed = first.get(f"{proxied.https}{COUNTED}", headers={"X-Forwarded-For": "198.51.100.7"})
        assert spoofed.status_code == 429


def test_forwarded_headers_count_only_when_they_come_from_the_proxy(proxied: Proxied) -> None:
    direct = f"http://127.0.0.1:{proxied.direct_port}{COUNTED}"
    with client_from("127.0.0.4", proxied) as stranger, client_from("127.0.0.1", proxied) as proxy:
        # 127.0.0.4 is not the proxy: its X-Forwarded-For is ignored and it is counted as itself.
        for _ in range(SIGN_IN_LIMIT):
            assert stranger.get(direct, headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 200
        assert stranger.get(direct, headers={"X-Forwarded-For": "203.0.113.10"}).status_code == 429
        # From the proxy's address the header names the client, whose count is still untouched.
        assert proxy.get(direct, headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 200
