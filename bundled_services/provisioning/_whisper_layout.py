"""Maps a CTranslate2 Whisper model onto the tensor names and shapes of OpenAI's checkpoints.

whisper.cpp looks its tensors up by the names of OpenAI's PyTorch state dict, so every
CTranslate2 variable is renamed, and the attention projections CTranslate2 fused
(query+key+value for self-attention, key+value for cross-attention) are split again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bundled_services.provisioning._whisper_ct2 import Ct2FormatError, Ct2Model

WHISPER_SPEC_NAME = "WhisperSpec"

Tensor = npt.NDArray[np.generic]


@dataclass(frozen=True)
class WhisperHParams:
    n_vocab: int
    n_audio_ctx: int
    n_audio_state: int
    n_audio_head: int
    n_audio_layer: int
    n_text_ctx: int
    n_text_state: int
    n_text_head: int
    n_text_layer: int
    n_mels: int

    @property
    def multilingual(self) -> bool:
        # Whisper's multilingual vocabulary has exactly one token more than the English one.
        return self.n_vocab >= 51865


def _layer_count(model: Ct2Model, stack: str) -> int:
    pattern = re.compile(rf"^{stack}/layer_(\d+)/")
    indices = {int(m.group(1)) for name in model.variables if (m := pattern.match(name))}
    if not indices or indices != set(range(len(indices))):
        raise Ct2FormatError(f"the {stack} layers are missing or not numbered 0..n-1")
    return len(indices)


def read_hparams(model: Ct2Model) -> WhisperHParams:
    if model.spec_name != WHISPER_SPEC_NAME:
        raise Ct2FormatError(f"expected a {WHISPER_SPEC_NAME} model, found {model.spec_name!r}")
    vocab, text_state = model.tensor("decoder/embeddings/weight").shape
    audio_ctx, audio_state = model.tensor("encoder/position_encodings/encodings").shape
    text_ctx = model.tensor("decoder/position_encodings/encodings").shape[0]
    n_mels = model.tensor("encoder/conv1/weight").shape[1]
    return WhisperHParams(
        n_vocab=vocab,
        n_audio_ctx=audio_ctx,
        n_audio_state=audio_state,
        n_audio_head=model.scalar("encoder/num_heads"),
        n_audio_layer=_layer_count(model, "encoder"),
        n_text_ctx=text_ctx,
        n_text_state=text_state,
        n_text_head=model.scalar("decoder/num_heads"),
        n_text_layer=_layer_count(model, "decoder"),
        n_mels=n_mels,
    )


def _split_fused(
    model: Ct2Model, fused: str, targets: tuple[str, ...], bias_free: str | None
) -> Iterator[tuple[str, Tensor]]:
    """Splits a fused projection row-wise; OpenAI's key projection has no bias, so CTranslate2
    stored zeros for it, which are checked and dropped rather than silently lost."""
    weights = np.split(model.tensor(f"{fused}/weight"), len(targets), axis=0)
    biases = np.split(model.tensor(f"{fused}/bias"), len(targets), axis=0)
    for target, weight, bias in zip(targets, weights, biases, strict=True):
        yield f"{target}.weight", weight
        if target == bias_free:
            if np.any(bias != 0):
                raise Ct2FormatError(f"{fused} has a non-zero bias for {target}, which whisper.cpp lacks")
            continue
        yield f"{target}.bias", bias


def _linear(model: Ct2Model, source: str, target: str) -> Iterator[tuple[str, Tensor]]:
    yield f"{target}.weight", model.tensor(f"{source}/weight")
    yield f"{target}.bias", model.tensor(f"{source}/bias")


def _norm(model: Ct2Model, source: str, target: str) -> Iterator[tuple[str, Tensor]]:
    yield f"{target}.weight", model.tensor(f"{source}/gamma")
    yield f"{target}.bias", model.tensor(f"{source}/beta")


def _self_attention(model: Ct2Model, src: str, dst: str) -> Iterator[tuple[str, Tensor]]:
    yield from _norm(model, f"{src}/self_attention/layer_norm", f"{dst}.attn_ln")
    yield from _split_fused(
        model,
        f"{src}/self_attention/linear_0",
        (f"{dst}.attn.query", f"{dst}.attn.key", f"{dst}.attn.value"),
        bias_free=f"{dst}.attn.key",
    )
    yield from _linear(model, f"{src}/self_attention/linear_1", f"{dst}.attn.out")


def _mlp(model: Ct2Model, src: str, dst: str) -> Iterator[tuple[str, Tensor]]:
    yield from _norm(model, f"{src}/ffn/layer_norm", f"{dst}.mlp_ln")
    yield from _linear(model, f"{src}/ffn/linear_0", f"{dst}.mlp.0")
    yield from _linear(model, f"{src}/ffn/linear_1", f"{dst}.mlp.2")


def _cross_attention(model: Ct2Model, src: str, dst: str) -> Iterator[tuple[str, Tensor]]:
    yield from _norm(model, f"{src}/attention/layer_norm", f"{dst}.cross_attn_ln")
    yield from _linear(model, f"{src}/attention/linear_0", f"{dst}.cross_attn.query")
    yield from _split_fused(
        model,
        f"{src}/attention/linear_1",
        (f"{dst}.cross_attn.key", f"{dst}.cross_attn.value"),
        bias_free=f"{dst}.cross_attn.key",
    )
    yield from _linear(model, f"{src}/attention/linear_2", f"{dst}.cross_attn.out")


def whisper_tensors(model: Ct2Model, hparams: WhisperHParams) -> Iterator[tuple[str, Tensor]]:
    """Yields (OpenAI name, array) for every tensor whisper.cpp loads, always in the same order
    so that a conversion is byte-for-byte reproducible and its checksum can be pinned."""
    yield "encoder.positional_embedding", model.tensor("encoder/position_encodings/encodings")
    yield from _linear(model, "encoder/conv1", "encoder.conv1")
    yield from _linear(model, "encoder/conv2", "encoder.conv2")
    for i in range(hparams.n_audio_layer):
        src, dst = f"encoder/layer_{i}", f"encoder.blocks.{i}"
        yield from _self_attention(model, src, dst)
        yield from _mlp(model, src, dst)
    yield from _norm(model, "encoder/layer_norm", "encoder.ln_post")

    yield "decoder.positional_embedding", model.tensor("decoder/position_encodings/encodings")
    yield "decoder.token_embedding.weight", model.tensor("decoder/embeddings/weight")
    for i in range(hparams.n_text_layer):
        src, dst = f"decoder/layer_{i}", f"decoder.blocks.{i}"
        yield from _self_attention(model, src, dst)
        yield from _cross_attention(model, src, dst)
        yield from _mlp(model, src, dst)
    yield from _norm(model, "decoder/layer_norm", "decoder.ln")
