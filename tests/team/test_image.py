"""The team server's images built without Docker, run as docker compose runs them, through a whole practice.

Every image compose builds is replayed from its Dockerfile with compose's build arguments
(`tests/team/image.py`): the Dockerfile's own RUN lines compute the requirements and install them into
a fresh venv, the code is laid out as the image lays it out, and its processes get the image's ENV
and WORKDIR. Every compose service built from one then runs its own command in that layout with its
compose environment, in compose's order (`depends_on`), and counts as up once its own healthcheck
passes. The services compose pulls ready-made run here as stand-ins, each configured from its compose
service's environment: PostgreSQL with pgvector, Valkey, the nanio S3 server, and llama.cpp's
OpenAI-compatible server (the small model) in Ollama's place. A user is made the way
docs/team-server.md says, then practises once over HTTP: resume, session, spoken answer, report.

Where this differs from the containers, on purpose: each service listens on 127.0.0.1 and a free port
(its URLs in the other services' environment say so), the processes run as the test's user rather
than the image's USER, and they share this machine's hostname.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
import pytest
from minio import Minio

from app.schemas.feedback import FeedbackReport
from app.schemas.recording import RecordingDetail
from app.schemas.session import SessionStatus
from bundled_services.launchers.broker import start_broker
from bundled_services.launchers.llm_server import start_llm_server
from bundled_services.launchers.object_store import start_object_store
from bundled_services.launchers.postgres import start_postgres
from bundled_services.launchers.process import ManagedProcess, free_port, tail
from bundled_services.provisioning import embedding_model, llm_model, whisper_model
from tests.team.compose import ROOT, interpolate, load_compose
from tests.team.image import Image, replay

EXAMPLES = ROOT / "examples"
SERVER_DOCKERFILE = ROOT / "server" / "Dockerfile"
# Compose's ready-made services, each stood in for below; a new one fails the test until it has one.
STAND_INS = frozenset({"postgres", "redis", "minio", "minio-init", "ollama", "ollama-pull"})
# In front of the API and built from no Dockerfile of ours: the practice here speaks to Gunicorn, and
# tests/team/test_proxy.py runs the repository's Caddyfile in a real Caddy.
IN_FRONT = frozenset({"caddy"})
# The whole test: 2-3 min with the venvs cached, 3.5 building them, 13 on a 2-core machine at load 5.
TEST_TIMEOUT_SECONDS = 1800
# Every compose service up: seeding the knowledge base (every guide embedded on the CPU) is the slow part.
START_SECONDS = 600
SESSION_SECONDS = 600
FEEDBACK_SECONDS = 600
EXEC_SECONDS = 120
PROBE_INTERVAL_SECONDS = 2.0
POLL_SECONDS = 0.5
LLM_MODEL: Literal["small"] = "small"
_URL = re.compile(
    r"(?P<head>[a-z][a-z0-9+.\-]*://(?:[^@/\s]*@)?)(?P<host>[A-Za-z0-9_.\-]+)(?::(?P<port>\d+))?(?P<rest>\S*)"
)
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_PROVISIONERS = (
    "bundled_services.provisioning.embedding_model",
    "bundled_services.provisioning.whisper_model",
)
_IMPORT_CHECK = (
    "import importlib.util, json, sys; "
    "print(json.dumps([importlib.util.find_spec('bundled_services') is None, "
    "importlib.util.find_spec('app').origin, sys.prefix]))"
)


def operator_env() -> dict[str, str]:
    """What an operator's `.env` holds for compose: the required secrets and the host's own choices.

    Only these: compose would also read the shell's environment, which would make the test depend on it.
    """
    return {
        "POSTGRES_PASSWORD": secrets.token_urlsafe(24),
        "REDIS_PASSWORD": secrets.token_urlsafe(24),
        "MINIO_ROOT_USER": f"ascend-{secrets.token_hex(4)}",
        "MINIO_ROOT_PASSWORD": secrets.token_urlsafe(24),
        "NEXTAUTH_SECRET": secrets.token_urlsafe(48),
        # Ollama would pull a model by this name; the stand-in serves the small model under it.
        "LOCAL_LLM_MODEL_NAME": "qwen2.5-coder-0.5b",
        # The stand-in is a CPU model on a small host: as .env.template advises for one, a budget its agent
        # can meet (past 60 s the request runs on in llama.cpp and the fallback then starts from zero).
        "AGENT_TIMEOUT_SECONDS": "300",
        # One whisper.cpp thread per core, as an operator of a small host sets it (4 oversubscribes 2 cores).
        "WHISPER_THREADS": str(min(4, os.cpu_count() or 1)),
    }


def seconds(duration: str) -> float:
    return sum(float(value) * _SECONDS[unit] for value, unit in _DURATION.findall(duration))


def service_environment(service: Mapping[str, Any], dotenv: Mapping[str, str]) -> dict[str, str]:
    raw = service.get("environment") or {}
    pairs = raw.items() if isinstance(raw, Mapping) else (str(item).split("=", 1) for item in raw)
    return {str(key): interpolate(str(value), dotenv) for key, value in pairs}


@dataclass(frozen=True, slots=True)
class Address:
    """Where a service is reached here: 127.0.0.1 and a port, or a Unix socket folder (PostgreSQL)."""

    port: int | None = None
    socket_dir: str | None = None


def substitute(value: str, addresses: Mapping[str, Address]) -> str:
    """Every URL naming a compose service, pointed at where that service runs on this machine."""

    def local(match: re.Match[str]) -> str:
        address = addresses.get(match["host"])
        if address is None:
            return match[0]
        rest = match["rest"]
        if address.socket_dir is not None:
            return f"{match['head']}{rest}{'&' if '?' in rest else '?'}host={address.socket_dir}"
        return f"{match['head']}127.0.0.1:{address.port}{rest}"

    return _URL.sub(local, value)


def hosts_named(value: str, names: set[str]) -> set[str]:
    return {match["host"] for match in _URL.finditer(value) if match["host"] in names}


def seed_provisioned_models(command: str) -> None:
    """Before a builder RUN that provisions a model: link this machine's verified copy into its `--dest`.

    Symlinked, not copied: the provisioning command then verifies them (sha256) and writes nothing, and
    no run copies 600 MB. A link it found damaged would be replaced, never written through.
    """
    for part in command.split("&&"):
        words = shlex.split(part)
        if len(words) < 3 or words[:2] != ["python", "-m"] or words[2] not in _PROVISIONERS:
            continue
        dest = Path(words[words.index("--dest") + 1])
        dest.mkdir(parents=True, exist_ok=True)
        if words[2].endswith("embedding_model"):
            source = embedding_model.provision()
            for file in sorted(path for path in source.rglob("*") if path.is_file()):
                link = dest / source.name / file.relative_to(source)
                link.parent.mkdir(parents=True, exist_ok=True)
                link.unlink(missing_ok=True)
                link.symlink_to(file)
        else:
            model = words[words.index("--model") + 1] if "--model" in words else whisper_model.DEFAULT_MODEL
            source = whisper_model.provision(model)
            (dest / source.name).unlink(missing_ok=True)
            (dest / source.name).symlink_to(source)


@contextmanager
def stand_ins(
    services: Mapping[str, Any], dotenv: Mapping[str, str], root: Path
) -> Iterator[dict[str, Address]]:
    """Compose's ready-made services on this machine, each set up from its own compose environment."""

    def env(name: str) -> dict[str, str]:
        return service_environment(services[name], dotenv)

    logs = root / "logs"
    with ExitStack() as started:
        postgres = start_postgres(root / "postgres" / "data")
        started.callback(postgres.stop)
        database = env("postgres")
        user, name = database["POSTGRES_USER"], database["POSTGRES_DB"]
        assert re.fullmatch(r"[a-z_][a-z0-9_]*", user), user
        # The postgres image makes POSTGRES_USER a superuser owning POSTGRES_DB (migrations add pgvector).
        postgres.psql(f"CREATE ROLE \"{user}\" SUPERUSER LOGIN PASSWORD '{database['POSTGRES_PASSWORD']}'")
        postgres.create_database(name)
        postgres.psql(f'ALTER DATABASE "{name}" OWNER TO "{user}"')

        broker = start_broker(
            root / "redis", log_path=logs / "redis.log", password=env("redis")["REDIS_PASSWORD"]
        )
        started.callback(broker.stop)

        credentials = env("minio")
        store = start_object_store(
            root / "minio",
            logs / "minio.log",
            access_key=credentials["MINIO_ROOT_USER"],
            secret_key=credentials["MINIO_ROOT_PASSWORD"],
        )
        started.callback(store.stop)
        store_port = urlsplit(store.endpoint_url).port
        assert store_port is not None
        # minio-init's `mc mb --ignore-existing`, through the S3 API.
        bucket = env("minio-init")["S3_BUCKET_NAME"]
        client = Minio(
            f"127.0.0.1:{store_port}",
            access_key=credentials["MINIO_ROOT_USER"],
            secret_key=credentials["MINIO_ROOT_PASSWORD"],
            secure=False,
        )
        if not client.bucket_exists(bucket):
            client.make_bucket(bucket)

        # ollama and ollama-pull: the model already here, served under the name ollama-pull would pull.
        llm = start_llm_server(
            llm_model.provision(LLM_MODEL),
            logs / "ollama.log",
            model_alias=env("ollama-pull")["LOCAL_LLM_MODEL_NAME"],
            threads=min(4, os.cpu_count() or 1),
        )
        started.callback(llm.stop)
        yield {
            "postgres": Address(socket_dir=postgres.socket_dir),
            "redis": Address(port=broker.port),
            "minio": Address(port=store_port),
            "ollama": Address(port=llm.port),
        }


def build_images(services: Mapping[str, Any], dotenv: Mapping[str, str], scratch: Path) -> dict[str, Image]:
    """Each service's image, every distinct (Dockerfile, build arguments) replayed once."""
    images: dict[str, Image] = {}
    by_service: dict[str, Image] = {}
    for name, service in services.items():
        if "build" not in service:
            continue
        build = service["build"]
        assert isinstance(build, Mapping), f"{name}: build as a mapping (context, dockerfile, args)"
        context = (ROOT / str(build.get("context", "."))).resolve()
        dockerfile = context / str(build.get("dockerfile", "Dockerfile"))
        args = {str(key): interpolate(str(value), dotenv) for key, value in (build.get("args") or {}).items()}
        key = json.dumps([str(dockerfile), args], sort_keys=True)
        if key not in images:
            images[key] = replay(
                dockerfile,
                context=context,
                build_args=args,
                scratch=scratch / f"image-{len(images)}",
                before_run=seed_provisioned_models,
            )
        by_service[name] = images[key]
    return by_service


def container_ports(services: Mapping[str, Any], dotenv: Mapping[str, str]) -> dict[str, int]:
    """The port each service listens on in its container: published in `ports`, exposed to the compose
    network in `expose`, or named in a URL."""
    ports: dict[str, int] = {}
    for name, service in services.items():
        for published in [*(service.get("ports") or []), *(service.get("expose") or [])]:
            ports[name] = int(interpolate(str(published), dotenv).split(":")[-1].split("/")[0])
        for value in service_environment(service, dotenv).values():
            for match in _URL.finditer(value):
                if match["host"] in services and match["port"]:
                    ports[match["host"]] = int(match["port"])
    return ports


def listen_on(argv: list[str], port: int) -> list[str]:
    """The service's command, told to listen on 127.0.0.1:`port` instead of its container port."""
    adjusted = list(argv)
    if "--port" in adjusted:
        adjusted[adjusted.index("--port") + 1] = str(port)
        if "--host" in adjusted:
            adjusted[adjusted.index("--host") + 1] = "127.0.0.1"
        return adjusted
    if Path(adjusted[0]).name == "gunicorn":
        return [*adjusted, "--bind", f"127.0.0.1:{port}"]
    raise AssertionError(f"the test cannot tell {argv} where to listen")


@dataclass(slots=True)
class Service:
    """One compose service built from a Dockerfile, run as its container would run it."""

    name: str
    image: Image
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    healthcheck: list[str] | None
    healthcheck_timeout: float
    one_shot: bool
    depends_on: dict[str, str]
    stop_grace: float
    log_path: Path
    process: ManagedProcess | None = None
    state: str = "waiting"
    next_probe: float = 0.0
    last_probe: str = ""
    timings: dict[str, float] = field(default_factory=dict)

    def resolved(self, argv: list[str]) -> list[str]:
        program = shutil.which(argv[0], path=self.env["PATH"])
        assert program is not None, f"{self.name}: {argv[0]} is not on the image's PATH {self.env['PATH']}"
        return [program, *argv[1:]]

    def exec(self, *argv: str, timeout: float = EXEC_SECONDS) -> subprocess.CompletedProcess[str]:
        """`docker compose exec <service> argv`: its environment and working directory."""
        return subprocess.run(
            self.resolved(list(argv)),
            env=self.env,
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self) -> None:
        self.process = ManagedProcess(
            self.name, self.resolved(self.argv), log_path=self.log_path, env=self.env, cwd=self.cwd
        )
        self.process.start()
        self.state = "started"
        self.timings["started"] = time.monotonic()

    def probe(self) -> bool:
        assert self.healthcheck is not None
        try:
            result = self.exec(*self.healthcheck, timeout=self.healthcheck_timeout)
        except subprocess.TimeoutExpired:
            self.last_probe = f"no answer within {self.healthcheck_timeout:.0f}s"
            return False
        self.last_probe = (result.stdout + result.stderr)[-500:]
        return result.returncode == 0

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop(grace=self.stop_grace)

    def log_tail(self, lines: int = 40) -> str:
        return f"--- {self.name} ({self.log_path}):\n{tail(self.log_path, lines)}"


def compose_command(service: Mapping[str, Any], image: Image, dotenv: Mapping[str, str]) -> list[str]:
    """Compose's `entrypoint`/`command` where it sets them, the image's ENTRYPOINT/CMD where not."""

    def words(value: object) -> list[str]:
        if isinstance(value, str):
            parts = shlex.split(value)
        else:
            assert isinstance(value, list), value
            parts = [str(part) for part in value]
        return [image.host_text(interpolate(part, dotenv)) for part in parts]

    entrypoint = words(service["entrypoint"]) if "entrypoint" in service else image.entrypoint
    if "command" in service:
        command = words(service["command"])
    else:
        command = [] if "entrypoint" in service else image.cmd
    return [*entrypoint, *command]


def compose_healthcheck(
    service: Mapping[str, Any], image: Image, dotenv: Mapping[str, str]
) -> tuple[list[str] | None, float]:
    spec: Mapping[str, Any] = service.get("healthcheck") or {}
    timeout = seconds(str(spec.get("timeout", "30s")))
    if spec.get("disable"):
        return None, timeout
    test = spec.get("test")
    if test is None:
        return image.healthcheck, timeout
    if isinstance(test, str):
        test = ["CMD-SHELL", test]
    parts = [image.host_text(interpolate(str(part), dotenv)) for part in test]
    if parts[0] == "NONE":
        return None, timeout
    if parts[0] == "CMD-SHELL":
        return ["/bin/sh", "-c", parts[1]], timeout
    assert parts[0] == "CMD", test
    return parts[1:], timeout


def prepare_services(
    services: Mapping[str, Any],
    images: Mapping[str, Image],
    dotenv: Mapping[str, str],
    addresses: dict[str, Address],
    logs: Path,
) -> list[Service]:
    container = container_ports(services, dotenv)
    host_ports = {name: free_port() for name in images if name in container}
    addresses.update({name: Address(port=port) for name, port in host_ports.items()})
    prepared: list[Service] = []
    for name, image in images.items():
        service = services[name]
        environment = {
            key: image.host_text(substitute(value, addresses))
            for key, value in service_environment(service, dotenv).items()
        }
        for key, value in environment.items():
            left = hosts_named(value, set(services))
            assert not left, f"{name}: {key} still names {left}, which runs nowhere here"
        # A container's own: its user's home, its hostname (the worker's healthcheck names itself by it).
        env = {**image.env, "HOME": str(image.home), "HOSTNAME": socket.gethostname(), **environment}
        argv = compose_command(service, image, dotenv)
        healthcheck, timeout = compose_healthcheck(service, image, dotenv)
        if name in host_ports:
            argv = listen_on(argv, host_ports[name])
            if healthcheck is not None:
                local = rf"\b(?:127\.0\.0\.1|localhost):{container[name]}\b"
                healthcheck = [re.sub(local, f"127.0.0.1:{host_ports[name]}", part) for part in healthcheck]
        depends = service.get("depends_on") or {}
        if not isinstance(depends, Mapping):
            depends = {dependency: {"condition": "service_started"} for dependency in depends}
        working_dir = service.get("working_dir")
        prepared.append(
            Service(
                name=name,
                image=image,
                argv=argv,
                env=env,
                cwd=image.paths.path(str(working_dir)) if working_dir else image.workdir,
                healthcheck=healthcheck,
                healthcheck_timeout=timeout,
                one_shot=str(service.get("restart", "")) == "no",
                depends_on={dependency: str(spec["condition"]) for dependency, spec in depends.items()},
                stop_grace=seconds(str(service.get("stop_grace_period", "10s"))),
                log_path=logs / f"{name}.log",
            )
        )
    return prepared


def _satisfied(dependency: str, condition: str, by_name: Mapping[str, Service]) -> bool:
    if dependency in STAND_INS:
        return True  # every stand-in is up, and its one-shots done, before any service starts
    state = by_name[dependency].state
    if condition == "service_completed_successfully":
        return state == "completed"
    if condition == "service_healthy":
        return state == "healthy"
    return state != "waiting"


def _done(service: Service) -> bool:
    if service.one_shot:
        return service.state == "completed"
    return service.state == "healthy" or (service.healthcheck is None and service.state == "started")


def compose_up(services: list[Service], deadline: float) -> None:
    """Start each service once what it depends on is healthy or completed, as compose does; return once
    every one-shot has exited 0 and every long-running service passes its healthcheck."""
    by_name = {service.name: service for service in services}
    while not all(_done(service) for service in services):
        for service in services:
            if service.state == "waiting":
                if all(
                    _satisfied(name, condition, by_name) for name, condition in service.depends_on.items()
                ):
                    service.start()
                continue
            assert service.process is not None
            if service.one_shot and service.state == "started":
                code = service.process.returncode
                if code is not None:
                    assert code == 0, f"the one-shot {service.name} exited with {code}:\n{service.log_tail()}"
                    service.state = "completed"
                    service.timings["done"] = time.monotonic()
            elif not service.one_shot:
                assert service.process.running(), f"{service.name} exited:\n{service.log_tail()}"
                due = service.healthcheck is not None and time.monotonic() >= service.next_probe
                if service.state == "started" and due:
                    if service.probe():
                        service.state = "healthy"
                        service.timings["done"] = time.monotonic()
                    service.next_probe = time.monotonic() + PROBE_INTERVAL_SECONDS
        if time.monotonic() > deadline:
            report = "\n".join(
                f"{s.name}: {s.state} (last healthcheck: {s.last_probe!r})\n{s.log_tail(15)}"
                for s in services
            )
            raise AssertionError(f"the services were not all up within {START_SECONDS}s:\n{report}")
        time.sleep(POLL_SECONDS)


@dataclass(slots=True)
class ComposeRun:
    services: dict[str, Service]
    api_url: str
    timings: dict[str, float]

    def server_services(self) -> list[Service]:
        return [
            service for service in self.services.values() if service.image.dockerfile == SERVER_DOCKERFILE
        ]

    def logs(self, *names: str) -> str:
        return "\n".join(self.services[name].log_tail() for name in names if name in self.services)


@pytest.fixture(scope="module")
def compose_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ComposeRun]:
    compose = load_compose()
    services: dict[str, Any] = compose["services"]
    outside = {name for name, service in services.items() if "build" not in service} - IN_FRONT
    assert outside == STAND_INS, (
        f"compose runs {sorted(outside - STAND_INS)}, which this test has no stand-in for"
    )
    for name in IN_FRONT:
        services.pop(name, None)
    dotenv = operator_env()
    scratch = tmp_path_factory.mktemp("image")
    timings = {"begin": time.monotonic()}
    images = build_images(services, dotenv, scratch / "images")
    timings["built"] = time.monotonic()
    with stand_ins(services, dotenv, scratch / "stand-ins") as addresses:
        timings["stand-ins"] = time.monotonic()
        prepared = prepare_services(services, images, dotenv, addresses, scratch / "logs")
        try:
            compose_up(prepared, time.monotonic() + START_SECONDS)
            timings["up"] = time.monotonic()
            api = addresses["api"]
            yield ComposeRun({s.name: s for s in prepared}, f"http://127.0.0.1:{api.port}", timings)
        finally:
            for service in reversed(prepared):
                service.stop()


def _wait(
    client: httpx.Client, path: str, field_name: str, seconds_allowed: float, run: ComposeRun
) -> dict[str, Any]:
    deadline = time.monotonic() + seconds_allowed
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        response = client.get(path)
        assert response.status_code == 200, response.text
        body = response.json()
        if body[field_name] in ("complete", "failed"):
            return body
        time.sleep(POLL_SECONDS)
    raise AssertionError(
        f"{path} still {body.get(field_name)!r} after {seconds_allowed:.0f}s:\n{run.logs('worker', 'api')}"
    )


@pytest.mark.timeout(TEST_TIMEOUT_SECONDS)
def test_the_images_serve_a_whole_practice_the_way_compose_runs_them(compose_run: ComposeRun) -> None:
    run = compose_run
    for service in run.server_services():
        checked = service.exec("python", "-c", _IMPORT_CHECK)
        assert checked.returncode == 0, checked.stderr
        absent, app_origin, prefix = json.loads(checked.stdout)
        assert absent, f"{service.name}: bundled_services is importable, the image has none"
        # The image's copy of the code runs, not the checkout's, and from the image's venv.
        assert Path(app_origin).is_relative_to(service.image.paths.root), app_origin
        assert Path(prefix) == service.image.venv, prefix

    # As docs/team-server.md does it: `docker compose exec api python -m app.cli ...`.
    api = run.services["api"]
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    created = api.exec("python", "-m", "app.cli", "users", "create", "--email", email, "--name", "Ada")
    assert created.returncode == 0, created.stderr
    issued = api.exec("python", "-m", "app.cli", "token", "--email", email)
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip().splitlines()[-1]

    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=f"{run.api_url}/api/v1", headers=headers, timeout=120) as client:
        assert httpx.get(f"{run.api_url}/ready", timeout=30).status_code == 200
        with (EXAMPLES / "resume.pdf").open("rb") as resume:
            uploaded = client.post("/resumes", files={"file": ("resume.pdf", resume, "application/pdf")})
        assert uploaded.status_code == 201, uploaded.text
        job_description = (EXAMPLES / "job_description.txt").read_text()
        created_session = client.post(
            "/sessions", json={"resume_id": uploaded.json()["resume_id"], "job_description": job_description}
        )
        assert created_session.status_code == 202, created_session.text
        session_id = created_session.json()["session_id"]
        prepared = SessionStatus.model_validate(
            _wait(client, f"/sessions/{session_id}", "status", SESSION_SECONDS, run)
        )
        assert prepared.status == "complete", prepared.failure_reason
        assert prepared.generated_questions, "no questions"
        assert prepared.gap_analysis is not None
        assert prepared.gap_analysis.requirements
        run.timings["questions"] = time.monotonic()

        with (EXAMPLES / "answer.wav").open("rb") as answer:
            submitted = client.post(
                f"/sessions/{session_id}/recordings",
                data={"question": prepared.generated_questions[0]},
                files={"audio": ("answer.wav", answer, "audio/wav")},
            )
        assert submitted.status_code == 202, submitted.text
        recording_id = submitted.json()["recording_id"]
        recording = RecordingDetail.model_validate(
            _wait(client, f"/recordings/{recording_id}", "feedback_status", FEEDBACK_SECONDS, run)
        )
        run.timings["report"] = time.monotonic()

    assert recording.feedback_status == "complete", f"{recording.failure_reason}\n{run.logs('worker')}"
    assert recording.transcript
    assert recording.audio_duration_seconds
    report = recording.feedback
    assert isinstance(report, FeedbackReport)
    assert report.star_quality is not None
    assert 0 <= report.star_quality <= 100
    assert report.relevance is not None
    assert report.relevance.explanation
    components = report.star_analysis.components
    assert components is not None
    for part in (components.situation, components.task, components.action, components.result):
        assert part.points in {25, 15, 5, 0}, part
    assert 0 <= report.overall_score <= 100
    assert 3 <= len(report.recommendations) <= 5

    begin = run.timings["begin"]
    # The phases' times, for docs/testing.md (shown with -s).
    print(
        "image test phases (s from start): "
        + ", ".join(f"{phase} {moment - begin:.0f}" for phase, moment in run.timings.items())
        + "; "
        + ", ".join(
            f"{s.name} {s.timings['done'] - s.timings['started']:.0f}"
            for s in run.services.values()
            if "done" in s.timings
        )
    )
