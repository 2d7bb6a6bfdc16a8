"""Resume upload (lookups of a user's own resumes are in `services.ownership`)."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.errors import invalid_input, service_unavailable
from app.db.models import Resume, User
from app.services.resumes.documents import DocumentError, ReaderLimits, ReaderUnavailableError, read_in_child
from app.services.storage import ObjectStorage, new_object_key
from app.services.uploads import ReceivedFile

logger = logging.getLogger(__name__)

RESUME_CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def reader_limits(settings: Settings) -> ReaderLimits:
    return ReaderLimits(
        memory_bytes=settings.RESUME_READER_MEMORY_MB * 1024 * 1024,
        cpu_seconds=settings.RESUME_READER_CPU_SECONDS,
        wall_seconds=settings.RESUME_READER_TIMEOUT_SECONDS,
    )


def check_extension(received: ReceivedFile, allowed: list[str], kind: str) -> None:
    if not received.filename:
        raise invalid_input(f"The {kind} upload has no filename")
    if received.extension not in allowed:
        shown = received.extension or "no extension"
        raise invalid_input(f"Unsupported {kind} type ({shown}); accepted: {', '.join(allowed)}")
    if received.size == 0:
        raise invalid_input(f"The {kind} file is empty")


async def store_then_commit(
    db: AsyncSession,
    storage: ObjectStorage,
    row: object,
    key: str,
    received: ReceivedFile,
    content_type: str,
) -> None:
    """Object first, row second: a row never points at a missing object, and a failed commit
    removes the object it would have pointed at."""
    await storage.upload_file(key, received.path, content_type=content_type)
    try:
        db.add(row)
        await db.commit()
    except BaseException:
        await db.rollback()
        try:
            await storage.remove(key)
        except Exception:
            logger.exception("could not remove orphaned object %s after a failed commit", key)
        raise


async def upload_resume(
    db: AsyncSession, storage: ObjectStorage, settings: Settings, user: User, received: ReceivedFile
) -> Resume:
    check_extension(received, settings.ALLOWED_RESUME_EXTENSIONS, "resume")
    try:
        parsed_text = await read_in_child(received.path, received.extension, reader_limits(settings))
    except DocumentError as exc:
        raise invalid_input(str(exc)) from exc
    except ReaderUnavailableError as exc:
        logger.warning("%s", exc)
        raise service_unavailable("The resume could not be read just now; try again in a moment") from exc
    key = new_object_key("resumes", user.id, received.extension)
    resume = Resume(
        user_id=user.id, storage_path=key, original_filename=received.filename, parsed_text=parsed_text
    )
    await store_then_commit(
        db,
        storage,
        resume,
        key,
        received,
        RESUME_CONTENT_TYPES.get(received.extension, "application/octet-stream"),
    )
    return resume
