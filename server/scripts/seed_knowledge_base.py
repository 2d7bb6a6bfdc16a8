"""Seed the RAG knowledge base from `knowledge_base_docs/*.md` (the spec's seeding script).

    python scripts/seed_knowledge_base.py [--reset] [--docs DIR]     (from server/)
    ascend seed-kb [--reset]

Each document is cut into 512-token chunks with 50 tokens of overlap in the embedding model's own
tokenizer, embedded with EMBEDDING_MODEL_NAME and stored in `knowledge_base_chunks`. `--reset`
truncates the table first; without it, unchanged documents are skipped and changed ones replaced,
so running it twice never duplicates a chunk.
"""

import sys

from app.services.knowledge_base.seed import main

if __name__ == "__main__":
    sys.exit(main())
