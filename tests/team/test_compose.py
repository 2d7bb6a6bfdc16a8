"""docker-compose.yml, checked the way Compose would read it (no Docker engine runs here)."""

from __future__ import annotations

import ast
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
from tests.server.test_env_template import template_variables
from tests.team.compose import ROOT, MissingVariableError, interpolate, load_compose, strings, variables
from tests.team.dockerfile import parse

SERVER_SERVICES = ("api", "worker", "migrate")
EXPECTED_SERVICES = {
    "postgres", "redis", "minio", "minio-init", "ollama", "ollama-pull", "whisper",
    "migrate", "api", "worker",
}  # fmt: skip
STATEFUL = {
    "postgres": "/var/lib/postgresql/data",
    "redis": "/data",
    "minio": "/data",
    "ollama": "/root/.ollama",
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
    api = set(services["api"]["depends_on"])
    worker = set(services["worker"]["depends_on"])
    assert {"postgres", "redis", "minio", "migrate", "minio-init"} <= api
    assert {"postgres", "redis", "minio", "migrate", "whisper", "ollama", "ollama-pull"} <= worker
    assert set(services["migrate"]["depends_on"]) == {"postgres"}


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
                assert target == STATEFUL[name], f"{name} keeps its data in {STATEFUL[name]}"
    for name in STATEFUL:
        assert services[name].get("volumes"), f"{name} has no volume for its data"
    assert used == declared, f"declared but unused volumes: {declared - used}"


def test_only_the_api_publishes_a_port(services: dict[str, dict[str, Any]]) -> None:
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"api"}
    (mapping,) = services["api"]["ports"]
    assert interpolate(mapping, {}) == "8000:8000"


def test_the_server_gets_every_setting_it_reads(services: dict[str, dict[str, Any]]) -> None:
    for name in SERVER_SERVICES:
        missing = set(Settings.model_fields) - set(services[name]["environment"])
        assert not missing, f"{name} lacks {sorted(missing)}"
    assert (
        services["api"]["environment"]
        == services["worker"]["environment"]
        == services["migrate"]["environment"]
    )


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
    assert services["worker"]["command"][:4] == ["celery", "-A", "worker", "worker"]
    assert services["migrate"]["command"] == ["python", "-m", "scripts.prestart"]
    assert (ROOT / "server" / "scripts" / "prestart.py").is_file()
    assert (ROOT / "server" / "gunicorn.conf.py").is_file()
    assert (ROOT / "server" / "worker.py").is_file()
    assert (ROOT / "server" / "main.py").is_file()


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
