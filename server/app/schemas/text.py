"""Text a client sends: refused whole when it holds characters no text field may store.

PostgreSQL's TEXT cannot hold NUL, and a lone surrogate (a JSON "\\ud800") cannot be encoded at all;
either would fail at commit as a 500. Other control characters are refused with them: no resume,
question or job description needs a backspace or an escape. Tab, line feed and carriage return pass.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

# C0 controls but tab/LF/CR, DEL, C1 controls, and UTF-16 surrogates.
FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# The error type a refusal carries; the API answers it with 400 rather than the spec's 422.
CONTROL_CHARACTER_ERROR = "control_character"


def forbidden_character(value: str) -> str | None:
    """The first character `value` may not hold, spelled as U+XXXX, or None."""
    found = FORBIDDEN_CHARACTERS.search(value)
    return f"U+{ord(found.group()):04X}" if found is not None else None


def _plain(value: str) -> str:
    character = forbidden_character(value)
    if character is not None:
        raise PydanticCustomError(
            CONTROL_CHARACTER_ERROR,
            "holds the control character {character}, which text may not contain",
            {"character": character},
        )
    return value


PlainText = Annotated[str, AfterValidator(_plain)]
