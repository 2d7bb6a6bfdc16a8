"""The ggml structure check that guards whisper.cpp from files it would crash on."""

from __future__ import annotations

from pathlib import Path

import pytest

from bundled_services.whisper_service.model_file import ModelFileError, check_ggml_model


def test_the_provisioned_model_passes(whisper_model: Path) -> None:
    info = check_ggml_model(whisper_model)
    assert (info.n_vocab, info.n_audio_layer, info.n_text_layer, info.n_mels) == (51865, 6, 6, 80)
    assert info.multilingual
    # 2 convolutions, 2 positional embeddings, the token embedding and 2 final norms; then 15
    # tensors per encoder block and 24 per decoder block (weights and biases counted apart).
    assert info.n_tensors == 2 * 2 + 2 + 1 + 2 * 2 + 6 * 15 + 6 * 24


@pytest.mark.parametrize("keep", [100, 2_000_000, -7], ids=["header", "vocabulary", "last-tensor"])
def test_a_truncated_copy_is_refused(whisper_model: Path, tmp_path: Path, keep: int) -> None:
    data = whisper_model.read_bytes()
    truncated = tmp_path / "model.bin"
    truncated.write_bytes(data[:keep])
    with pytest.raises(ModelFileError, match="truncated"):
        check_ggml_model(truncated)


def test_another_format_is_refused(tmp_path: Path) -> None:
    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(b"GGUF" + b"\0" * 1024)
    with pytest.raises(ModelFileError, match="not a ggml Whisper model"):
        check_ggml_model(gguf)
