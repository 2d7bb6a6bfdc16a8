"""Real models for the coaching tests: the small GGUF behind llama.cpp's server, and the embedder.

Provisioning is idempotent (`ASCEND_MODELS_DIR` points at a shared copy), so after the first run
these fixtures only re-verify the files.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from app.db.session import create_session_factory
from app.services.embedding import EmbeddingService, get_embedding_service
from app.services.knowledge_base import store as knowledge_base
from app.services.resources import Resources, open_resources
from app.workers.celery_app import celery_app
from bundled_services.launchers.llm_server import LLMServerHandle, start_llm_server
from bundled_services.provisioning import embedding_model, llm_model
from tests.stack import ServiceStack

SMALL_MODEL_ALIAS = "qwen2.5-coder-0.5b"
KNOWLEDGE_BASE = __import__("pathlib").Path(__file__).resolve().parents[2] / "knowledge_base_docs"


@pytest.fixture(scope="session")
def llm_server(stack: ServiceStack) -> Iterator[LLMServerHandle]:
    model = llm_model.provision("small")
    handle = start_llm_server(
        model, stack.root / "logs" / "llm.log", model_alias=SMALL_MODEL_ALIAS, threads=2
    )
    yield handle
    handle.stop()


@pytest.fixture(scope="session")
def coaching_settings(settings: Settings, llm_server: LLMServerHandle) -> Settings:
    return settings.model_copy(
        update={
            "LOCAL_LLM_API_BASE": llm_server.api_base,
            "LOCAL_LLM_MODEL_NAME": llm_server.model_alias,
            "EMBEDDING_MODEL_NAME": str(embedding_model.provision()),
            # llama.cpp's server answers one request at a time and finishes abandoned ones, so a
            # short timeout on a busy 2-core machine only queues retries behind the first try.
            "LLM_REQUEST_TIMEOUT_SECONDS": 900.0,
        }
    )


@pytest.fixture(scope="session")
def embeddings(settings: Settings) -> EmbeddingService:
    folder = embedding_model.provision()
    return get_embedding_service(settings.model_copy(update={"EMBEDDING_MODEL_NAME": str(folder)}))


@pytest.fixture(scope="session")
async def seeded_knowledge_base(engine: AsyncEngine, embeddings: EmbeddingService) -> int:
    async with create_session_factory(engine)() as db:
        await knowledge_base.seed(db, embeddings, KNOWLEDGE_BASE, reset=True)
        return await knowledge_base.chunk_count(db)


@pytest.fixture(scope="session")
async def job_context(coaching_settings: Settings) -> AsyncIterator[Resources]:
    """What the worker's jobs get, opened as a worker opens it, on the small model."""
    async with open_resources(coaching_settings, celery_app) as resources:
        yield resources
