"""What both halves of the coaching-quality bench share: the labelled set, the wait, the invented-facts check.

`bench_coaching_quality` (the spoken answers' reports) and `gap_quality` (the resume/job pairs' gap
analyses) read their labels from `coaching_set/`, wait up to `WAIT_SECONDS` for each result, and look
in it for numbers and names its sources do not give with `unsupported_tokens`, the bench's own check
rather than the coach's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

SET = Path(__file__).resolve().parent / "coaching_set"
WAIT_SECONDS = 900.0


NUMBER_WORDS = set(
    [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "sixty",
        "seventy",
        "eighty",
        "ninety",
        "hundred",
        "thousand",
        "million",
        "billion",
    ]
)


def unsupported_tokens(text: str, sources: Sequence[str]) -> list[str]:
    """The bench's own check, independent of the coach's: every number (digits or number word) and
    every capitalised word not opening a sentence, outside bracketed prompts, must occur in a source."""
    known = {
        token.lower() for source in sources for token in re.findall(r"[A-Za-z0-9][A-Za-z0-9'.+#-]*", source)
    }
    # Stripped as the checked tokens are: "Deployin'" said is "Deployin" found.
    known |= {token.rstrip(".'") for token in known}
    plain = re.sub(r"\[[^\]]*\]", " ", text)
    unsupported = []
    for match in re.finditer(r"[A-Za-z0-9][A-Za-z0-9'.+#-]*", plain):
        token = match.group().rstrip(".'")
        before = plain[: match.start()].rstrip(" \"'")
        opening = not before or before[-1] in ".!?:;"
        numeric = token[0].isdigit() or token.lower() in NUMBER_WORDS
        named = (
            any(char.isupper() for char in token)
            and not opening
            and token != "I"
            and not token.startswith("I'")
        )
        if (numeric or named) and token.lower() not in known:
            unsupported.append(token)
    return unsupported
