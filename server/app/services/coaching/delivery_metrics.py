"""The spec's delivery and scoring formulas (SCORING_LOGIC_SPECIFICATION), computed exactly in code.

The spec lets the LLM do this arithmetic; small local models get it wrong, so the numbers in a report
always come from here and only the judgements come from the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.schemas.delivery import FILLER_WORDS, IDEAL_WPM_HIGH, IDEAL_WPM_LOW, WORD_PATTERN

BASELINE_WORDS_PER_SECOND = 2.5  # the spec's 150 WPM baseline when the duration is unknown
STAR_COMPONENT_POINTS = (25, 15, 5, 0)

_WORD = re.compile(WORD_PATTERN)
_FILLER_PHRASES = tuple(tuple(filler.split()) for filler in FILLER_WORDS)
# Longest phrases first, so "you know" is one occurrence and never also two words.
_FILLERS_LONGEST_FIRST = sorted(_FILLER_PHRASES, key=len, reverse=True)


@dataclass(frozen=True, slots=True)
class RawDeliveryMetrics:
    total_words: int
    filler_word_count: int
    words_per_minute: float
    pace_rating: float
    duration_seconds: float


def words(transcript: str) -> list[str]:
    return _WORD.findall(transcript.lower())


def filler_spans(tokens: list[str]) -> list[tuple[int, int]]:
    """Token index ranges [start, end) of every filler occurrence, left to right, never overlapping."""
    spans: list[tuple[int, int]] = []
    index = 0
    while index < len(tokens):
        for phrase in _FILLERS_LONGEST_FIRST:
            if tuple(tokens[index : index + len(phrase)]) == phrase:
                spans.append((index, index + len(phrase)))
                index += len(phrase)
                break
        else:
            index += 1
    return spans


def count_filler_words(transcript: str) -> int:
    return len(filler_spans(words(transcript)))


def estimated_duration_seconds(total_words: int, audio_duration_seconds: float | None) -> float:
    if audio_duration_seconds is not None and audio_duration_seconds > 0:
        return audio_duration_seconds
    return total_words / BASELINE_WORDS_PER_SECOND


def words_per_minute(total_words: int, filler_word_count: int, duration_seconds: float) -> float:
    if duration_seconds <= 0:
        return 0.0
    return (total_words - filler_word_count) / (duration_seconds / 60)


def pace_rating(wpm: float) -> float:
    if IDEAL_WPM_LOW <= wpm <= IDEAL_WPM_HIGH:
        return 10.0
    if wpm < IDEAL_WPM_LOW:
        return max(0.0, 10.0 - (IDEAL_WPM_LOW - wpm) * 0.1)
    return max(0.0, 10.0 - (wpm - IDEAL_WPM_HIGH) * 0.1)


def analyze(transcript: str, audio_duration_seconds: float | None = None) -> RawDeliveryMetrics:
    tokens = words(transcript)
    total = len(tokens)
    fillers = len(filler_spans(tokens))
    duration = estimated_duration_seconds(total, audio_duration_seconds)
    wpm = words_per_minute(total, fillers, duration)
    return RawDeliveryMetrics(
        total_words=total,
        filler_word_count=fillers,
        words_per_minute=wpm,
        pace_rating=pace_rating(wpm),
        duration_seconds=duration,
    )


def confidence_score(filler_word_count: int, total_words: int, pace: float) -> float:
    filler_ratio = filler_word_count / total_words if total_words else 0.0
    confidence_base = max(0.0, 10 - (filler_ratio * 100))
    return (confidence_base * 0.6) + (pace * 0.4)


def delivery_quality(pace: float, filler_word_count: int) -> float:
    return (pace * 10) * 0.4 + max(0, 100 - filler_word_count * 5) * 0.6


def overall_score(star_quality: float, delivery: float, confidence: float) -> float:
    return (star_quality * 0.5) + (delivery * 0.3) + (confidence * 10 * 0.2)
