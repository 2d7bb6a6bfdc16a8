"""Seeding the RAG knowledge base from `knowledge_base_docs/*.md` (behind the spec's seeding script).

    python -m scripts.seed_knowledge_base [--reset] [--docs DIR]     (from server/)
    ascend seed-kb [--reset]

Each document is cut into 512-token chunks with 50 tokens of overlap in the embedding model's own
tokenizer, embedded with EMBEDDING_MODEL_NAME and stored in `knowledge_base_chunks`. `--reset`
truncates the table first; without it, unchanged documents are skipped and changed ones replaced,
so running it twice never duplicates a chunk.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from tqdm import tqdm

from app.core.config import get_settings
from app.db.session import create_engine, create_session_factory
from app.services.embedding import get_embedding_service
from app.services.knowledge_base import store as knowledge_base

# server/app/services/knowledge_base/ → the repository root, where knowledge_base_docs/ sits (also in images).
DEFAULT_DOCS = Path(__file__).resolve().parents[4] / "knowledge_base_docs"


async def run(docs: Path, *, reset: bool, quiet: bool = False) -> knowledge_base.SeedReport:
    settings = get_settings()
    service = get_embedding_service(settings)
    await service.load()
    engine = create_engine(settings.DATABASE_URL, pooled=False)
    try:
        with tqdm(desc="Embedding knowledge base", unit="chunk", disable=quiet, file=sys.stderr) as bar:
            async with create_session_factory(engine)() as db:
                return await knowledge_base.seed(db, service, docs, reset=reset, progress=bar.update)
    finally:
        await engine.dispose()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seed_knowledge_base", description="Seed the RAG knowledge base")
    parser.add_argument("--reset", action="store_true", help="truncate knowledge_base_chunks first")
    parser.add_argument("--docs", type=Path, default=DEFAULT_DOCS, help="folder of .md files")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    report = asyncio.run(run(args.docs, reset=args.reset, quiet=args.quiet))
    print(
        f"knowledge base: {report.documents} documents, {report.chunks_written} chunks written, "
        f"{report.documents_unchanged} documents unchanged"
    )
    return 0
