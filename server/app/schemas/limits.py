"""What the server accepts from a client, for the server to enforce and a client to check first.

The first group is fixed by the API. The second holds the defaults of server settings (app.core.config):
a deployment may change those, and the API does not report its own, so a client checks the defaults.
"""

from __future__ import annotations

JOB_DESCRIPTION_MIN_CHARS = 50
JOB_DESCRIPTION_MAX_CHARS = 5000
MAX_QUESTION_LENGTH = 1000

# Defaults of MAX_RESUME_FILE_SIZE_MB, MAX_AUDIO_FILE_SIZE_MB, ALLOWED_RESUME_EXTENSIONS,
# ALLOWED_AUDIO_EXTENSIONS and MAX_ANSWER_MINUTES.
DEFAULT_MAX_RESUME_FILE_SIZE_MB = 5
DEFAULT_MAX_AUDIO_FILE_SIZE_MB = 50
DEFAULT_RESUME_EXTENSIONS: tuple[str, ...] = (".pdf", ".docx")
DEFAULT_AUDIO_EXTENSIONS: tuple[str, ...] = (".mp3", ".wav", ".m4a", ".webm")
DEFAULT_MAX_ANSWER_MINUTES = 15
