"""Reads the mel filterbank and the tokenizer vocabulary from openai-whisper's source archive.

CTranslate2 exports keep neither: the filterbank is not a model weight, and their
tokenizer.json is in Hugging Face's byte-to-unicode spelling, whereas whisper.cpp wants the
raw token bytes, which is what the `.tiktoken` files hold (base64 token, rank per line).
"""

from __future__ import annotations

import base64
import io
import tarfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt


class AssetError(ValueError):
    """The archive lacks an asset or holds one in an unexpected shape."""


@dataclass(frozen=True)
class WhisperAssets:
    mel_filters: npt.NDArray[np.float32]
    tokens: list[bytes]


def _member(archive: tarfile.TarFile, suffix: str) -> bytes:
    for member in archive.getmembers():
        if member.isfile() and member.name.endswith(suffix):
            extracted = archive.extractfile(member)
            if extracted is None:
                break
            with extracted:
                return extracted.read()
    raise AssetError(f"the openai-whisper archive has no {suffix}")


def parse_tiktoken(text: bytes) -> list[bytes]:
    """Token byte strings indexed by rank; whisper.cpp assigns ids by position in its file."""
    ranked: dict[int, bytes] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        token, rank = line.split()
        ranked[int(rank)] = base64.b64decode(token)
    if sorted(ranked) != list(range(len(ranked))):
        raise AssetError("the tiktoken ranks are not a contiguous 0..n-1 range")
    return [ranked[i] for i in range(len(ranked))]


def load_assets(sdist: Path, n_mels: int, multilingual: bool) -> WhisperAssets:
    with tarfile.open(sdist, "r:gz") as archive:
        npz = _member(archive, "whisper/assets/mel_filters.npz")
        vocab = _member(archive, f"whisper/assets/{'multilingual' if multilingual else 'gpt2'}.tiktoken")
    with np.load(io.BytesIO(npz), allow_pickle=False) as filters:
        key = f"mel_{n_mels}"
        if key not in filters:
            raise AssetError(f"mel_filters.npz has no {key} filterbank")
        mel = np.asarray(filters[key], dtype=np.float32)
    return WhisperAssets(mel_filters=mel, tokens=parse_tiktoken(vocab))
