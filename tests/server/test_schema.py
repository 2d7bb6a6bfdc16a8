"""The migrated database matches the spec's SQL: types, defaults, keys, ON DELETE rules, the index."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

SPEC_COLUMNS = {
    "users": {
        "id": ("uuid", "NO", "gen_random_uuid()"),
        "email": ("character varying(255)", "NO", None),
        "name": ("character varying(255)", "YES", None),
        "avatar_url": ("text", "YES", None),
        "created_at": ("timestamp with time zone", "NO", "now()"),
        "updated_at": ("timestamp with time zone", "NO", "now()"),
        "disabled_at": ("timestamp with time zone", "YES", None),
        "tokens_revoked_at": ("timestamp with time zone", "YES", None),
    },
    "resumes": {
        "id": ("uuid", "NO", "gen_random_uuid()"),
        "user_id": ("uuid", "NO", None),
        "storage_path": ("text", "NO", None),
        "original_filename": ("text", "NO", None),
        "parsed_text": ("text", "YES", None),
        "created_at": ("timestamp with time zone", "NO", "now()"),
    },
    "interview_sessions": {
        "id": ("uuid", "NO", "gen_random_uuid()"),
        "user_id": ("uuid", "NO", None),
        "resume_id": ("uuid", "YES", None),
        "job_description": ("text", "NO", None),
        "generated_questions": ("jsonb", "NO", None),
        "status": ("character varying(50)", "NO", "'pending'::character varying"),
        "created_at": ("timestamp with time zone", "NO", "now()"),
        "failure_reason": ("text", "YES", None),
        "gap_analysis": ("jsonb", "YES", None),
        "job_attempts": ("integer", "NO", "1"),
        "job_queued_at": ("timestamp with time zone", "NO", "now()"),
        "job_heartbeat_at": ("timestamp with time zone", "YES", None),
    },
    "recordings": {
        "id": ("uuid", "NO", "gen_random_uuid()"),
        "session_id": ("uuid", "NO", None),
        "question_text": ("text", "NO", None),
        "audio_storage_path": ("text", "NO", None),
        "transcript": ("text", "YES", None),
        "feedback_status": ("character varying(50)", "NO", "'pending'::character varying"),
        "created_at": ("timestamp with time zone", "NO", "now()"),
        "audio_duration_seconds": ("double precision", "YES", None),
        "failure_reason": ("text", "YES", None),
        "job_attempts": ("integer", "NO", "1"),
        "job_queued_at": ("timestamp with time zone", "NO", "now()"),
        "job_heartbeat_at": ("timestamp with time zone", "YES", None),
    },
    "feedback": {
        "id": ("uuid", "NO", "gen_random_uuid()"),
        "recording_id": ("uuid", "NO", None),
        "report": ("jsonb", "NO", None),
        "created_at": ("timestamp with time zone", "NO", "now()"),
        "generated_by": ("character varying(20)", "YES", None),
    },
    "knowledge_base_chunks": {
        "id": ("uuid", "NO", "gen_random_uuid()"),
        "source_document": ("character varying(255)", "NO", None),
        "chunk_text": ("text", "NO", None),
        "embedding": ("vector(768)", "YES", None),
    },
}


@pytest.mark.parametrize("table", sorted(SPEC_COLUMNS))
async def test_columns_match_the_spec(db: AsyncSession, table: str) -> None:
    rows = await db.execute(
        text(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod), "
            "CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END, pg_get_expr(d.adbin, d.adrelid) "
            "FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
            "WHERE a.attrelid = CAST(:table AS regclass) AND a.attnum > 0 AND NOT a.attisdropped"
        ),
        {"table": table},
    )
    actual = {name: (kind, nullable, default) for name, kind, nullable, default in rows}
    assert actual == SPEC_COLUMNS[table]


async def test_foreign_keys_and_their_delete_rules(db: AsyncSession) -> None:
    rows = await db.execute(
        text(
            "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND connamespace = 'public'::regnamespace ORDER BY 1, 2"
        )
    )
    assert sorted(rows.tuples()) == [
        ("feedback", "FOREIGN KEY (recording_id) REFERENCES recordings(id) ON DELETE CASCADE"),
        ("gap_analyses", "FOREIGN KEY (resume_id) REFERENCES resumes(id) ON DELETE SET NULL"),
        ("gap_analyses", "FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE"),
        ("interview_sessions", "FOREIGN KEY (resume_id) REFERENCES resumes(id) ON DELETE SET NULL"),
        ("interview_sessions", "FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE"),
        ("recordings", "FOREIGN KEY (session_id) REFERENCES interview_sessions(id) ON DELETE CASCADE"),
        ("resumes", "FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE"),
    ]


async def test_unique_constraints(db: AsyncSession) -> None:
    rows = await db.execute(
        text(
            "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'u' AND connamespace = 'public'::regnamespace ORDER BY 1"
        )
    )
    assert list(rows.tuples()) == [("feedback", "UNIQUE (recording_id)"), ("users", "UNIQUE (email)")]


async def test_knowledge_base_has_an_hnsw_cosine_index_and_pgvector(db: AsyncSession) -> None:
    definition = await db.scalar(
        text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_knowledge_base_chunks_embedding_hnsw'")
    )
    assert definition is not None
    assert "USING hnsw (embedding vector_cosine_ops)" in definition
    assert await db.scalar(text("SELECT extversion FROM pg_extension WHERE extname = 'vector'")) is not None
