"""The status values rows move through, shared by every schema that reports progress."""

from typing import Literal, cast, get_args

SessionState = Literal["pending", "processing", "complete", "failed"]
FeedbackState = SessionState


def as_state(value: str) -> SessionState:
    """A status column's value as the schema's literal; anything else is a bug worth a loud error."""
    if value not in get_args(SessionState):
        raise ValueError(f"unknown status {value!r}")
    return cast(SessionState, value)
