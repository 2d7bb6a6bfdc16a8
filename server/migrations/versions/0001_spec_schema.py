"""The spec's MVP schema, plus an HNSW cosine index for the knowledge base search.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

from app.core.config import get_settings

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    dimension = int(get_settings().EMBEDDING_DIMENSION)
    # The spec enables pgcrypto for gen_random_uuid(), which is built into PostgreSQL since 13; builds
    # without contrib (the embedded PostgreSQL wheel) lack the extension but not the function.
    op.execute(
        """
        DO $$ BEGIN
            IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pgcrypto') THEN
                CREATE EXTENSION IF NOT EXISTS "pgcrypto";
            END IF;
        END $$
        """
    )
    op.execute('CREATE EXTENSION IF NOT EXISTS "vector"')
    op.execute(
        """
        CREATE TABLE users (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            email VARCHAR(255) UNIQUE NOT NULL,
            name VARCHAR(255),
            avatar_url TEXT,
            created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
            updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
        )
        """
    )
    op.execute(
        """
        CREATE TABLE resumes (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            storage_path TEXT NOT NULL,
            original_filename TEXT NOT NULL,
            parsed_text TEXT,
            created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
        )
        """
    )
    op.execute(
        """
        CREATE TABLE interview_sessions (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            resume_id UUID REFERENCES resumes(id) ON DELETE SET NULL,
            job_description TEXT NOT NULL,
            generated_questions JSONB NOT NULL,
            status VARCHAR(50) NOT NULL DEFAULT 'pending',
            created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
        )
        """
    )
    op.execute(
        """
        CREATE TABLE recordings (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            session_id UUID NOT NULL REFERENCES interview_sessions(id) ON DELETE CASCADE,
            question_text TEXT NOT NULL,
            audio_storage_path TEXT NOT NULL,
            transcript TEXT,
            feedback_status VARCHAR(50) NOT NULL DEFAULT 'pending',
            created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
        )
        """
    )
    op.execute(
        """
        CREATE TABLE feedback (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            recording_id UUID UNIQUE NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
            report JSONB NOT NULL,
            created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
        )
        """
    )
    op.execute(
        f"""
        CREATE TABLE knowledge_base_chunks (
            id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
            source_document VARCHAR(255) NOT NULL,
            chunk_text TEXT NOT NULL,
            embedding VECTOR({dimension})
        )
        """
    )
    # Cosine distance is what rag_knowledge_search orders by; HNSW keeps it fast as the corpus grows.
    op.execute(
        "CREATE INDEX ix_knowledge_base_chunks_embedding_hnsw "
        "ON knowledge_base_chunks USING hnsw (embedding vector_cosine_ops)"
    )


def downgrade() -> None:
    for table in (
        "knowledge_base_chunks",
        "feedback",
        "recordings",
        "interview_sessions",
        "resumes",
        "users",
    ):
        op.execute(f"DROP TABLE IF EXISTS {table}")
