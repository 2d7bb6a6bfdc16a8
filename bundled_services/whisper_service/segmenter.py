"""Splits long audio into pieces Whisper can take whole, cutting in pauses between words.

Whisper reads audio in 30-second windows. When it decodes without timestamps (as verbatim
mode must, see engine.py), whisper.cpp moves on by exactly 30 seconds, cutting through
whatever word is spoken there and garbling it on both sides. Cutting the audio beforehand
at the quietest stretch before each 30-second mark avoids that.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

_FRAME_SECONDS = 0.02
# A pause between words or sentences lasts a few hundred milliseconds; averaging energy
# over this span prefers such a pause to a single quiet frame inside a word.
_PAUSE_SECONDS = 0.2


def _frame_energy(samples: npt.NDArray[np.float32], frame: int) -> npt.NDArray[np.float64]:
    frames = samples[: samples.size // frame * frame].reshape(-1, frame)
    # einsum sums the squares frame by frame without a squared copy of the whole recording.
    energy = np.einsum("ij,ij->i", frames, frames, dtype=np.float64) / frame
    span = max(1, round(_PAUSE_SECONDS / _FRAME_SECONDS))
    smoothed: npt.NDArray[np.float64] = np.convolve(energy, np.ones(span) / span, mode="same")
    return smoothed


def split_at_pauses(
    samples: npt.NDArray[np.float32],
    sample_rate: int,
    max_seconds: float = 28.0,
    search_seconds: float = 10.0,
    min_tail_seconds: float = 2.0,
) -> list[tuple[int, int]]:
    """(start, end) sample ranges covering `samples`, each at most `max_seconds` long.

    Each cut goes at the quietest point of the last `search_seconds` before the limit, and
    never leaves a final piece shorter than `min_tail_seconds`.
    """
    if not min_tail_seconds + _FRAME_SECONDS < search_seconds < max_seconds:
        raise ValueError("need min_tail_seconds + one frame < search_seconds < max_seconds")
    max_len = int(max_seconds * sample_rate)
    if samples.size <= max_len:
        return [(0, samples.size)]
    frame = int(_FRAME_SECONDS * sample_rate)
    energy = _frame_energy(samples, frame)
    search = int(search_seconds * sample_rate)
    min_tail = int(min_tail_seconds * sample_rate)
    pieces: list[tuple[int, int]] = []
    start = 0
    while samples.size - start > max_len:
        # The search window is never empty: the audio left runs past start + max_len, and the
        # window reaches back further (search) than the tail reserve holds it in (min_tail).
        lo = (start + max_len - search) // frame
        hi = min(start + max_len, samples.size - min_tail) // frame
        cut = (lo + int(np.argmin(energy[lo:hi]))) * frame + frame // 2
        pieces.append((start, cut))
        start = cut
    pieces.append((start, samples.size))
    return pieces
