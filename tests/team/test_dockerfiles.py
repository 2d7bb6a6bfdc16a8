"""The server's and the whisper service's Dockerfiles, and what the build context sends them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from tests.team.dockerfile import DockerIgnore, Stage, parse

ROOT = Path(__file__).resolve().parents[2]
SERVER = ROOT / "server" / "Dockerfile"
WHISPER = ROOT / "bundled_services" / "whisper_service" / "Dockerfile"
DOCKERFILES = (SERVER, WHISPER)
_SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|API_KEY|ACCESS_KEY", re.IGNORECASE)


def _pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins: dict[str, str] = {}
    for requirement in project["dependencies"]:
        name, _, version = requirement.partition("==")
        pins[re.sub(r"\[.*\]", "", name).lower()] = version
    return pins


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.parent.name)
def test_base_images_are_pinned_and_the_final_stage_runs_unprivileged(path: Path) -> None:
    global_args, stages = parse(path)
    assert len(stages) >= 2, "multi-stage: build tools and caches stay out of the runtime image"
    for stage in stages:
        image, _, tag = stage.base.partition(":")
        assert image == "python", stage.base
        assert re.fullmatch(r"3\.11\.\d+-slim-bookworm", tag), f"{stage.base} is not a pinned slim image"
    runtime = stages[-1]
    users = runtime.all("USER")
    assert users, "the runtime stage sets a USER"
    user = users[-1].arguments.split(":")[0]
    assert user not in ("root", "0"), user
    assert runtime.all("HEALTHCHECK"), "the image reports its own health"
    assert any(item.arguments.startswith("--from=builder") for item in runtime.all("COPY"))
    assert global_args["PYTHON_IMAGE"].startswith("python:3.11.")


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.parent.name)
def test_no_secret_is_baked_into_an_image(path: Path) -> None:
    _, stages = parse(path)
    for stage in stages:
        for item in stage.all("ENV") + stage.all("ARG"):
            for name in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", item.arguments):
                assert not _SECRET_NAME.search(name), f"{path.name}: {name} would be stored in the image"
    text = path.read_text()
    assert "NEXTAUTH_SECRET" not in text
    assert "minioadmin" not in text


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.parent.name)
def test_everything_copied_exists_and_reaches_the_build_context(path: Path) -> None:
    ignore = DockerIgnore.read(ROOT)
    _, stages = parse(path)
    for stage in stages:
        for item in stage.all("COPY"):
            parts = item.arguments.split()
            if parts[0].startswith("--from="):
                continue
            for source in parts[:-1]:
                assert (ROOT / source).exists(), f"{path.name} copies missing {source}"
                assert not ignore.excludes(source), f".dockerignore drops {source}"


def test_the_build_context_leaves_out_local_secrets_and_environments() -> None:
    ignore = DockerIgnore.read(ROOT)
    for path in (".env", ".env.production", ".venv", ".git", "tests", "models", "server/app/__pycache__"):
        assert ignore.excludes(path), path
    assert not ignore.excludes(".env.template")
    # Rules without `**/` hold at the context root only, as in Docker: the server's `models` package stays.
    assert not ignore.excludes("server/app/db/models/user.py")


def test_the_server_image_installs_pyproject_pins_and_runs_gunicorn() -> None:
    _, stages = parse(SERVER)
    builder, runtime = stages[0], stages[-1]
    install = " ".join(item.arguments for item in builder.all("RUN"))
    assert "tomllib" in install, "dependencies come from pyproject.toml"
    assert "pip install -r requirements.txt" in install
    # The API process and the OAuth sign-in need these at run time, so pyproject must pin them.
    pins = _pyproject_pins()
    for package in ("gunicorn", "authlib", "uvicorn", "celery"):
        assert package in pins, f"pyproject.toml does not list {package}"
        assert re.fullmatch(r"\d+(\.\d+)+", pins[package]), f"{package} is not pinned"
    assert runtime.all("CMD")[-1].exec_form()[:3] == ["gunicorn", "-k", "uvicorn.workers.UvicornWorker"]
    env = " ".join(item.arguments for item in runtime.all("ENV"))
    assert "PYTHONPATH=/app/server" in env
    assert [item.arguments for item in runtime.all("WORKDIR")][-1] == "/app/server"


def test_the_whisper_image_pins_what_it_installs_like_the_server_does() -> None:
    _, stages = parse(WHISPER)
    pins = _pyproject_pins()
    requirements = re.findall(
        r'"([A-Za-z0-9_.\-\[\]]+)==([^"]+)"', " ".join(i.arguments for i in stages[0].all("RUN"))
    )
    assert requirements, "the whisper image installs pinned requirements"
    names = set()
    for name, version in requirements:
        bare = re.sub(r"\[.*\]", "", name).lower()
        names.add(bare)
        if bare in pins:
            assert pins[bare] == version, f"{bare}: {version} in the image, {pins[bare]} in pyproject.toml"
    assert {"pywhispercpp", "fastapi", "uvicorn", "av", "numpy"} <= names
    cmd = stages[-1].all("CMD")[-1].exec_form()
    assert cmd[:3] == ["python", "-m", "bundled_services.whisper_service"]
    assert cmd[cmd.index("--port") + 1] == "8080"
    assert cmd[cmd.index("--host") + 1] == "0.0.0.0"


def _stage_names(stages: list[Stage]) -> list[str | None]:
    return [stage.name for stage in stages]


def test_stages_are_named_as_they_are_referenced() -> None:
    for path in DOCKERFILES:
        _, stages = parse(path)
        assert _stage_names(stages) == ["builder", "runtime"], path
