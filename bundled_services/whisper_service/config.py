"""The service's settings, from command-line options with environment variables as fallback."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bundled_services.provisioning.whisper_model import default_model_path

_MB = 1024 * 1024
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class ServiceConfig:
    model_path: Path
    host: str
    port: int
    threads: int
    max_upload_bytes: int
    max_audio_seconds: float
    max_pending: int
    language: str
    verbatim: bool
    beam_size: int


def _default_threads() -> int:
    # whisper.cpp gains little past 4 threads for small models and the machine has other work.
    return max(1, min(4, os.cpu_count() or 1))


def _flag(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"{name} must be one of {sorted(_TRUE | _FALSE)}, not {value!r}")


def _positive(value: float, name: str) -> None:
    if value <= 0:
        raise ValueError(f"{name} must be positive, not {value}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bundled_services.whisper_service",
        description="Speech-to-text HTTP service around whisper.cpp.",
    )
    parser.add_argument("--model", type=Path, help="ggml model file [WHISPER_MODEL_PATH]")
    parser.add_argument("--host", help="interface to listen on [WHISPER_HOST]")
    parser.add_argument("--port", type=int, help="port to listen on [WHISPER_PORT]")
    parser.add_argument("--threads", type=int, help="whisper.cpp threads [WHISPER_THREADS]")
    parser.add_argument("--max-upload-mb", type=float, help="upload limit in MiB [WHISPER_MAX_UPLOAD_MB]")
    parser.add_argument(
        "--max-audio-seconds", type=float, help="longest decoded audio [WHISPER_MAX_AUDIO_SECONDS]"
    )
    parser.add_argument(
        "--max-pending", type=int, help="queued transcriptions before 503 [WHISPER_MAX_PENDING]"
    )
    parser.add_argument("--language", help="spoken language or 'auto' [WHISPER_LANGUAGE]")
    parser.add_argument(
        "--beam-size", type=int, help="beam search width, 0 for greedy decoding [WHISPER_BEAM_SIZE]"
    )
    parser.add_argument(
        "--verbatim",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="keep filler words [WHISPER_VERBATIM]",
    )
    return parser


def load_config(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> ServiceConfig:
    """Resolves every setting: option, else environment variable, else default."""
    env = os.environ if environ is None else environ
    args = build_parser().parse_args([] if argv is None else list(argv))

    def pick(option: object, variable: str, default: str) -> str:
        return str(option) if option is not None else env.get(variable, default)

    model = args.model or (Path(env["WHISPER_MODEL_PATH"]) if "WHISPER_MODEL_PATH" in env else None)
    config = ServiceConfig(
        model_path=(model or default_model_path()).expanduser(),
        host=pick(args.host, "WHISPER_HOST", "127.0.0.1"),
        port=int(pick(args.port, "WHISPER_PORT", "8080")),
        threads=int(pick(args.threads, "WHISPER_THREADS", str(_default_threads()))),
        max_upload_bytes=int(float(pick(args.max_upload_mb, "WHISPER_MAX_UPLOAD_MB", "50")) * _MB),
        max_audio_seconds=float(pick(args.max_audio_seconds, "WHISPER_MAX_AUDIO_SECONDS", "3600")),
        max_pending=int(pick(args.max_pending, "WHISPER_MAX_PENDING", "8")),
        language=pick(args.language, "WHISPER_LANGUAGE", "en").strip().lower(),
        verbatim=args.verbatim
        if args.verbatim is not None
        else _flag(env.get("WHISPER_VERBATIM", "1"), "WHISPER_VERBATIM"),
        # Beam search of 5 measured best on the labelled answers (docs/benchmarks.md, Transcription).
        beam_size=int(pick(args.beam_size, "WHISPER_BEAM_SIZE", "5")),
    )
    _positive(config.threads, "threads")
    _positive(config.max_upload_bytes, "max upload size")
    _positive(config.max_audio_seconds, "max audio seconds")
    _positive(config.max_pending, "max pending")
    if config.beam_size < 0:
        raise ValueError(f"beam size must be 0 (greedy) or more, not {config.beam_size}")
    if not 0 < config.port < 65536:
        raise ValueError(f"port must be in 1..65535, not {config.port}")
    return config
