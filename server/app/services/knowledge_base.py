"""The RAG knowledge base: chunking and seeding the Markdown guides, and cosine search.

Chunks are cut in the embedding model's own tokens (the spec's 512-token chunks with 50 tokens of
overlap, capped at what one model input holds next to its special tokens) so each is embedded whole.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, exists, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import KnowledgeBaseChunk
from app.services.embedding import EmbeddingService

logger = logging.getLogger(__name__)

CHUNK_TOKENS = 512
CHUNK_OVERLAP_TOKENS = 50
MAX_SOURCE_NAME = 255


@dataclass(frozen=True, slots=True)
class Chunk:
    source_document: str
    text: str


def chunk_document(
    text_content: str,
    token_ids: Callable[[str], list[int]],
    decode: Callable[[list[int]], str],
    *,
    chunk_tokens: int,
    overlap: int,
) -> list[str]:
    """Windows of `chunk_tokens` tokens, each starting `chunk_tokens - overlap` after the previous."""
    if overlap >= chunk_tokens:
        raise ValueError("the overlap must be smaller than the chunk")
    ids = token_ids(text_content)
    if not ids:
        return []
    step = chunk_tokens - overlap
    chunks = []
    for start in range(0, len(ids), step):
        piece = _fitting_text(ids[start : start + chunk_tokens], token_ids, decode, chunk_tokens)
        if piece:
            chunks.append(piece)
        if start + chunk_tokens >= len(ids):
            break
    return chunks


def _fitting_text(
    window: list[int], token_ids: Callable[[str], list[int]], decode: Callable[[list[int]], str], limit: int
) -> str:
    """The window's text, trimmed until it re-tokenises within `limit`: decoding a cut in the middle of
    a word and encoding it again can yield a token or two more than the window held."""
    while window:
        piece = decode(window).strip()
        if len(token_ids(piece)) <= limit:
            return piece
        window = window[:-2]
    return ""


def chunk_documents(paths: Sequence[Path], service: EmbeddingService) -> list[Chunk]:
    tokenizer = service.tokenizer
    size = min(CHUNK_TOKENS, service.max_chunk_tokens)

    def token_ids(content: str) -> list[int]:
        return list(
            tokenizer(content, add_special_tokens=False, truncation=False, verbose=False)["input_ids"]
        )

    def decode(ids: list[int]) -> str:
        return str(tokenizer.decode(ids, skip_special_tokens=True, clean_up_tokenization_spaces=True))

    chunks: list[Chunk] = []
    for path in paths:
        name = path.name[:MAX_SOURCE_NAME]
        content = path.read_text(encoding="utf-8")
        chunks.extend(
            Chunk(name, piece)
            for piece in chunk_document(
                content, token_ids, decode, chunk_tokens=size, overlap=CHUNK_OVERLAP_TOKENS
            )
        )
    return chunks


def markdown_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise FileNotFoundError(f"knowledge base folder not found: {folder}")
    return sorted(path for path in folder.glob("*.md") if path.is_file())


def fingerprint(chunks: Sequence[Chunk]) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk.source_document.encode())
        digest.update(b"\0")
        digest.update(chunk.text.encode())
        digest.update(b"\0")
    return digest.hexdigest()


async def stored_chunks(db: AsyncSession, source_document: str) -> list[str]:
    rows = await db.scalars(
        select(KnowledgeBaseChunk.chunk_text)
        .where(KnowledgeBaseChunk.source_document == source_document)
        .order_by(KnowledgeBaseChunk.chunk_text)
    )
    return list(rows)


@dataclass(frozen=True, slots=True)
class SeedReport:
    documents: int
    chunks_written: int
    documents_unchanged: int


async def seed(
    db: AsyncSession,
    service: EmbeddingService,
    folder: Path,
    *,
    reset: bool,
    progress: Callable[[int], object] | None = None,
) -> SeedReport:
    """Load every Markdown file of `folder`; a document whose chunks are already stored unchanged is
    skipped, a changed one is replaced, so re-running never duplicates anything."""
    paths = markdown_files(folder)
    if reset:
        await db.execute(text("TRUNCATE knowledge_base_chunks"))
    chunks = chunk_documents(paths, service)
    written = unchanged = 0
    for path in paths:
        mine = [chunk for chunk in chunks if chunk.source_document == path.name[:MAX_SOURCE_NAME]]
        if sorted(chunk.text for chunk in mine) == await stored_chunks(db, path.name[:MAX_SOURCE_NAME]):
            unchanged += 1
            if progress is not None:
                progress(len(mine))
            continue
        await db.execute(
            delete(KnowledgeBaseChunk).where(
                KnowledgeBaseChunk.source_document == path.name[:MAX_SOURCE_NAME]
            )
        )
        vectors = await service.embed_texts([chunk.text for chunk in mine])
        db.add_all(
            KnowledgeBaseChunk(source_document=chunk.source_document, chunk_text=chunk.text, embedding=vector)
            for chunk, vector in zip(mine, vectors, strict=True)
        )
        written += len(mine)
        if progress is not None:
            progress(len(mine))
    await db.commit()
    return SeedReport(documents=len(paths), chunks_written=written, documents_unchanged=unchanged)


async def is_empty(db: AsyncSession) -> bool:
    return not await db.scalar(select(exists().where(KnowledgeBaseChunk.id.is_not(None))))


async def chunk_count(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(KnowledgeBaseChunk)) or 0)


async def search(db: AsyncSession, service: EmbeddingService, query: str, top_k: int = 3) -> list[str]:
    """The `top_k` chunks closest to the query by cosine distance; [] on an empty knowledge base."""
    if top_k <= 0 or not query.strip() or await is_empty(db):
        return []
    vector = await service.embed_query(query)
    rows = await db.scalars(
        select(KnowledgeBaseChunk.chunk_text)
        .where(KnowledgeBaseChunk.embedding.is_not(None))
        .order_by(KnowledgeBaseChunk.embedding.cosine_distance(vector))
        .limit(top_k)
    )
    return list(rows)
