"""The language model's part of the judgement, asked of the spec's ReAct agent: one letter per
numbered unit of the answer and a yes/no on whether it addresses the question. Both are small and
checkable (a letter count that does not match the units is not used), and both are one signal among
others, never the report's words."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from app.services.coaching.evidence import MODEL_LETTERS
from app.services.coaching.transcript import Unit

Letter = Literal["S", "T", "A", "R", "O"]
# A two-minute answer is some 20 units; the cap only bounds what a rambling model may write.
MAX_UNITS = 60


class AnswerReading(BaseModel):
    """What the model decides about an answer."""

    labels: list[Letter] = Field(min_length=1, max_length=MAX_UNITS)
    answers_question: Literal["yes", "no"]


READING_INSTRUCTIONS = (
    "Label each numbered sentence of the candidate's answer with one letter: S if it describes the "
    "situation (the context or problem), T the candidate's own task or goal, A an action the candidate "
    "actually took, R a result or outcome of those actions, O anything else (opinions, hypotheticals "
    "such as 'I would', general statements, filler). Then say whether the answer addresses the "
    "interview question: yes or no. Give one letter per sentence, in order, and nothing else."
)


def numbered(units: Sequence[Unit]) -> str:
    return "\n".join(f"{unit.index + 1}. {unit.text}" for unit in units)


def reading_request(
    question: str, units: Sequence[Unit], recording_id: uuid.UUID, session_id: uuid.UUID
) -> str:
    return (
        f"Interview question: {question}\n"
        f"recording_id: {recording_id}\nsession_id: {session_id}\n\n"
        f"The candidate's answer, sentence by sentence ({len(units)} sentences):\n{numbered(units)}\n\n"
        f"{READING_INSTRUCTIONS} Submit it with submit_answer."
    )


def model_labels(reading: AnswerReading | None, units: Sequence[Unit]) -> list[str] | None:
    """The model's labels as label names, when it gave exactly one per unit."""
    if reading is None or len(reading.labels) != len(units):
        return None
    return [MODEL_LETTERS[letter] for letter in reading.labels]


def model_says_yes(reading: AnswerReading | None) -> bool | None:
    return None if reading is None else reading.answers_question == "yes"
