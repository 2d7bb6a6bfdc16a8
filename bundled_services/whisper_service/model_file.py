"""Checks that a file is a complete whisper.cpp ggml model before whisper.cpp opens it.

whisper.cpp reports a bad file by returning a null context, which pywhispercpp wraps
without checking, so the first use of it crashes the process. Walking the file's structure
here (header, filterbank, vocabulary, every tensor header and its data size) turns a wrong
path, a truncated download or another model format into an error message instead.
"""

from __future__ import annotations

import math
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

GGML_MAGIC = 0x67676D6C

# ggml tensor type id -> (elements per block, bytes per block), for the types whisper.cpp
# writes: f32, f16, the legacy quantizations and the k-quants its quantize tool produces.
_TYPE_LAYOUT: dict[int, tuple[int, int]] = {
    0: (1, 4),
    1: (1, 2),
    2: (32, 18),
    3: (32, 20),
    6: (32, 22),
    7: (32, 24),
    8: (32, 34),
    10: (256, 84),
    11: (256, 110),
    12: (256, 144),
    13: (256, 176),
    14: (256, 210),
    30: (1, 2),
}
_MAX_NAME = 256
_MAX_TOKEN = 1024


class ModelFileError(ValueError):
    """The file is missing or is not a complete ggml Whisper model."""


@dataclass(frozen=True)
class GgmlModelInfo:
    n_vocab: int
    n_audio_layer: int
    n_text_layer: int
    n_mels: int
    n_tensors: int

    @property
    def multilingual(self) -> bool:
        return self.n_vocab >= 51865


def _ints(f: BinaryIO, count: int) -> tuple[int, ...]:
    raw = f.read(4 * count)
    if len(raw) != 4 * count:
        raise ModelFileError("the file ends early; it is truncated")
    return struct.unpack(f"<{count}i", raw)


def _skip(f: BinaryIO, size: int, file_size: int) -> None:
    if size < 0 or f.tell() + size > file_size:
        raise ModelFileError("the file ends early; it is truncated")
    f.seek(size, os.SEEK_CUR)


def _expected_tensors(n_audio_layer: int, n_text_layer: int) -> set[str]:
    def linear(prefix: str, bias: bool = True) -> list[str]:
        return [f"{prefix}.weight", f"{prefix}.bias"] if bias else [f"{prefix}.weight"]

    def attention(prefix: str) -> list[str]:
        return [
            *linear(f"{prefix}.query"),
            *linear(f"{prefix}.key", bias=False),
            *linear(f"{prefix}.value"),
            *linear(f"{prefix}.out"),
        ]

    def block(prefix: str, cross: bool) -> list[str]:
        names = [*linear(f"{prefix}.attn_ln"), *attention(f"{prefix}.attn")]
        if cross:
            names += [*linear(f"{prefix}.cross_attn_ln"), *attention(f"{prefix}.cross_attn")]
        return [*names, *linear(f"{prefix}.mlp_ln"), *linear(f"{prefix}.mlp.0"), *linear(f"{prefix}.mlp.2")]

    names = {"encoder.positional_embedding", "decoder.positional_embedding", "decoder.token_embedding.weight"}
    names.update(linear("encoder.conv1") + linear("encoder.conv2") + linear("encoder.ln_post"))
    names.update(linear("decoder.ln"))
    for i in range(n_audio_layer):
        names.update(block(f"encoder.blocks.{i}", cross=False))
    for i in range(n_text_layer):
        names.update(block(f"decoder.blocks.{i}", cross=True))
    return names


def check_ggml_model(path: Path) -> GgmlModelInfo:
    if not path.is_file():
        raise ModelFileError(
            f"No model file at {path}. Run `python -m bundled_services.provisioning.whisper_model` "
            "or point WHISPER_MODEL_PATH / --model at a ggml Whisper model."
        )
    size = path.stat().st_size
    with path.open("rb") as f:
        (magic,) = _ints(f, 1)
        if magic != GGML_MAGIC:
            raise ModelFileError(f"{path} is not a ggml Whisper model (bad magic {magic:#x})")
        hparams = _ints(f, 11)
        n_vocab, n_audio_layer, n_text_layer, n_mels = hparams[0], hparams[4], hparams[8], hparams[9]
        if min(hparams[:10]) <= 0:
            raise ModelFileError(f"{path} has invalid hyperparameters {hparams}")
        n_mel, n_fft = _ints(f, 2)
        _skip(f, 4 * n_mel * n_fft, size)
        (n_tokens,) = _ints(f, 1)
        if not 0 < n_tokens <= n_vocab:
            raise ModelFileError(f"{path} declares {n_tokens} tokens for a {n_vocab}-token model")
        for _ in range(n_tokens):
            (length,) = _ints(f, 1)
            if not 0 <= length <= _MAX_TOKEN:
                raise ModelFileError(f"{path} has a corrupt vocabulary")
            _skip(f, length, size)
        seen = _read_tensors(f, path, size)
    missing = _expected_tensors(n_audio_layer, n_text_layer) - seen
    if missing:
        raise ModelFileError(
            f"{path} lacks {len(missing)} tensors whisper.cpp needs, e.g. {sorted(missing)[0]}"
        )
    return GgmlModelInfo(n_vocab, n_audio_layer, n_text_layer, n_mels, len(seen))


def _read_tensors(f: BinaryIO, path: Path, size: int) -> set[str]:
    seen: set[str] = set()
    while f.tell() < size:
        n_dims, name_len, ttype = _ints(f, 3)
        if not 1 <= n_dims <= 4 or not 0 < name_len <= _MAX_NAME:
            raise ModelFileError(f"{path} has a corrupt tensor header")
        dims = _ints(f, n_dims)
        name = f.read(name_len).decode("utf-8", errors="replace")
        layout = _TYPE_LAYOUT.get(ttype)
        if layout is None:
            raise ModelFileError(f"{path}: tensor {name} has ggml type {ttype}, which is not supported")
        block, block_bytes = layout
        elements = math.prod(dims)
        if elements <= 0 or elements % block:
            raise ModelFileError(f"{path}: tensor {name} has invalid dimensions {dims}")
        _skip(f, elements // block * block_bytes, size)
        seen.add(name)
    return seen
