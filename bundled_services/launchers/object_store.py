"""An S3-compatible object store on loopback: the `nanio` server, with generated credentials."""

from __future__ import annotations

import http.client
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from bundled_services.launchers.process import LOOPBACK, ManagedProcess, start_on_free_port
from bundled_services.python_command import module_command


@dataclass(slots=True)
class ObjectStoreHandle:
    endpoint_url: str
    access_key: str
    secret_key: str
    region: str
    process: ManagedProcess

    def stop(self) -> None:
        self.process.stop()


def _answers_http(port: int) -> bool:
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=1)
    try:
        connection.request("GET", "/")
        connection.getresponse().read()
    except OSError:
        return False
    finally:
        connection.close()
    return True


def start_object_store(
    data_dir: Path,
    log_path: Path,
    *,
    access_key: str | None = None,
    secret_key: str | None = None,
    port: int | None = None,
    region: str = "us-east-1",
) -> ObjectStoreHandle:
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    access = access_key or f"ascend-{secrets.token_hex(8)}"
    secret = secret_key or secrets.token_urlsafe(32)
    env = {**os.environ, "NANIO_ACCESS_KEY": access, "NANIO_SECRET_KEY": secret}

    def launch(chosen_port: int) -> ObjectStoreHandle:
        process = ManagedProcess(
            "object store",
            [
                *module_command("nanio"),
                "serve",
                "--host",
                LOOPBACK,
                "--port",
                str(chosen_port),
                "--data-dir",
                str(data_dir),
                "--region",
                region,
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            log_path=log_path,
            env=env,
        )
        process.start()
        try:
            process.wait_ready(lambda: _answers_http(chosen_port), timeout=30)
        except BaseException:
            process.stop()
            raise
        return ObjectStoreHandle(
            endpoint_url=f"http://{LOOPBACK}:{chosen_port}",
            access_key=access,
            secret_key=secret,
            region=region,
            process=process,
        )

    return start_on_free_port(launch, port)
