"""Embedding generation for the RAG knowledge base (CCS v1.2: a sentence-transformers model,
by default `sentence-transformers/all-mpnet-base-v2`, 768 dimensions).

The model is read from this machine only, never downloaded: `EMBEDDING_MODEL_NAME` is either a
folder or a model id whose last part names a folder in the Ascend models directory, where
`python -m bundled_services.provisioning.embedding_model` puts the default model.

It is loaded once per process, on first use, and runs in a worker thread so the event loop keeps
serving requests while it computes. Inputs longer than the model's 512-token window are cut at
512 tokens (with a warning); `max_chunk_tokens` tells a chunker how much text fits.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, cast

import numpy as np
import platformdirs
from numpy.typing import NDArray

from app.core.config import Settings, get_settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from transformers import PreTrainedTokenizerBase

logger = logging.getLogger(__name__)

# The models folder `bundled_services.paths` provisions into (~/.cache/ascend-models on Linux).
MODELS_DIR_NAME = "ascend-models"
# The knowledge base is cut into 512-token chunks (CCS); the published model config says 384.
MAX_SEQ_LENGTH = 512
BATCH_SIZE = 16
# Tokenizers that declare no limit report this sentinel (transformers' VERY_LARGE_INTEGER).
_UNDECLARED_LIMIT = 10**12


class EmbeddingModelError(RuntimeError):
    """The embedding model is missing, cannot be loaded, or does not fit the settings."""


def models_dir() -> Path:
    """The Ascend models directory.

    Derived the same way as `bundled_services.paths.models_dir`, which the server may not import
    (the launcher side is not installed with every server).
    """
    override = os.environ.get("ASCEND_MODELS_DIR")
    return Path(override).expanduser() if override else platformdirs.user_cache_path(MODELS_DIR_NAME)


def resolve_model_path(name: str) -> Path:
    """The local folder holding model `name` (a folder path, or an id like `org/model`)."""
    candidate = Path(name).expanduser()
    if candidate.is_dir():
        return candidate
    provisioned = models_dir() / PurePosixPath(name).name
    if provisioned.is_dir():
        return provisioned
    raise EmbeddingModelError(
        f"embedding model {name!r} is not on this machine: it is not a folder and {provisioned} "
        "does not exist. Provision it with `python -m bundled_services.provisioning.embedding_model` "
        "or set EMBEDDING_MODEL_NAME to a local sentence-transformers folder."
    )


class EmbeddingService:
    """One sentence-transformers model, loaded on first use and shared by every caller."""

    def __init__(self, model_name: str, dimension: int, *, max_seq_length: int = MAX_SEQ_LENGTH) -> None:
        self.model_name = model_name
        self.dimension = dimension
        self.max_seq_length = max_seq_length
        self._model: SentenceTransformer | None = None
        self._load_lock = threading.Lock()
        # Concurrent encodes would only contend for the same CPU cores and torch thread pool.
        self._encode_lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def model(self) -> SentenceTransformer:
        """The loaded model (loading it on the first call; blocking)."""
        if self._model is None:
            with self._load_lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self) -> SentenceTransformer:
        path = resolve_model_path(self.model_name)
        # Belt and braces with local_files_only: nothing below may reach for a model hub.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        from sentence_transformers import SentenceTransformer

        try:
            model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        except (OSError, ValueError) as error:
            raise EmbeddingModelError(f"cannot load the embedding model from {path}: {error}") from error
        dimension = model.get_embedding_dimension()
        if dimension != self.dimension:
            raise EmbeddingModelError(
                f"the embedding model at {path} produces {dimension}-dimensional vectors but "
                f"EMBEDDING_DIMENSION is {self.dimension}; the knowledge base column must match the model"
            )
        tokenizer_limit = int(model.tokenizer.model_max_length)
        if tokenizer_limit < _UNDECLARED_LIMIT and tokenizer_limit < self.max_seq_length:
            raise EmbeddingModelError(
                f"the embedding model at {path} reads at most {tokenizer_limit} tokens, "
                f"fewer than the {self.max_seq_length} the knowledge base chunks need"
            )
        model.max_seq_length = self.max_seq_length
        logger.info("loaded embedding model %s (%d dimensions)", path, dimension)
        return model

    async def load(self) -> None:
        """Load the model now, off the event loop (e.g. at worker start-up)."""
        await asyncio.to_thread(self.model)

    @property
    def tokenizer(self) -> PreTrainedTokenizerBase:
        """The model's tokenizer, to measure and cut text in the model's own tokens."""
        return cast("PreTrainedTokenizerBase", self.model().tokenizer)

    @property
    def max_chunk_tokens(self) -> int:
        """How many text tokens fit in one input, next to the special tokens the model adds."""
        return self.max_seq_length - self.tokenizer.num_special_tokens_to_add(pair=False)

    def count_tokens(self, text: str) -> int:
        """Tokens of `text` alone, without the special tokens added around each input."""
        encoded = self.tokenizer(text, add_special_tokens=False, truncation=False, verbose=False)
        return len(encoded["input_ids"])

    def encode(self, texts: Sequence[str]) -> list[list[float]]:
        """Blocking embedding of `texts`; use `embed_texts` from async code."""
        if not texts:
            return []
        model = self.model()
        self._warn_if_truncated(texts)
        with self._encode_lock:
            vectors = model.encode(
                list(texts), batch_size=BATCH_SIZE, show_progress_bar=False, convert_to_numpy=True
            )
        return cast("list[list[float]]", vectors.tolist())

    def _warn_if_truncated(self, texts: Sequence[str]) -> None:
        limit = self.max_chunk_tokens
        too_long = [len(ids) for ids in self._token_ids(texts) if len(ids) > limit]
        if too_long:
            logger.warning(
                "%d of %d texts exceed the embedding model's %d-token window (longest: %d tokens) "
                "and are embedded from their first %d tokens only",
                len(too_long),
                len(texts),
                self.max_seq_length,
                max(too_long),
                limit,
            )

    def _token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        encoded = self.tokenizer(list(texts), add_special_tokens=False, truncation=False, verbose=False)
        return cast("list[list[int]]", encoded["input_ids"])

    async def embed_texts(self, texts: list[str]) -> list[list[float]]:
        return await asyncio.to_thread(self.encode, texts)

    async def embed_query(self, text: str) -> list[float]:
        (vector,) = await self.embed_texts([text])
        return vector


def unit_rows(vectors: list[list[float]]) -> NDArray[np.float32]:
    """The vectors as rows of unit length, so that their dot products are cosine similarities."""
    rows = np.asarray(vectors, dtype=np.float32)
    rows /= np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
    return rows


_services: dict[tuple[str, int], EmbeddingService] = {}
_services_lock = threading.Lock()


def get_embedding_service(settings: Settings | None = None) -> EmbeddingService:
    """The process-wide service for the configured model (nothing is loaded until it is used)."""
    settings = settings or get_settings()
    key = (settings.EMBEDDING_MODEL_NAME, settings.EMBEDDING_DIMENSION)
    with _services_lock:
        service = _services.get(key)
        if service is None:
            service = _services[key] = EmbeddingService(*key)
    return service


async def embed_texts(texts: list[str]) -> list[list[float]]:
    """Embeddings of `texts` with the configured model, in order."""
    return await get_embedding_service().embed_texts(texts)


async def embed_query(text: str) -> list[float]:
    """The embedding of one search query."""
    return await get_embedding_service().embed_query(text)


def get_tokenizer() -> PreTrainedTokenizerBase:
    """The configured model's tokenizer (loads the model if needed; blocking)."""
    return get_embedding_service().tokenizer
