"""The RAG knowledge base: chunking and seeding the Markdown guides, and cosine search.

Chunks are cut in the embedding model's own tokens (the spec's 512-token chunks with 50 tokens of
overlap, capped at what one model input holds next to its special tokens) so each is embedded whole.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import delete, exists, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import locks
from app.db.models import KnowledgeBaseChunk
from app.services.embedding import EmbeddingService, unit_rows

logger = logging.getLogger(__name__)

CHUNK_TOKENS = 512
CHUNK_OVERLAP_TOKENS = 50
MAX_SOURCE_NAME = 255


@dataclass(frozen=True, slots=True)
class Chunk:
    source_document: str
    text: str


TokenSpans = Callable[[str], list[tuple[int, int]]]


def chunk_document(
    text_content: str, token_spans: TokenSpans, *, chunk_tokens: int, overlap: int
) -> list[str]:
    """Windows of `chunk_tokens` tokens, each starting `chunk_tokens - overlap` after the previous.

    Each chunk is the document's own text between its first and last token (`token_spans` gives the
    character span of every token): decoding token ids instead would hand the model and the reader
    an uncased tokenizer's lower-cased, re-spaced text ("( p95 )", "* * task").
    """
    if overlap >= chunk_tokens:
        raise ValueError("the overlap must be smaller than the chunk")
    spans = token_spans(text_content)
    if not spans:
        return []
    step = chunk_tokens - overlap
    chunks = []
    for start in range(0, len(spans), step):
        piece = _fitting_text(text_content, spans[start : start + chunk_tokens], token_spans, chunk_tokens)
        if piece:
            chunks.append(piece)
        if start + chunk_tokens >= len(spans):
            break
    return chunks


def _fitting_text(
    text_content: str, window: list[tuple[int, int]], token_spans: TokenSpans, limit: int
) -> str:
    """The window's text, trimmed until it tokenises within `limit` on its own: a window that starts
    inside a word (a word-piece) tokenises into a token or two more than it held."""
    while window:
        piece = text_content[window[0][0] : window[-1][1]].strip()
        if len(token_spans(piece)) <= limit:
            return piece
        window = window[:-2]
    return ""


def chunk_documents(paths: Sequence[Path], service: EmbeddingService) -> list[Chunk]:
    tokenizer = service.tokenizer
    size = min(CHUNK_TOKENS, service.max_chunk_tokens)

    def token_spans(content: str) -> list[tuple[int, int]]:
        encoded = tokenizer(
            content,
            add_special_tokens=False,
            truncation=False,
            return_offsets_mapping=True,
            verbose=False,
        )
        return [(int(start), int(end)) for start, end in encoded["offset_mapping"]]

    chunks: list[Chunk] = []
    for path in paths:
        name = path.name[:MAX_SOURCE_NAME]
        content = path.read_text(encoding="utf-8")
        chunks.extend(
            Chunk(name, piece)
            for piece in chunk_document(content, token_spans, chunk_tokens=size, overlap=CHUNK_OVERLAP_TOKENS)
        )
    return chunks


_SENTENCE_END = re.compile(r"[.!?:](?=\s)|\n")


def excerpt(passage: str, max_chars: int) -> str:
    """A retrieved chunk cut down to whole sentences within `max_chars`, for a small model's prompt.

    A chunk is a token window: it may open mid-sentence, and its 512 tokens take a 2-core laptop
    seconds to read. An opening that is the tail of a sentence (lower case, or punctuation) is
    skipped when a sentence starts soon after it, and the cut falls at the last sentence end that fits.
    """
    text = passage.strip()
    opening = _SENTENCE_END.search(text, 0, min(len(text), 200))
    if opening is not None and (text[0].islower() or text[0] in ",.;:)]}\"'"):
        text = text[opening.end() :].lstrip()
    if len(text) <= max_chars:
        return text
    cut = max((match.end() for match in _SENTENCE_END.finditer(text, 0, max_chars)), default=0)
    return text[: cut if cut > max_chars // 2 else max_chars].rstrip()


def passage_sentences(passage: str) -> list[str]:
    """A chunk's sentences, headings and list items, in order (markdown's line breaks end them too)."""
    parts: list[str] = []
    for line in passage.splitlines():
        parts.extend(part.strip() for part in re.split(r"(?<=[.!?])\s+", line) if part.strip())
    return parts


async def focused_excerpts(
    embeddings: EmbeddingService, query: str, passages: list[str], max_chars: int
) -> list[str]:
    """Each passage cut to its sentences closest in meaning to `query`, in their own order, within
    `max_chars` (one embedding call for the query and every sentence).

    A retrieved chunk holds a few sections of a guide, and the start of it is often not the part the
    query was about: whole sentences are picked by their similarity to the query instead.
    """
    split = [passage_sentences(passage) for passage in passages]
    to_cut = [
        index for index, passage in enumerate(passages) if len(passage) > max_chars and len(split[index]) > 1
    ]
    sentences = [sentence for index in to_cut for sentence in split[index]]
    excerpts = [excerpt(passage, max_chars) for passage in passages]
    if not sentences:
        return excerpts
    vectors = unit_rows(await embeddings.embed_texts([query, *sentences]))
    similarity = vectors[1:] @ vectors[0]
    offset = 0
    for index in to_cut:
        parts = split[index]
        scores = similarity[offset : offset + len(parts)]
        offset += len(parts)
        chosen: list[int] = []
        used = 0
        for position in (int(found) for found in np.argsort(-scores)):
            if used + len(parts[position]) + 1 <= max_chars:
                chosen.append(position)
                used += len(parts[position]) + 1
        if chosen:
            excerpts[index] = "\n".join(parts[position] for position in sorted(chosen))
    return excerpts


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
    skipped, a changed one is replaced, so re-running (or running twice at once) never duplicates
    anything."""
    paths = markdown_files(folder)
    # Held to the commit: a second seeder (another replica starting) then finds the documents stored
    # and skips them, where both would otherwise see none and write every chunk twice.
    await locks.hold_until_commit_async(db, locks.KNOWLEDGE_BASE_SEED)
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
