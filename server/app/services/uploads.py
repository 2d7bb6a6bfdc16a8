"""A file a client uploaded, as the API's multipart parser (`app.api.uploads`) hands it to the services."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(slots=True)
class ReceivedFile:
    path: Path
    filename: str
    content_type: str
    size: int

    @property
    def extension(self) -> str:
        return Path(self.filename).suffix.lower()
