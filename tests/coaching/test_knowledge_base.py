"""Seeding (512-token chunks, 50 overlap, in the embedder's tokens) and the pgvector cosine search."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from app.db.models import KnowledgeBaseChunk
from app.services.agent import AGENT_PASSAGE_CHARS, AgentTools
from app.services.embedding import EmbeddingService
from app.services.knowledge_base import store as knowledge_base
from tests.coaching.conftest import KNOWLEDGE_BASE


def test_chunks_are_512_tokens_with_50_of_overlap(embeddings: EmbeddingService) -> None:
    chunks = knowledge_base.chunk_documents([KNOWLEDGE_BASE / "star_method.md"], embeddings)
    tokenizer = embeddings.tokenizer
    sizes = [embeddings.count_tokens(chunk.text) for chunk in chunks]
    assert len(chunks) >= 4
    # One model input holds 510 text tokens beside <s> and </s>: chunks are cut to fit it whole.
    assert embeddings.max_chunk_tokens == 510
    assert all(size <= 512 for size in sizes)
    assert all(size >= 480 for size in sizes[:-1])
    first = tokenizer(chunks[0].text, add_special_tokens=False)["input_ids"]
    second = tokenizer(chunks[1].text, add_special_tokens=False)["input_ids"]
    assert first[-50:][5:45] == second[:50][5:45]


def _word_spans(content: str) -> list[tuple[int, int]]:
    return [match.span() for match in re.finditer(r"\S+", content)]


def test_window_arithmetic() -> None:
    text = " ".join(map(str, range(1200)))
    pieces = knowledge_base.chunk_document(text, _word_spans, chunk_tokens=512, overlap=50)
    starts = [int(piece.split()[0]) for piece in pieces]
    assert starts == [0, 462, 924]
    assert all(len(piece.split()) == 512 for piece in pieces[:-1])
    assert pieces[-1].split()[-1] == "1199"


def test_a_window_that_tokenises_longer_on_its_own_is_trimmed_to_fit() -> None:
    # As a window that starts inside a word does: here a text's first word counts as two tokens.
    def spans(content: str) -> list[tuple[int, int]]:
        words = _word_spans(content)
        return words[:1] + words if words else []

    pieces = knowledge_base.chunk_document(" ".join(["w"] * 40), spans, chunk_tokens=10, overlap=2)
    assert pieces
    assert all(len(spans(piece)) <= 10 for piece in pieces)


def test_chunks_are_the_guides_own_text(embeddings: EmbeddingService) -> None:
    content = (KNOWLEDGE_BASE / "star_method.md").read_text(encoding="utf-8")
    chunks = knowledge_base.chunk_documents([KNOWLEDGE_BASE / "star_method.md"], embeddings)
    assert all(chunk.text in content for chunk in chunks)
    # The embedder's tokenizer is uncased: text rebuilt from its tokens would have no capitals.
    assert any(character.isupper() for character in chunks[0].text)


async def test_seeding_is_idempotent_and_reset_rebuilds(
    seeded_knowledge_base: int,
    committing_factory: async_sessionmaker[AsyncSession],
    embeddings: EmbeddingService,
) -> None:
    assert seeded_knowledge_base >= 25
    async with committing_factory() as db:
        again = await knowledge_base.seed(db, embeddings, KNOWLEDGE_BASE, reset=False)
        assert again.chunks_written == 0
        assert again.documents_unchanged == 5
        assert await knowledge_base.chunk_count(db) == seeded_knowledge_base
        sources = set(await db.scalars(select(KnowledgeBaseChunk.source_document).distinct()))
        assert sources == {
            "behavioral_questions.md", "communication_guide.md", "resume_best_practices.md",
            "star_method.md", "system_design_principles.md",
        }  # fmt: skip
        dimension = await db.scalar(text("SELECT vector_dims(embedding) FROM knowledge_base_chunks LIMIT 1"))
        assert dimension == 768


async def test_search_finds_the_relevant_guide(
    seeded_knowledge_base: int,
    committing_factory: async_sessionmaker[AsyncSession],
    embeddings: EmbeddingService,
) -> None:
    async with committing_factory() as db:
        filler = await knowledge_base.search(
            db, embeddings, "how do I stop saying um and uh when I answer", 3
        )
        design = await knowledge_base.search(
            db, embeddings, "shard the database and add a cache for reads", 3
        )
    assert len(filler) == 3
    assert any("filler" in chunk.lower() for chunk in filler)
    assert any("shard" in chunk.lower() or "cach" in chunk.lower() for chunk in design)


async def test_search_on_an_empty_knowledge_base_is_empty(
    connection: AsyncConnection,
    session_factory: async_sessionmaker[AsyncSession],
    embeddings: EmbeddingService,
) -> None:
    await connection.execute(text("DELETE FROM knowledge_base_chunks"))  # rolled back with the test
    async with session_factory() as db:
        assert await db.scalar(select(func.count()).select_from(KnowledgeBaseChunk)) == 0
        assert await knowledge_base.search(db, embeddings, "STAR method", 3) == []


def test_an_excerpt_is_whole_sentences_within_its_budget() -> None:
    passage = "the middle of a sentence. Lead with the result. Then give the numbers: 40% faster. Then stop."
    assert knowledge_base.excerpt(passage, 60) == "Lead with the result. Then give the numbers: 40% faster."
    assert knowledge_base.excerpt("## Heading\nShort advice.", 60) == "## Heading\nShort advice."
    # No sentence end in reach: cut at the budget rather than return nothing.
    assert knowledge_base.excerpt("A" * 100, 40) == "A" * 40


async def test_a_focused_excerpt_keeps_the_sentences_about_the_query_in_their_order(
    embeddings: EmbeddingService,
) -> None:
    passage = (
        "## Delivery\n"
        "Filler words such as um and uh make an answer sound unsure.\n"
        "Pause silently instead of saying um while you think.\n"
        "## System design\n"
        "Shard the orders table by merchant once one primary cannot keep up with writes.\n"
        "Put a read-through cache in front of the product catalogue.\n"
        "## Resumes\n"
        "Start every resume bullet with a strong verb and end it with a number."
    )
    short = "Lead with the result. Then give the numbers."
    focused, whole = await knowledge_base.focused_excerpts(
        embeddings, "how do I stop saying um and uh", [passage, short], max_chars=120
    )
    assert len(focused) <= 120
    assert "Pause silently instead of saying um" in focused
    assert "Shard" not in focused
    assert "resume bullet" not in focused
    lines = passage.splitlines()
    assert [lines.index(line) for line in focused.splitlines()] == sorted(
        lines.index(line) for line in focused.splitlines()
    )
    # A passage within the budget is read whole.
    assert whole == short


async def test_the_agent_reads_focused_excerpts_of_what_it_searched(
    seeded_knowledge_base: int,
    committing_factory: async_sessionmaker[AsyncSession],
    embeddings: EmbeddingService,
) -> None:
    tools = AgentTools(session_factory=committing_factory, embeddings=embeddings, user_id=uuid.uuid4())
    search = next(tool for tool in tools.as_langchain_tools() if tool.name == "rag_knowledge_search")
    query = "how do I stop saying um and uh when I answer"
    read = await search.ainvoke({"query": query, "top_k": 2})
    whole = await tools.rag_knowledge_search(query, 2)
    assert len(read) == 2
    assert all(len(passage) <= AGENT_PASSAGE_CHARS for passage in read)
    assert all(len(passage) > AGENT_PASSAGE_CHARS for passage in whole)
    assert any("filler" in passage.lower() for passage in read)
