"""The embedding service on the real provisioned all-mpnet-base-v2 model."""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.config import get_settings
from app.services import embedding
from app.services.embedding import EmbeddingModelError, EmbeddingService, resolve_model_path
from bundled_services import paths

COOKING = (
    "Slowly caramelise the onions in butter, then deglaze the pan with white wine, add the stock "
    "and simmer the risotto while stirring until the rice is creamy and tender. "
)
DATABASES = (
    "Distributed databases replicate each shard across availability zones and use consensus "
    "protocols such as Raft to elect a leader and keep the write-ahead logs consistent. "
)
FOOTBALL = (
    "The striker curled a free kick over the wall into the top corner, and the goalkeeper could "
    "only watch as the stadium erupted in the final minute of extra time. "
)


def _cosine(first: list[float], second: list[float]) -> float:
    dot = sum(a * b for a, b in zip(first, second, strict=True))
    return dot / (math.sqrt(sum(a * a for a in first)) * math.sqrt(sum(b * b for b in second)))


@pytest.fixture(scope="module")
def service(embedding_model_dir: Path) -> EmbeddingService:
    loaded = EmbeddingService(str(embedding_model_dir), 768)
    loaded.model()
    return loaded


async def test_vectors_have_768_dimensions(service: EmbeddingService) -> None:
    vectors = await service.embed_texts(["Tell me about a conflict in your team.", "System design basics."])

    assert len(vectors) == 2
    assert all(len(vector) == 768 for vector in vectors)
    assert all(math.isclose(math.sqrt(sum(x * x for x in vector)), 1.0, rel_tol=1e-4) for vector in vectors)


async def test_empty_input_needs_no_model() -> None:
    assert await EmbeddingService("/nonexistent/model", 768).embed_texts([]) == []


def test_window_is_512_tokens(service: EmbeddingService, embedding_model_dir: Path) -> None:
    config = json.loads((embedding_model_dir / "sentence_bert_config.json").read_text())

    assert config["max_seq_length"] == 512
    assert service.model().max_seq_length == 512
    assert service.max_chunk_tokens == 510  # <s> and </s> take the other two


async def test_similar_sentences_are_closer_than_unrelated_ones(service: EmbeddingService) -> None:
    query, similar, unrelated = await service.embed_texts(
        [
            "How should I answer interview questions about a conflict with a coworker?",
            "Tips for describing a disagreement with a colleague during a job interview.",
            "The recipe needs two cups of flour and a pinch of salt.",
        ]
    )

    assert _cosine(query, similar) > 0.5
    assert _cosine(query, unrelated) < 0.2


async def test_long_text_is_read_up_to_512_tokens_not_384(
    service: EmbeddingService, caplog: pytest.LogCaptureFixture
) -> None:
    tokenizer = service.tokenizer

    def first_tokens(text: str, count: int) -> list[int]:
        ids: list[int] = tokenizer(text * 20, add_special_tokens=False, verbose=False)["input_ids"]
        return ids[:count]

    def decode(ids: list[int]) -> str:
        text = tokenizer.decode(ids)
        assert isinstance(text, str)
        return text

    # 382 tokens of cooking, then 128 of databases (ends at token 510), then football past the window.
    cooking, databases, football = (
        first_tokens(COOKING, 382),
        first_tokens(DATABASES, 128),
        first_tokens(FOOTBALL, 200),
    )
    within_window = decode(cooking + databases)
    over_long = decode(cooking + databases + football)
    cooking_only = decode(cooking)
    assert service.count_tokens(within_window) == 510
    assert service.count_tokens(over_long) == 710

    with caplog.at_level(logging.WARNING, logger="app.services.embedding"):
        long_vector, window_vector, cooking_vector = await service.embed_texts(
            [over_long, within_window, cooking_only]
        )

    # Everything up to token 510 shapes the vector; only what lies past the model's window is cut.
    assert _cosine(long_vector, window_vector) > 0.999
    assert _cosine(long_vector, cooking_vector) < 0.97
    assert "exceed the embedding model's 512-token window" in caplog.text


async def test_embedding_runs_off_the_event_loop(service: EmbeddingService) -> None:
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0.01)

    ticking = asyncio.create_task(ticker())
    await service.embed_texts([COOKING * 8] * 4)
    done.set()
    await ticking

    assert ticks >= 10


async def test_concurrent_first_use_loads_the_model_once(embedding_model_dir: Path) -> None:
    class CountingService(EmbeddingService):
        loads = 0

        def _load(self):  # type: ignore[no-untyped-def]
            CountingService.loads += 1
            return super()._load()

    fresh = CountingService(str(embedding_model_dir), 768)
    vectors = await asyncio.gather(*(fresh.embed_query("What is a load balancer?") for _ in range(4)))

    assert CountingService.loads == 1
    assert all(vector == vectors[0] for vector in vectors)


def test_dimension_mismatch_is_a_clear_error(embedding_model_dir: Path) -> None:
    with pytest.raises(
        EmbeddingModelError, match="produces 768-dimensional vectors but EMBEDDING_DIMENSION is 384"
    ):
        EmbeddingService(str(embedding_model_dir), 384).model()


def test_default_model_id_resolves_to_the_provisioned_folder(
    embedding_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASCEND_MODELS_DIR", str(embedding_model_dir.parent))

    assert resolve_model_path("sentence-transformers/all-mpnet-base-v2") == embedding_model_dir
    assert resolve_model_path(str(embedding_model_dir)) == embedding_model_dir


def test_every_data_dir_shares_one_models_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASCEND_MODELS_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("ASCEND_DATA_DIR", str(tmp_path / "one"))
    first = embedding.models_dir()
    monkeypatch.setenv("ASCEND_DATA_DIR", str(tmp_path / "two"))

    assert first == embedding.models_dir() == tmp_path / "cache" / "ascend-models"
    assert first == paths.models_dir_path()


def test_missing_model_is_never_downloaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASCEND_MODELS_DIR", str(tmp_path))

    with pytest.raises(EmbeddingModelError, match=r"bundled_services\.provisioning\.embedding_model"):
        EmbeddingService("sentence-transformers/all-mpnet-base-v2", 768).model()


@pytest.fixture
def configured_for(embedding_model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("NEXTAUTH_SECRET", "t" * 48)
    monkeypatch.setenv("EMBEDDING_MODEL_NAME", str(embedding_model_dir))
    monkeypatch.setenv("EMBEDDING_DIMENSION", "768")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("configured_for")
async def test_module_functions_use_the_configured_model() -> None:
    vector = await embedding.embed_query("Tell me about yourself.")
    (same,) = await embedding.embed_texts(["Tell me about yourself."])

    assert len(vector) == 768
    assert vector == same
    assert embedding.get_embedding_service() is embedding.get_embedding_service()
    assert len(embedding.get_tokenizer()("hello world", add_special_tokens=False)["input_ids"]) == 2
