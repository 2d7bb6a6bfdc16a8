"""The RAG knowledge base: the Markdown guides cut into chunks, seeded, and searched."""
