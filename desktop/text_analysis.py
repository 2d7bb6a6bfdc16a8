"""Where the filler words are in a transcript, and how a pace compares with the ideal band.

Tokenised the way the server counts fillers, so the highlighted phrases add up to the report's count.
"""

from __future__ import annotations

import re

from app.schemas.delivery import FILLER_WORDS, IDEAL_WPM_HIGH, IDEAL_WPM_LOW, WORD_PATTERN

# An en dash, written as an escape so the source stays plain ASCII.
RANGE_DASH = "\u2013"
IDEAL_BAND = f"{IDEAL_WPM_LOW:.0f}{RANGE_DASH}{IDEAL_WPM_HIGH:.0f}"
NO_VALUE = "\u2014"

_WORD = re.compile(WORD_PATTERN, re.IGNORECASE | re.ASCII)
# Longest first, so "you know" is one filler rather than a miss on "you" and a miss on "know".
_PHRASES = sorted((tuple(phrase.split()) for phrase in FILLER_WORDS), key=len, reverse=True)


def filler_spans(text: str) -> list[tuple[int, int]]:
    """Character ranges [start, end) of each filler occurrence, left to right, never overlapping."""
    tokens = list(_WORD.finditer(text))
    words = [match.group().lower() for match in tokens]
    spans: list[tuple[int, int]] = []
    index = 0
    while index < len(words):
        for phrase in _PHRASES:
            if tuple(words[index : index + len(phrase)]) == phrase:
                spans.append((tokens[index].start(), tokens[index + len(phrase) - 1].end()))
                index += len(phrase)
                break
        else:
            index += 1
    return spans


def pace_verdict(words_per_minute: float) -> str:
    if words_per_minute <= 0:
        return "No speech was detected, so there is no pace to judge."
    if words_per_minute < IDEAL_WPM_LOW:
        gap = IDEAL_WPM_LOW - words_per_minute
        return f"{gap:.0f} WPM slower than the ideal {IDEAL_BAND} band: pick up the pace a little."
    if words_per_minute > IDEAL_WPM_HIGH:
        gap = words_per_minute - IDEAL_WPM_HIGH
        return f"{gap:.0f} WPM faster than the ideal {IDEAL_BAND} band: slow down and let points land."
    return f"Inside the ideal {IDEAL_BAND} WPM band."
