"""Table-driven checks of the spec's SCORING_LOGIC_SPECIFICATION formulas."""

from __future__ import annotations

import pytest

from app.services.coaching import delivery_metrics as dm


@pytest.mark.parametrize(
    ("transcript", "fillers"),
    [
        ("", 0),
        ("I led the project.", 0),
        ("Um, I led the project.", 1),
        ("UM uh Uh, um.", 4),
        ("It was, you know, kind of hard and sort of slow, like really.", 4),
        ("You know you know", 2),
        ("I know you know", 1),
        ("umbrella, uhm, likely, unlike, kindness, sorted", 0),
        ("I like Python", 1),
        ("kind of kind of", 2),
        ("you\nknow", 1),
    ],
)
def test_filler_words_are_exact_case_insensitive_and_phrases_count_once(
    transcript: str, fillers: int
) -> None:
    assert dm.count_filler_words(transcript) == fillers


@pytest.mark.parametrize(
    ("wpm", "rating"),
    [
        (0.0, 0.0),
        (40.0, 0.0),
        (50.0, 1.0),
        (100.0, 6.0),
        (139.0, 9.9),
        (140.0, 10.0),
        (150.0, 10.0),
        (160.0, 10.0),
        (161.0, 9.9),
        (200.0, 6.0),
        (260.0, 0.0),
        (400.0, 0.0),
    ],
)
def test_pace_rating_is_the_spec_piecewise_function(wpm: float, rating: float) -> None:
    assert dm.pace_rating(wpm) == pytest.approx(rating)


def test_wpm_uses_the_real_duration_and_excludes_fillers() -> None:
    transcript = " ".join(["word"] * 148 + ["um", "uh"])  # 150 words, 2 fillers
    metrics = dm.analyze(transcript, audio_duration_seconds=60.0)
    assert metrics.total_words == 150
    assert metrics.filler_word_count == 2
    assert metrics.words_per_minute == pytest.approx(148.0)
    assert metrics.pace_rating == 10.0


def test_wpm_falls_back_to_words_over_2_5_seconds() -> None:
    metrics = dm.analyze(" ".join(["word"] * 100), audio_duration_seconds=None)
    assert metrics.duration_seconds == pytest.approx(40.0)
    assert metrics.words_per_minute == pytest.approx(150.0)


@pytest.mark.parametrize(
    ("fillers", "words", "pace", "confidence"),
    [
        (0, 100, 10.0, 10.0),
        (5, 100, 10.0, 7.0),
        (10, 100, 10.0, 4.0),
        (20, 100, 5.0, 2.0),
        (0, 0, 0.0, 6.0),
    ],
)
def test_confidence_score(fillers: int, words: int, pace: float, confidence: float) -> None:
    assert dm.confidence_score(fillers, words, pace) == pytest.approx(confidence)


@pytest.mark.parametrize(
    ("pace", "fillers", "delivery"),
    [(10.0, 0, 100.0), (10.0, 4, 88.0), (5.0, 10, 50.0), (0.0, 25, 0.0)],
)
def test_delivery_quality(pace: float, fillers: int, delivery: float) -> None:
    assert dm.delivery_quality(pace, fillers) == pytest.approx(delivery)


@pytest.mark.parametrize(
    ("star", "delivery", "confidence", "overall"),
    [(100, 100.0, 10.0, 100.0), (0, 0.0, 0.0, 0.0), (70, 88.0, 7.0, 75.4), (25, 50.0, 2.0, 31.5)],
)
def test_overall_score(star: int, delivery: float, confidence: float, overall: float) -> None:
    assert dm.overall_score(star, delivery, confidence) == pytest.approx(overall)
