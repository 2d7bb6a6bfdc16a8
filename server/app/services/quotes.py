"""Whether words a model says it quotes from a text are really in that text."""

from __future__ import annotations

import re

MIN_QUOTE_WORDS = 3


def normalised_words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9+#]+", text.lower()))


def verified_quote(quote: str, source: str) -> str | None:
    """The quote, tidied, when its words appear in that order in `source` (case, punctuation and
    spacing aside); None when they do not, or are too few to tell (a placeholder such as "..."
    copied from an answer template)."""
    cleaned = " ".join(quote.split()).strip(" \"'")
    words = normalised_words(cleaned)
    if len(words.split()) >= MIN_QUOTE_WORDS and f" {words} " in f" {normalised_words(source)} ":
        return cleaned
    return None
