"""Build the Ascend AI desktop bundle (PyInstaller, one folder) and, optionally, run its self-test.

    .venv/bin/python installer/build.py [--dist DIR] [--work DIR] [--self-test]

Produces `DIR/ascend/` (default `dist/ascend/`) with the `ascend` executable in it, prints the
bundle's size and how long the build took. `--self-test` then runs `DIR/ascend/ascend --self-test`
with an environment that has nothing of the build's virtualenv in it, as a user's machine would.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "installer" / "ascend.spec"
BUNDLE_NAME = "ascend"
# Variables a user's desktop session has and the bundle may use; nothing that points into a venv.
PASSED_THROUGH = (
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "XDG_RUNTIME_DIR",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "ASCEND_MODELS_DIR",
    "ASCEND_LLM_MODEL",
    "ASCEND_WHISPER_MODEL",
)
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"


class BuildError(RuntimeError):
    """PyInstaller failed; the message carries the end of its output."""


def folder_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


def build(dist: Path, work: Path, *, log: Path | None = None) -> tuple[Path, float]:
    """Run PyInstaller on the spec; returns the bundle folder and the build's duration in seconds."""
    dist.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        str(dist),
        "--workpath",
        str(work),
        str(SPEC),
    ]
    log_path = log or work / "pyinstaller.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as output:
        # The arguments are this script's own paths.
        result = subprocess.run(  # noqa: S603
            command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, check=False
        )
    if result.returncode != 0:
        tail = log_path.read_text(errors="replace")[-4000:]
        raise BuildError(f"PyInstaller failed (exit code {result.returncode}); see {log_path}:\n{tail}")
    bundle = dist / BUNDLE_NAME
    if not (bundle / BUNDLE_NAME).is_file():
        raise BuildError(f"PyInstaller finished but {bundle / BUNDLE_NAME} is not there")
    return bundle, time.monotonic() - started


def clean_environment(source: Mapping[str, str], **settings: str) -> dict[str, str]:
    """A user's environment: no PYTHONPATH, no virtualenv, the system's PATH only."""
    env = {key: source[key] for key in PASSED_THROUGH if key in source}
    env["PATH"] = SYSTEM_PATH
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        env["QT_QPA_PLATFORM"] = "offscreen"
    env.update(settings)
    return env


def self_test_command(bundle: Path) -> list[str]:
    return [str(bundle / BUNDLE_NAME), "--self-test"]


def run_self_test(
    bundle: Path, env: Mapping[str, str], *, timeout: float
) -> subprocess.CompletedProcess[str]:
    """`<bundle>/ascend --self-test`, from a folder outside the checkout."""
    with tempfile.TemporaryDirectory(prefix="ascend-outside-") as outside:
        return subprocess.run(  # noqa: S603
            self_test_command(bundle),
            cwd=outside,
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the Ascend AI desktop bundle with PyInstaller.")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder (default: dist/)")
    parser.add_argument(
        "--work", type=Path, default=ROOT / "build" / "pyinstaller", help="PyInstaller's work folder"
    )
    parser.add_argument("--self-test", action="store_true", help="run the bundle's self-test afterwards")
    options = parser.parse_args(argv)
    try:
        bundle, seconds = build(options.dist.resolve(), options.work.resolve())
    except BuildError as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        return 1
    print(f"built {bundle} in {seconds / 60:.1f} min; {folder_size(bundle) / 1e9:.2f} GB", flush=True)
    if not options.self_test:
        return 0
    started = time.monotonic()
    result = run_self_test(bundle, clean_environment(os.environ), timeout=3600)
    sys.stderr.write(result.stderr)
    sys.stdout.write(result.stdout)
    outcome = "passed" if result.returncode == 0 else f"FAILED (exit code {result.returncode})"
    print(f"self-test {outcome} in {(time.monotonic() - started) / 60:.1f} min", flush=True)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
