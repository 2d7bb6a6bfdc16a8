"""All ORM models, imported here so metadata is complete for Alembic and relationships resolve."""

from app.db.models.feedback import Feedback
from app.db.models.gap_analysis import GapAnalysisRecord
from app.db.models.knowledge_base import KnowledgeBaseChunk
from app.db.models.recording import Recording
from app.db.models.resume import Resume
from app.db.models.session import InterviewSession
from app.db.models.user import User

__all__ = [
    "Feedback",
    "GapAnalysisRecord",
    "InterviewSession",
    "KnowledgeBaseChunk",
    "Recording",
    "Resume",
    "User",
]
