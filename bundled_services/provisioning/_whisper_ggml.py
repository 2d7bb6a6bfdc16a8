"""Writes whisper.cpp's legacy ggml model file.

Layout (little-endian int32 unless noted): magic 0x67676d6c; hparams n_vocab, n_audio_ctx,
n_audio_state, n_audio_head, n_audio_layer, n_text_ctx, n_text_state, n_text_head,
n_text_layer, n_mels, ftype; mel filterbank as n_mel, n_fft then float32[n_mel * n_fft];
vocabulary as a count then (length, bytes) per token in id order; then per tensor: n_dims,
name length, ttype (0 = f32, 1 = f16), dims innermost first, the name, and the raw data.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from dataclasses import astuple
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from bundled_services.provisioning._whisper_layout import Tensor, WhisperHParams

GGML_MAGIC = 0x67676D6C
FTYPE_F32 = 0
FTYPE_F16 = 1

# whisper.cpp allocates these as float32 even in an f16 model, and checks the byte size of each
# tensor it reads, so their type here must match; conv biases are also stored as [n, 1].
_F32_TENSORS = frozenset(
    {
        "encoder.positional_embedding",
        "decoder.positional_embedding",
        "encoder.conv1.bias",
        "encoder.conv2.bias",
    }
)
_COLUMN_TENSORS = frozenset({"encoder.conv1.bias", "encoder.conv2.bias"})


def _write_header(out: BinaryIO, hparams: WhisperHParams) -> None:
    out.write(struct.pack("<i", GGML_MAGIC))
    out.write(struct.pack("<10i", *astuple(hparams)))
    out.write(struct.pack("<i", FTYPE_F16))


def _write_mel_filters(out: BinaryIO, filters: npt.NDArray[np.float32]) -> None:
    n_mel, n_fft = filters.shape
    out.write(struct.pack("<2i", n_mel, n_fft))
    out.write(np.ascontiguousarray(filters, dtype="<f4").tobytes())


def _write_vocab(out: BinaryIO, tokens: Sequence[bytes]) -> None:
    out.write(struct.pack("<i", len(tokens)))
    for token in tokens:
        out.write(struct.pack("<i", len(token)))
        out.write(token)


def _write_tensor(out: BinaryIO, name: str, tensor: Tensor) -> None:
    if name in _COLUMN_TENSORS:
        tensor = tensor.reshape(tensor.shape[0], 1)
    f32 = tensor.ndim < 2 or name in _F32_TENSORS
    data = np.ascontiguousarray(tensor, dtype="<f4" if f32 else "<f2")
    encoded = name.encode("utf-8")
    out.write(struct.pack("<3i", data.ndim, len(encoded), FTYPE_F32 if f32 else FTYPE_F16))
    # ggml orders dimensions innermost first, the reverse of numpy's row-major shape.
    out.write(struct.pack(f"<{data.ndim}i", *reversed(data.shape)))
    out.write(encoded)
    out.write(data.tobytes())


def write_ggml(
    out: BinaryIO,
    hparams: WhisperHParams,
    mel_filters: npt.NDArray[np.float32],
    tokens: Sequence[bytes],
    tensors: Iterable[tuple[str, Tensor]],
) -> int:
    """Writes the whole model and returns how many tensors it holds."""
    if mel_filters.shape[0] != hparams.n_mels:
        raise ValueError(f"{mel_filters.shape[0]} mel filters for a model with {hparams.n_mels} mels")
    _write_header(out, hparams)
    _write_mel_filters(out, mel_filters)
    _write_vocab(out, tokens)
    count = 0
    for name, tensor in tensors:
        _write_tensor(out, name, tensor)
        count += 1
    return count
