"""How a model's question set is cleaned up before it is stored."""

from __future__ import annotations

from app.services.practice.question_generation import QUESTION_CHARS, distinct_questions


def test_questions_are_trimmed_deduplicated_and_capped() -> None:
    questions = distinct_questions(
        [
            '  "Tell me about a time you led an incident?"',
            "tell me about a time you LED an incident",  # the same question, differently written
            "Why?",  # fragments, not questions: a 0.5B model answered with the openings it was shown
            "Tell me about a time",
            "Describe a situation where you mentored an engineer",
            "Walk me through a design review you ran.",
        ]
        + [f"Give me an example of a migration you planned, number {n}" for n in range(10)]
    )
    assert questions[:3] == [
        "Tell me about a time you led an incident?",
        "Describe a situation where you mentored an engineer?",
        "Walk me through a design review you ran.",
    ]
    assert len(questions) == 8


def test_a_question_stopped_by_its_cap_ends_at_a_whole_clause() -> None:
    asked = "Tell me about the incident at DataWorks you led as the on-call engineer for payments"
    cut = (
        asked + ", and how you wrote the postmortem that changed the release process for every team after"
    )[:QUESTION_CHARS]
    assert len(cut) == QUESTION_CHARS
    assert distinct_questions([cut]) == [asked + "?"]
