"""Every recorded answer lives here as a WAV plus a small JSON note, before and after it is uploaded.

A failed upload, a crash or a closed laptop never loses an answer: anything without a recording id
is still waiting to be sent and is offered again.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

TAKE_PREFIX = "take-"


@dataclass(frozen=True, slots=True)
class SavedAnswer:
    wav_path: Path
    session_id: UUID
    question: str
    created_at: datetime
    recording_id: UUID | None = None
    last_error: str | None = None

    @property
    def note_path(self) -> Path:
        return self.wav_path.with_suffix(".json")

    @property
    def uploaded(self) -> bool:
        return self.recording_id is not None


class AnswerStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def new_take_path(self, session_id: UUID) -> Path:
        """Where the recorder writes a take; it becomes an answer only when submitted."""
        return self.root / str(session_id) / f"{TAKE_PREFIX}{uuid.uuid4().hex}.wav"

    def discard_take(self, path: Path) -> None:
        if path.name.startswith(TAKE_PREFIX) and not path.with_suffix(".json").exists():
            path.unlink(missing_ok=True)

    def keep(self, take: Path, session_id: UUID, question: str) -> SavedAnswer:
        answer = SavedAnswer(
            wav_path=take, session_id=session_id, question=question, created_at=datetime.now(UTC)
        )
        self._write(answer)
        return answer

    def mark_uploaded(self, answer: SavedAnswer, recording_id: UUID) -> SavedAnswer:
        updated = SavedAnswer(
            answer.wav_path, answer.session_id, answer.question, answer.created_at, recording_id
        )
        self._write(updated)
        return updated

    def mark_failed(self, answer: SavedAnswer, message: str) -> SavedAnswer:
        updated = SavedAnswer(
            answer.wav_path, answer.session_id, answer.question, answer.created_at, None, message
        )
        self._write(updated)
        return updated

    def pending(self, session_id: UUID | None = None) -> list[SavedAnswer]:
        folders = [self.root / str(session_id)] if session_id else self._session_folders()
        answers = [answer for folder in folders for answer in self._read_folder(folder)]
        return sorted((a for a in answers if not a.uploaded), key=lambda a: a.created_at)

    def find_by_recording(self, recording_id: UUID) -> SavedAnswer | None:
        for folder in self._session_folders():
            for answer in self._read_folder(folder):
                if answer.recording_id == recording_id:
                    return answer
        return None

    def delete_all(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def _session_folders(self) -> list[Path]:
        return [path for path in self.root.iterdir() if path.is_dir()] if self.root.is_dir() else []

    def _read_folder(self, folder: Path) -> list[SavedAnswer]:
        if not folder.is_dir():
            return []
        answers = []
        for note in folder.glob("*.json"):
            wav_path = note.with_suffix(".wav")
            if not wav_path.exists():
                continue
            data = json.loads(note.read_text(encoding="utf-8"))
            recording = data.get("recording_id")
            answers.append(
                SavedAnswer(
                    wav_path=wav_path,
                    session_id=UUID(data["session_id"]),
                    question=data["question"],
                    created_at=datetime.fromisoformat(data["created_at"]),
                    recording_id=UUID(recording) if recording else None,
                    last_error=data.get("last_error"),
                )
            )
        return answers

    def _write(self, answer: SavedAnswer) -> None:
        note = {
            "session_id": str(answer.session_id),
            "question": answer.question,
            "created_at": answer.created_at.isoformat(),
            "recording_id": str(answer.recording_id) if answer.recording_id else None,
            "last_error": answer.last_error,
        }
        # Written to a side file and renamed, so a crash mid-write never leaves a half note.
        partial = answer.note_path.with_suffix(".json.partial")
        partial.write_text(json.dumps(note, indent=2), encoding="utf-8")
        os.replace(partial, answer.note_path)
