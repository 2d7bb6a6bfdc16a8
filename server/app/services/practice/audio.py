"""Uploaded answers: check the content matches the extension and measure the real duration."""

from __future__ import annotations

from pathlib import Path

import av
import av.error

# The container families PyAV reports for each extension we accept.
EXPECTED_FORMATS: dict[str, frozenset[str]] = {
    ".wav": frozenset({"wav"}),
    ".mp3": frozenset({"mp3"}),
    ".m4a": frozenset({"mov", "mp4", "m4a", "3gp", "3g2", "mj2"}),
    ".webm": frozenset({"matroska", "webm"}),
}
MIN_DURATION_SECONDS = 0.2
HEADER_MARGIN = 2.0


class AudioError(Exception):
    """The file is not usable audio; the message is meant for the user."""


def probe_duration_seconds(path: Path, extension: str, max_seconds: float) -> float:
    """Blocking: open the file, check its container and return its duration in seconds. An answer over
    `max_seconds` is refused from the container's header when it states a duration, else as soon as
    the decoding passes it: a three-hour file costs no more than `max_seconds` of decoding."""
    expected = EXPECTED_FORMATS.get(extension)
    if expected is None:
        raise AudioError(f"Unsupported audio type '{extension}'")
    try:
        with av.open(str(path), mode="r") as container:
            formats = set(container.format.name.split(","))
            if not formats & expected:
                raise AudioError(
                    f"The file has a {extension} extension but holds {container.format.name} data"
                )
            if not container.streams.audio:
                raise AudioError("The file contains no audio track")
            stream = container.streams.audio[0]
            stated = _stated_duration(container, stream)
            # Far over only: a plain MP3's length is guessed from its first frame's bit rate, which a
            # quiet opening can make several times too long; decoding decides the rest.
            if stated is not None and stated > HEADER_MARGIN * max_seconds:
                raise _too_long(max_seconds)
            duration = _decoded_duration(container, stream, max_seconds)
    except av.error.FFmpegError as exc:
        raise AudioError(f"The audio could not be decoded; the {extension} file may be damaged") from exc
    if duration < MIN_DURATION_SECONDS:
        raise AudioError("The recording is empty or too short to transcribe")
    return duration


def _too_long(max_seconds: float) -> AudioError:
    return AudioError(
        f"The recording is longer than {max_seconds / 60:g} minutes, the longest answer accepted; "
        "record a shorter answer"
    )


def _stated_duration(container: av.container.InputContainer, stream: av.AudioStream) -> float | None:
    # What the header says (or, for a plain MP3, what its bit rate and size imply); None when silent.
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return None


def _decoded_duration(
    container: av.container.InputContainer, stream: av.AudioStream, max_seconds: float
) -> float:
    # Headers lie (MediaRecorder's WebM has no duration at all, truncated files keep the old one),
    # so the duration is what actually decodes.
    samples = 0
    sample_rate = stream.codec_context.sample_rate or 0
    for frame in container.decode(stream):
        samples += frame.samples
        sample_rate = frame.sample_rate or sample_rate
        if sample_rate and samples / sample_rate > max_seconds:
            raise _too_long(max_seconds)
    if samples == 0 or sample_rate == 0:
        raise AudioError("The file contains no decodable audio")
    return samples / sample_rate
