"""Reads a CTranslate2 `model.bin`: the named tensors and aliases a converter wrote.

Layout (binary version 6, little-endian): u32 version, string spec name, u32 spec revision,
u32 variable count, then per variable: string name, u8 rank, u32 dims[rank], u8 dtype id,
u32 byte count, raw bytes; finally u32 alias count and (alias, target) string pairs.
A string is a u16 length that counts a trailing NUL, then the UTF-8 bytes and the NUL.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

SUPPORTED_BINARY_VERSION = 6

# The ids follow CTranslate2's DataType enum; bfloat16 (5) has no numpy dtype and the
# int8/int16 ids only occur in quantized models whose scales whisper.cpp cannot use.
_DTYPES: dict[int, np.dtype[np.generic]] = {
    0: np.dtype("<f4"),
    1: np.dtype("i1"),
    2: np.dtype("<i2"),
    3: np.dtype("<i4"),
    4: np.dtype("<f2"),
}


class Ct2FormatError(ValueError):
    """The file is not a CTranslate2 model this reader understands."""


@dataclass(frozen=True)
class Ct2Model:
    spec_name: str
    spec_revision: int
    variables: dict[str, npt.NDArray[np.generic]]
    aliases: dict[str, str]

    def tensor(self, name: str) -> npt.NDArray[np.generic]:
        """The variable called `name`, following an alias if the converter deduplicated it."""
        target = self.aliases.get(name, name)
        try:
            return self.variables[target]
        except KeyError:
            raise Ct2FormatError(f"the model has no variable {name!r}") from None

    def scalar(self, name: str) -> int:
        value = self.tensor(name)
        if value.size != 1:
            raise Ct2FormatError(f"{name!r} should be a scalar, has shape {value.shape}")
        return int(value.reshape(()))


class _Cursor:
    def __init__(self, data: bytes) -> None:
        self._view = memoryview(data)
        self._pos = 0

    def unpack(self, fmt: str) -> tuple[int, ...]:
        size = struct.calcsize("<" + fmt)
        if self._pos + size > len(self._view):
            raise Ct2FormatError("the file ends in the middle of a record")
        values = struct.unpack_from("<" + fmt, self._view, self._pos)
        self._pos += size
        return tuple(int(v) for v in values)

    def take(self, size: int) -> memoryview:
        if self._pos + size > len(self._view):
            raise Ct2FormatError("the file ends in the middle of a tensor")
        chunk = self._view[self._pos : self._pos + size]
        self._pos += size
        return chunk

    def string(self) -> str:
        (length,) = self.unpack("H")
        raw = bytes(self.take(length))
        if not raw.endswith(b"\0"):
            raise Ct2FormatError("a string is not NUL-terminated")
        return raw[:-1].decode("utf-8")

    @property
    def remaining(self) -> int:
        return len(self._view) - self._pos


def parse_ct2_model(data: bytes) -> Ct2Model:
    """Parses the bytes of a model.bin; the arrays are views into `data`, not copies."""
    cursor = _Cursor(data)
    (version,) = cursor.unpack("I")
    if version != SUPPORTED_BINARY_VERSION:
        raise Ct2FormatError(
            f"CTranslate2 binary version {version} is not supported (expected {SUPPORTED_BINARY_VERSION})"
        )
    spec_name = cursor.string()
    (revision,) = cursor.unpack("I")
    (count,) = cursor.unpack("I")
    variables: dict[str, npt.NDArray[np.generic]] = {}
    for _ in range(count):
        name = cursor.string()
        (rank,) = cursor.unpack("B")
        shape = cursor.unpack("I" * rank)
        (dtype_id,) = cursor.unpack("B")
        (nbytes,) = cursor.unpack("I")
        raw = cursor.take(nbytes)
        dtype = _DTYPES.get(dtype_id)
        if dtype is None:
            raise Ct2FormatError(f"{name!r} has unsupported CTranslate2 dtype id {dtype_id}")
        if nbytes != math.prod(shape) * dtype.itemsize:
            raise Ct2FormatError(f"{name!r}: {nbytes} bytes do not fit shape {shape} of {dtype}")
        variables[name] = np.frombuffer(raw, dtype=dtype).reshape(shape)
    (alias_count,) = cursor.unpack("I")
    aliases = {}
    for _ in range(alias_count):
        alias = cursor.string()
        aliases[alias] = cursor.string()
    if cursor.remaining:
        raise Ct2FormatError(f"{cursor.remaining} unexpected bytes after the alias table")
    return Ct2Model(spec_name=spec_name, spec_revision=revision, variables=variables, aliases=aliases)


def read_ct2_model(path: Path) -> Ct2Model:
    return parse_ct2_model(path.read_bytes())
