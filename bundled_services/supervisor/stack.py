"""`EmbeddedStack`: the embedded services started in dependency order on this machine, and stopped.

Each service starts once what it depends on has passed its readiness probe; the stack records its
children's pids (for `leftovers`), writes the server's environment and the API's address to the data
dir, and stops everything in reverse order, PostgreSQL last. A start may be abandoned while it waits
(`StopRequested`); watching the running services is `restarts`' part, which the stack inherits.
"""

from __future__ import annotations

import logging
import os
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from bundled_services import leftovers
from bundled_services.instance_lock import InstanceLock
from bundled_services.launchers.broker import BrokerHandle, requeue_unacknowledged, start_broker
from bundled_services.launchers.llm_server import LLMServerHandle, spawn_llm_server
from bundled_services.launchers.object_store import ObjectStoreHandle, start_object_store
from bundled_services.launchers.postgres import PostgresHandle, start_postgres
from bundled_services.launchers.process import (
    LOOPBACK,
    ManagedProcess,
    ServiceStartError,
    free_port,
    http_ok,
    port_is_free,
    require_free_port,
)
from bundled_services.launchers.server_processes import SERVER_DIR, api_server, celery_worker
from bundled_services.launchers.speech_server import SpeechServerHandle, spawn_speech_server
from bundled_services.local_secrets import load_or_create
from bundled_services.models import (
    ModelSet,
    knowledge_base_fingerprint,
    provision_models,
    runs_llm_here,
    runs_speech_here,
)
from bundled_services.provisioning._verify import ProvisioningError
from bundled_services.python_command import module_command
from bundled_services.supervisor.environment import (
    LOCAL_AGENT_TIMEOUT_SECONDS,
    LOCAL_LLM_REQUEST_TIMEOUT_SECONDS,
    OFFLINE_ENVIRONMENT,
    generation_threads,
)
from bundled_services.supervisor.probes import PORT_ATTEMPTS, WorkerProbe, ready_or_respawned
from bundled_services.supervisor.restarts import CrashRestarts

logger = logging.getLogger("ascend.supervisor")

DATABASE_NAME = "ascend"
BUCKET_NAME = "ascend-storage"
SERVER_ENV_FILE = "server.env"
API_URL_FILE = "api_url"
LOCK_FILE = "ascend.lock"
KNOWLEDGE_BASE_MARKER = "knowledge_base.sha256"
KNOWLEDGE_BASE_DIR = SERVER_DIR.parent / "knowledge_base_docs"
API_START_TIMEOUT_SECONDS = 90.0
WORKER_START_TIMEOUT_SECONDS = 120.0
# A worker busy with a job finishes it before a warm shutdown; one stuck in a long model call is
# killed after this and its job handed back to the queue for the next start.
WORKER_STOP_GRACE_SECONDS = 10.0


class StopRequested(BaseException):
    """A stop was asked for while the stack was starting: unwind, stopping what has started."""


def write_private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)


def make_private_dir(path: Path) -> None:
    """Create `path` readable by this user only; tighten it if it already exists (and is ours)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.stat().st_uid == os.geteuid():
        path.chmod(0o700)


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
    # Set (by a signal handler, say) to abandon a start; see `interruptible`.
    stop_event: threading.Event = field(default_factory=threading.Event)
    _lock: InstanceLock | None = None
    _guard: threading.RLock = field(default_factory=threading.RLock)
    _interruptible: bool = False
    # "stopped", "starting", "running" or "stopping": what a signal handler may do depends on it.
    phase: str = "stopped"
    _watch: CrashRestarts = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._watch = CrashRestarts(self, self._guard)

    def restart_crashed(self) -> list[str]:
        """Restart every service that has died; returns the names restarted (`CrashRestarts`)."""
        return self._watch.restart_crashed()

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def worker(self) -> ManagedProcess | None:
        return next((process for process in self.processes if process.name == "worker"), None)

    @property
    def api(self) -> ManagedProcess | None:
        return next((process for process in self.processes if process.name == "api"), None)

    @property
    def interruptible(self) -> bool:
        """Whether a start may be abandoned right now by raising `StopRequested` (from a signal handler).

        Only while waiting: for a probe, a model check or a server command. A process being spawned, or
        PostgreSQL being initialised, must not be cut short, or it would run on unrecorded (or leave a
        half-made database); a stop asked for then is honoured as soon as that step is done.
        """
        return self._interruptible

    @contextmanager
    def _waiting(self) -> Iterator[None]:
        self._checkpoint()
        self._interruptible = True
        try:
            yield
        finally:
            self._interruptible = False
        self._checkpoint()

    def _checkpoint(self) -> None:
        if self.stop_event.is_set():
            raise StopRequested

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock = InstanceLock(self.data_dir / LOCK_FILE)
        self._lock.acquire()
        self.phase = "starting"
        try:
            # Only with the lock held: as root a running stack's data dir is 0711 (see start_postgres),
            # and a second start must not take that away from it.
            make_private_dir(self.data_dir)
            for name in leftovers.stop_leftovers(self.data_dir):
                self.on_progress(f"Stopped {name}, left running by an earlier run that did not shut down")
            self._start_services()
        except BaseException:
            self.stop()
            raise
        self.phase = "running"

    def _start_services(self) -> None:
        if self.api_port is not None:
            # Before anything starts: an explicit port that is taken is the user's to fix.
            require_free_port(self.api_port, "the API")
        make_private_dir(self.logs_dir)
        secrets = load_or_create(self.data_dir / "secrets.json")
        self.on_progress("Checking the models (the first run assembles them, which takes a few minutes)")
        try:
            with self._waiting():
                self.models = provision_models(
                    os.environ, speech=runs_speech_here(os.environ), language=runs_llm_here(os.environ)
                )
        except (ProvisioningError, FileNotFoundError) as exc:
            raise ServiceStartError(f"the models are not usable: {exc}") from exc
        ai_env = self._spawn_ai_services()
        self.on_progress("Starting the database")
        self.postgres = start_postgres(self.data_dir / "postgres")
        self.postgres.create_database(DATABASE_NAME)
        self.record_processes()
        self.on_progress("Starting the job broker")
        self.broker = start_broker(
            self.data_dir / "broker", log_path=self.logs_dir / "broker.log", password=secrets.broker_password
        )
        self.record_processes()
        # No worker runs yet: whatever the queue holds as taken was left by a worker of a run that died.
        handed_back = requeue_unacknowledged(self.broker.url)
        if handed_back:
            self.on_progress(f"Handed {handed_back} unfinished job(s) of an earlier run back to the queue")
        self.on_progress("Starting the file store")
        self.object_store = start_object_store(
            self.data_dir / "objects",
            self.logs_dir / "objects.log",
            access_key=secrets.s3_access_key,
            secret_key=secrets.s3_secret_key,
        )
        self.record_processes()
        self.server_env = {
            **OFFLINE_ENVIRONMENT,
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
            **ai_env,
        }
        self.on_progress("Updating the database schema")
        with self._waiting():
            self._server_command("migrate")
            self._seed_knowledge_base()
        self._await_ai_services()
        self._write_server_env()
        self._start_worker_and_api()
        write_private(self.data_dir / API_URL_FILE, self.api_url + "\n")

    def _spawn_ai_services(self) -> dict[str, str]:
        """Start loading the speech and language models unless the configuration points elsewhere."""
        assert self.models is not None
        env: dict[str, str] = {"EMBEDDING_MODEL_NAME": str(self.models.embedding_dir)}
        if "WORKER_WARM_UP" not in os.environ:
            # The laptop's first practice should be as quick as the next: the worker loads the embedding
            # model and has the bundled language model read the jobs' opening turns as it starts.
            env["WORKER_WARM_UP"] = "true"
        speech_model, language_model = self.models.speech_model, self.models.language_model
        if speech_model is not None:
            self.on_progress("Loading the speech recognition model")
            self.speech = spawn_speech_server(speech_model, self.logs_dir / "speech.log", port=free_port())
            self.record_processes()
        if language_model is not None:
            self.on_progress("Loading the language model")
            self.llm = spawn_llm_server(
                language_model,
                self.logs_dir / "llm.log",
                port=free_port(),
                model_alias=language_model.stem,
                threads=generation_threads(),
            )
            self.record_processes()
            if "LLM_REQUEST_TIMEOUT_SECONDS" not in os.environ:
                # This server answers one request at a time and finishes a request its client gave up
                # on: a timeout and retry only queue a second copy of the work behind the first. So
                # wait for it as long as a slow laptop needs (a crash still fails the request at once).
                env["LLM_REQUEST_TIMEOUT_SECONDS"] = str(LOCAL_LLM_REQUEST_TIMEOUT_SECONDS)
            if "AGENT_TIMEOUT_SECONDS" not in os.environ:
                env["AGENT_TIMEOUT_SECONDS"] = str(LOCAL_AGENT_TIMEOUT_SECONDS)
        return env

    def _await_ai_services(self) -> None:
        assert self.models is not None
        speech_model, language_model = self.models.speech_model, self.models.language_model
        if self.speech is not None and speech_model is not None:
            self.on_progress("Waiting for speech recognition")
            self.speech = ready_or_respawned(
                self._waiting,
                self.speech,
                lambda port: spawn_speech_server(speech_model, self.logs_dir / "speech.log", port=port),
            )
            self.server_env["WHISPER_SERVICE_URL"] = self.speech.transcribe_url
        if self.llm is not None and language_model is not None:
            self.on_progress("Waiting for the language model")
            self.llm = ready_or_respawned(
                self._waiting,
                self.llm,
                lambda port: spawn_llm_server(
                    language_model,
                    self.logs_dir / "llm.log",
                    port=port,
                    model_alias=language_model.stem,
                    threads=generation_threads(),
                ),
            )
            self.server_env["LOCAL_LLM_API_BASE"] = self.llm.api_base
            self.server_env["LOCAL_LLM_MODEL_NAME"] = self.llm.model_alias
        self.record_processes()

    def _start_worker_and_api(self) -> None:
        """Start both at once (each imports the whole server, seconds of CPU) and probe both."""
        assert self.broker is not None
        self.on_progress("Starting the background worker and the API")
        worker = celery_worker(self.logs_dir / "worker.log", self._child_env())
        worker.start()
        self.processes.append(worker)
        for attempt in range(1, PORT_ATTEMPTS + 1):
            port = self.api_port or free_port()
            api = api_server(port, self.logs_dir / "api.log", self._child_env())
            api.start()
            self.processes.append(api)
            self.record_processes()
            try:
                with self._waiting():
                    api.wait_ready(partial(http_ok, port, "/health"), timeout=API_START_TIMEOUT_SECONDS)
                break
            except ServiceStartError:
                api.stop()
                self.processes.remove(api)
                if self.api_port is not None or attempt == PORT_ATTEMPTS or port_is_free(port):
                    raise
        self.api_url = f"http://{LOOPBACK}:{port}/api/v1"
        probe = WorkerProbe(self.broker.url)
        try:
            with self._waiting():
                worker.wait_ready(probe, timeout=WORKER_START_TIMEOUT_SECONDS, interval=0.5)
        finally:
            probe.close()

    def _seed_knowledge_base(self) -> None:
        """Seed on first run, and again only when the guides change (seeding loads the embedder)."""
        marker = self.data_dir / KNOWLEDGE_BASE_MARKER
        fingerprint = knowledge_base_fingerprint(KNOWLEDGE_BASE_DIR)
        if marker.exists() and marker.read_text().strip() == fingerprint:
            return
        self.on_progress("Building the coaching knowledge base (first run only)")
        self._server_command("seed-kb")
        write_private(marker, fingerprint + "\n")

    def _child_env(self) -> dict[str, str]:
        return {**os.environ, **self.server_env}

    def _write_server_env(self) -> None:
        write_private(
            self.data_dir / SERVER_ENV_FILE,
            "".join(f"{key}={value}\n" for key, value in sorted(self.server_env.items())),
        )

    def _server_command(self, command: str) -> None:
        result = subprocess.run(  # noqa: S603
            [*module_command("app.cli"), command],
            cwd=SERVER_DIR,
            env=self._child_env(),
            capture_output=True,
            text=True,
            check=False,
            umask=0o077,
        )
        if result.returncode != 0:
            raise ServiceStartError(f"`{command}` failed:\n{result.stderr[-3000:]}")

    def managed(self) -> Iterator[ManagedProcess]:
        """Every child process, dependencies first."""
        for handle in (self.broker, self.object_store, self.speech, self.llm):
            if handle is not None:
                yield handle.process
        yield from self.processes

    def record_processes(self) -> None:
        pids = [(process.name, process.pid) for process in self.managed() if process.pid is not None]
        leftovers.record(self.data_dir, pids)

    def stop(self) -> None:
        """Stop everything in reverse order; every service gets its stop even if an earlier one fails."""
        with self._guard:
            self.phase = "stopping"
            errors: list[Exception] = []

            def attempt(what: str, action: Callable[[], object]) -> None:
                try:
                    action()
                except Exception as exc:
                    logger.exception("could not stop %s cleanly", what)
                    errors.append(exc)

            if (api := self.api) is not None:
                attempt("the API", lambda: api.stop(grace=10))
            if (worker := self.worker) is not None:
                attempt("the worker", lambda: worker.stop(grace=WORKER_STOP_GRACE_SECONDS))
                broker = self.broker
                if broker is not None and broker.process.running():
                    # Killed mid-job after the grace: its job waits in the queue for the next start.
                    attempt("the worker's unfinished jobs", lambda: requeue_unacknowledged(broker.url))
            self.processes.clear()
            for name, handle in (
                ("the language model", self.llm),
                ("speech recognition", self.speech),
                ("the file store", self.object_store),
                ("the broker", self.broker),
                ("the database", self.postgres),
            ):
                if handle is not None:
                    attempt(name, handle.stop)
            self.llm = self.speech = None
            self.object_store = self.broker = self.postgres = None
            (self.data_dir / API_URL_FILE).unlink(missing_ok=True)
            if not errors:
                leftovers.forget(self.data_dir)
            if self._lock is not None:
                self._lock.release()
                self._lock = None
            self.phase = "stopped"
            if errors:
                raise errors[0]
