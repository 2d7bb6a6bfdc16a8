"""Decodes uploaded audio into what Whisper consumes: 16 kHz mono float32 samples.

Only the containers the app records or accepts are opened, chosen from the file's leading
bytes rather than left to FFmpeg's probing: probing would also accept playlists and other
formats whose demuxers open further files or URLs named inside the upload.
"""

from __future__ import annotations

from typing import BinaryIO

import av
import numpy as np
import numpy.typing as npt

SAMPLE_RATE = 16_000

# FFmpeg demuxer names for the accepted containers.
_WAV = "wav"
_MP3 = "mp3"
_MP4 = "mov"  # the mov demuxer reads .m4a / .mp4 / .mov
_MATROSKA = "matroska"  # the matroska demuxer reads .webm / .mka / .mkv


class AudioDecodeError(ValueError):
    """The upload is not audio in an accepted format, or it is corrupt."""


class AudioTooLongError(ValueError):
    """The audio lasts longer than the service accepts."""


def sniff_container(head: bytes) -> str | None:
    """The demuxer for `head`'s container, or None if it is not one of the accepted ones."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return _WAV
    if head[4:8] == b"ftyp":
        return _MP4
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return _MATROSKA
    if head[:3] == b"ID3":
        return _MP3
    # A bare MPEG audio frame: 11 sync bits, then a layer field other than the reserved 00
    # (ADTS AAC shares the sync word but always has layer 00).
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06:
        return _MP3
    return None


def decode_audio(data: BinaryIO, max_seconds: float) -> npt.NDArray[np.float32]:
    """All of the first audio stream of the seekable file `data`, as 16 kHz mono."""
    container_format = sniff_container(data.read(16))
    data.seek(0)
    if container_format is None:
        raise AudioDecodeError("Unsupported or unrecognised audio format; send mp3, wav, m4a or webm")
    max_samples = int(max_seconds * SAMPLE_RATE)
    chunks: list[npt.NDArray[np.float32]] = []
    total = 0
    try:
        with av.open(data, mode="r", format=container_format) as container:
            if not container.streams.audio:
                raise AudioDecodeError("The file has no audio stream")
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunk = out.to_ndarray().reshape(-1).astype(np.float32, copy=False)
                    chunks.append(chunk)
                    total += chunk.size
                if total > max_samples:
                    raise AudioTooLongError(f"Audio longer than {max_seconds:g} seconds is not accepted")
            # Passing None drains the samples the resampler still holds back.
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1).astype(np.float32, copy=False))
    except av.FFmpegError as exc:
        raise AudioDecodeError(f"The audio could not be decoded: {exc.strerror or exc}") from exc
    if not chunks:
        raise AudioDecodeError("The file holds no decodable audio")
    samples = np.concatenate(chunks)
    if samples.size == 0:
        raise AudioDecodeError("The file holds no decodable audio")
    if not np.isfinite(samples).all():
        raise AudioDecodeError("The decoded audio contains invalid sample values")
    return samples
